import { apiFact } from './fact.js';

/**
 * An E-Series array's state as its REST API (SANtricity Web Services, /devmgr/v2/storage-systems/<id>/…) reports it,
 * read the way NetApp's collection netapp_eseries.santricity reads it (paths and fields cited in
 * test/target/array/README.md), reduced to what sshplay's array modules plan with.
 */

export interface IserInterface {
  /** A, B: controllers named in the sorted order of their refs, as na_santricity_ib_iser_interface names them. */
  controller: string;
  /** 1-based, in channel order within the controller. */
  channel: number;
  /** The id setIscsiInterfaceProperties takes as iscsiInterface. */
  id: string;
  address: string;
  linkState: string;
}

interface IoInterface {
  controllerRef: string;
  ioInterfaceTypeData: {
    interfaceType: string;
    ib?: { id: string; channel: number; linkState: string; isISERSupported: boolean };
    iscsi?: {
      id: string;
      channel: number;
      interfaceData?: { type?: string; infinibandData?: { isIser?: boolean } };
      ipv4Data?: { ipv4AddressData?: { ipv4Address?: string } };
    };
  };
  commandProtocolPropertiesList?: {
    commandProtocolProperties?: {
      commandProtocol: string;
      scsiProperties?: {
        scsiProtocolType?: string;
        iserProperties?: { ipv4Data?: { ipv4AddressData?: { ipv4Address?: string } } };
      };
    }[];
  };
}

export const INTERFACES_PATH = 'interfaces?channelType=hostside';
export const CONTROLLERS_PATH = 'graph/xpath-filter?query=/controller/id';
export const TARGET_PATH = 'graph/xpath-filter?query=/storagePoolBundle/target';
export const SESSIONS_PATH = 'symbol/getIscsiSessions';
export const SESSIONS_QUERY = { type: 'all' };

/** The array's InfiniBand iSER ports, both shapes the collection accepts (an `ib` interface with iSER, an `iscsi` one over InfiniBand). */
export const iserInterfaces = apiFact<void, IserInterface[]>({
  name: 'eseries.iserInterfaces',
  reads: () => [{ path: INTERFACES_PATH }, { path: CONTROLLERS_PATH }],
  parse: (answers) => parseIserInterfaces(answers[0] as IoInterface[], answers[1] as string[]),
});

function parseIserInterfaces(ifaces: IoInterface[], controllerRefs: string[]): IserInterface[] {
  const labels = new Map([...controllerRefs].sort().map((ref, i) => [ref, String.fromCharCode(65 + i)]));
  const found: (IserInterface & { hwChannel: number; ref: string })[] = [];
  for (const iface of ifaces) {
    const t = iface.ioInterfaceTypeData;
    if (t.interfaceType === 'ib' && t.ib?.isISERSupported) {
      const iser = iface.commandProtocolPropertiesList?.commandProtocolProperties?.find(
        (p) => p.commandProtocol === 'scsi' && p.scsiProperties?.scsiProtocolType === 'iser',
      );
      found.push({
        ref: iface.controllerRef,
        controller: labels.get(iface.controllerRef) ?? '?',
        hwChannel: t.ib.channel,
        channel: 0,
        id: t.ib.id,
        address: iser?.scsiProperties?.iserProperties?.ipv4Data?.ipv4AddressData?.ipv4Address ?? '',
        linkState: t.ib.linkState,
      });
    } else if (
      t.interfaceType === 'iscsi' &&
      t.iscsi?.interfaceData?.type === 'infiniband' &&
      t.iscsi.interfaceData.infinibandData?.isIser
    ) {
      found.push({
        ref: iface.controllerRef,
        controller: labels.get(iface.controllerRef) ?? '?',
        hwChannel: t.iscsi.channel,
        channel: 0,
        id: t.iscsi.id,
        address: t.iscsi.ipv4Data?.ipv4AddressData?.ipv4Address ?? '',
        linkState: 'unknown',
      });
    }
  }
  // As the collection numbers them: per controller, sorted by the hardware channel, counted from 1.
  const result: IserInterface[] = [];
  for (const label of [...new Set(found.map((f) => f.controller))].sort()) {
    const mine = found.filter((f) => f.controller === label).sort((a, b) => a.hwChannel - b.hwChannel);
    mine.forEach((f, i) => {
      result.push({ controller: f.controller, channel: i + 1, id: f.id, address: f.address, linkState: f.linkState });
    });
  }
  return result;
}

/** The array's iSCSI target node name (its IQN), from the storage pool bundle's target, as na_santricity_iscsi_target reads it. */
export const targetIqn = apiFact<void, string>({
  name: 'eseries.targetIqn',
  reads: () => [{ path: TARGET_PATH }],
  parse: ([targets]) => {
    const iqn = (targets as { nodeName?: { iscsiNodeName?: string } }[])[0]?.nodeName?.iscsiNodeName;
    if (!iqn) throw new Error('the array reports no iSCSI target (it has no iSCSI or iSER host interfaces)');
    return iqn;
  },
});

export interface HostTypeEntry {
  index: number;
  name: string;
}

export const hostTypes = apiFact<void, HostTypeEntry[]>({
  name: 'eseries.hostTypes',
  reads: () => [{ path: 'host-types' }],
  parse: ([types]) => (types as HostTypeEntry[]).map((t) => ({ index: t.index, name: t.name })),
});

export interface ArrayHost {
  id: string;
  name: string;
  hostTypeIndex: number;
  /** hostSidePorts: type, address (an IQN for iSCSI/iSER), label. */
  ports: { type: string; address: string; label: string; id?: string }[];
  /** The host group's ref (clusterRef), or undefined when the host is in none (40 zeros). */
  groupRef?: string;
}

/** 40 zeros: the clusterRef of a host in no group (the collection's unassign_hosts moves a host there). */
export const NO_GROUP_REF = '0'.repeat(40);

interface HostEx {
  id: string;
  name: string;
  label: string;
  hostTypeIndex: number;
  clusterRef?: string;
  hostSidePorts: { type: string; address: string; label: string }[];
  initiators: { id: string; label: string }[];
  ports: { id: string; label: string }[];
}

export const arrayHosts = apiFact<void, ArrayHost[]>({
  name: 'eseries.hosts',
  reads: () => [{ path: 'hosts' }],
  parse: ([hosts]) => (hosts as HostEx[]).map(parseHost),
});

function parseHost(h: HostEx): ArrayHost {
  // hostSidePorts carry no id: it is the initiator's (or port's) of the same label, as the collection pairs them.
  const ids = new Map([...h.ports, ...h.initiators].map((p) => [p.label, p.id]));
  return {
    id: h.id,
    name: h.name ?? h.label,
    hostTypeIndex: h.hostTypeIndex,
    ...(h.clusterRef && h.clusterRef !== NO_GROUP_REF ? { groupRef: h.clusterRef } : {}),
    ports: h.hostSidePorts.map((p) => ({
      type: p.type.toLowerCase(),
      address: p.address.toLowerCase(),
      label: p.label,
      ...(ids.has(p.label) ? { id: ids.get(p.label) } : {}),
    })),
  };
}

export interface ArrayHostGroup {
  /** The group's clusterRef: what a mapping's mapRef and a member's clusterRef hold. */
  id: string;
  name: string;
}

/** The array's host groups (GET host-groups: clusterRef, name), as na_santricity_hostgroup reads them. */
export const arrayHostGroups = apiFact<void, ArrayHostGroup[]>({
  name: 'eseries.hostGroups',
  reads: () => [{ path: 'host-groups' }],
  parse: ([groups]) =>
    (groups as { clusterRef: string; name: string }[]).map((g) => ({ id: g.clusterRef, name: g.name })),
});

export interface ArrayVolume {
  id: string;
  name: string;
  capacityBytes: bigint;
  wwn: string;
}

type VolumeEx = { id: string; name: string; capacity: string; worldWideName?: string; wwn?: string };

/** Thick and thin volumes alike. */
export const arrayVolumes = apiFact<void, ArrayVolume[]>({
  name: 'eseries.volumes',
  reads: () => [{ path: 'volumes' }, { path: 'thin-volumes' }],
  parse: ([thick, thin]) =>
    [...(thick as VolumeEx[]), ...(thin as VolumeEx[])].map((v) => ({
      id: v.id,
      name: v.name,
      capacityBytes: BigInt(v.capacity),
      wwn: (v.worldWideName ?? v.wwn ?? '').toLowerCase(),
    })),
});

export const storagePools = apiFact<void, { id: string; name: string }[]>({
  name: 'eseries.storagePools',
  reads: () => [{ path: 'storage-pools' }],
  parse: ([pools]) => (pools as { id: string; name: string }[]).map((p) => ({ id: p.id, name: p.name })),
});

export interface VolumeMapping {
  id: string;
  lun: number;
  volumeRef: string;
  mapRef: string;
}

export const volumeMappings = apiFact<void, VolumeMapping[]>({
  name: 'eseries.volumeMappings',
  reads: () => [{ path: 'volume-mappings' }],
  parse: ([mappings]) =>
    (mappings as VolumeMapping[]).map((m) => ({ id: m.id, lun: m.lun, volumeRef: m.volumeRef, mapRef: m.mapRef })),
});

export interface ArraySession {
  initiatorIqn: string;
  targetIqn: string;
  /** The target portal group: one per controller on E-Series. */
  portalGroupTag: number;
}

interface IscsiSession {
  type: string;
  endpoints: {
    localEndpoint: {
      targetId?: { iscsiPortName?: { targetNodeName?: { iscsiNodeName?: string }; targetPortalGroupTag?: number } };
    };
    remoteEndpoint: { initiatorId?: { iscsiPortName?: { initiatorNodeName?: { iscsiNodeName?: string } } } };
  };
}

/** The array's iSCSI/iSER sessions (getIscsiSessions, filter all): normal sessions only, discovery ones left out. */
export const arraySessions = apiFact<void, ArraySession[]>({
  name: 'eseries.sessions',
  reads: () => [{ path: SESSIONS_PATH, query: SESSIONS_QUERY }],
  parse: ([raw]) => {
    const answer = raw as { returnCode: string; sessions: IscsiSession[] };
    if (answer.returnCode !== 'ok') throw new Error(`getIscsiSessions returned ${answer.returnCode}`);
    return answer.sessions
      .filter((s) => s.type === 'normal')
      .map((s) => ({
        initiatorIqn: s.endpoints.remoteEndpoint.initiatorId?.iscsiPortName?.initiatorNodeName?.iscsiNodeName ?? '',
        targetIqn: s.endpoints.localEndpoint.targetId?.iscsiPortName?.targetNodeName?.iscsiNodeName ?? '',
        portalGroupTag: s.endpoints.localEndpoint.targetId?.iscsiPortName?.targetPortalGroupTag ?? 0,
      }));
  },
});
