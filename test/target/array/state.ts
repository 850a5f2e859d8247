/**
 * The state of a simulated E-Series array and the array's own rules, in the JSON shapes of the SANtricity Web
 * Services model (NetApp/santricity-webapi-javasdk models/v2 and models/symbol). See README.md for each source.
 */

export interface IserPort {
  /** Controller label as the collection presents them: A, B (sorted controller refs). */
  controller: 'A' | 'B';
  channel: number;
  address: string;
  linkState: 'up' | 'down';
}

export interface SimHost {
  id: string;
  hostRef: string;
  name: string;
  label: string;
  hostTypeIndex: number;
  clusterRef: string;
  ports: { label: string; type: string; port: string }[];
}

/** A host group (the API's "cluster"): its hosts carry its clusterRef. */
export interface SimHostGroup {
  id: string;
  clusterRef: string;
  name: string;
  label: string;
}

export const NO_GROUP = '0'.repeat(40);

export interface SimVolume {
  id: string;
  volumeRef: string;
  name: string;
  label: string;
  capacity: string;
  worldWideName: string;
  wwn: string;
  volumeGroupRef: string;
}

export interface SimMapping {
  id: string;
  lunMappingRef: string;
  lun: number;
  volumeRef: string;
  mapRef: string;
  type: 'host' | 'cluster';
}

export interface SimSession {
  initiatorIqn: string;
  controller: 'A' | 'B';
  /** Where the session came from, when a wired host logged in (test/target/array/host-link.ts). */
  host?: string;
}

/** A rule of the array broken by a request: the array answers 422 with this message. */
export class ArrayRuleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Host types as `GET host-types` lists them (HostType: name, index, code, used, default), a subset. The names and
 * indexes are SANtricity's (README.md); the codes are left out, having no public source for them.
 */
export const HOST_TYPES = [
  { index: 0, name: 'Factory Default' },
  { index: 1, name: 'Windows (clustered or non-clustered)' },
  { index: 7, name: 'Linux DM-MP (Kernel 3.9 or earlier)' },
  { index: 10, name: 'VMware ESXi' },
  { index: 28, name: 'Linux DM-MP (Kernel 3.10 or later)' },
] as const;

export const CONTROLLER_REFS = { A: '070000000000000000000001', B: '070000000000000000000002' } as const;

export class ArrayState {
  readonly ports: IserPort[];
  readonly hosts: SimHost[] = [];
  readonly groups: SimHostGroup[] = [];
  readonly volumes: SimVolume[] = [];
  readonly mappings: SimMapping[] = [];
  readonly sessions: SimSession[] = [];
  readonly pools = [{ id: '04000000600A098000A4B28D000017805C7BD4D8', name: 'pool1', diskPool: true }];
  /** Every change request the array accepted, in order (tests assert that check mode sent none). */
  readonly changeLog: string[] = [];
  private next = 1;

  constructor(
    readonly ssid: string,
    readonly iqn: string,
    ports: IserPort[],
  ) {
    this.ports = ports.map((p) => ({ ...p }));
  }

  private ref(prefix: string): string {
    return `${prefix}${String(this.next++).padStart(40 - prefix.length, '0')}`;
  }

  createHost(body: { name?: unknown; hostType?: { index?: unknown }; ports?: unknown }): SimHost {
    const name = requireString(body.name, 'name');
    if (this.hosts.some((h) => h.name.toLowerCase() === name.toLowerCase()))
      throw new ArrayRuleError(422, `A host with the name [${name}] already exists.`);
    const index = this.hostType(body.hostType?.index);
    const ports = this.portsOf(body.ports, undefined);
    const ref = this.ref('84');
    const host: SimHost = {
      id: ref,
      hostRef: ref,
      name,
      label: name,
      hostTypeIndex: index,
      clusterRef: NO_GROUP,
      ports,
    };
    this.hosts.push(host);
    return host;
  }

  updateHost(
    id: string,
    body: { name?: unknown; hostType?: { index?: unknown }; ports?: unknown; portsToRemove?: unknown },
  ): SimHost {
    const host = this.hosts.find((h) => h.id === id);
    if (!host) throw new ArrayRuleError(404, `No host with id [${id}].`);
    if (body.hostType?.index !== undefined) host.hostTypeIndex = this.hostType(body.hostType.index);
    if (Array.isArray(body.portsToRemove)) {
      const remove = new Set(body.portsToRemove as string[]);
      host.ports = host.ports.filter((p) => !remove.has(portRef(host, p)));
    }
    host.ports.push(...this.portsOf(body.ports, host));
    return host;
  }

  deleteHost(id: string): void {
    const i = this.hosts.findIndex((h) => h.id === id);
    if (i < 0) throw new ArrayRuleError(404, `No host with id [${id}].`);
    this.hosts.splice(i, 1);
  }

  /** POST host-groups {name, hosts: [hostRef]}: a group name is used once; its hosts move into it. */
  createGroup(body: { name?: unknown; hosts?: unknown }): SimHostGroup {
    const name = requireString(body.name, 'name');
    if (this.groups.some((g) => g.name.toLowerCase() === name.toLowerCase()))
      throw new ArrayRuleError(422, `A host group with the name [${name}] already exists.`);
    const members = this.hostsByRef(body.hosts);
    const ref = this.ref('85');
    const group: SimHostGroup = { id: ref, clusterRef: ref, name, label: name };
    this.groups.push(group);
    for (const h of members) this.joinGroup(h, group.clusterRef);
    return group;
  }

  /** POST host-groups/<id> {name, hosts}: the listed hosts are (moved) in the group. */
  updateGroup(id: string, body: { name?: unknown; hosts?: unknown }): SimHostGroup {
    const group = this.groups.find((g) => g.id === id);
    if (!group) throw new ArrayRuleError(404, `No host group with id [${id}].`);
    if (body.name !== undefined) group.name = group.label = requireString(body.name, 'name');
    for (const h of this.hostsByRef(body.hosts)) this.joinGroup(h, group.clusterRef);
    return group;
  }

  /** DELETE host-groups/<id>: its hosts leave it; refused while volumes are mapped to the group. */
  deleteGroup(id: string): void {
    const i = this.groups.findIndex((g) => g.id === id);
    if (i < 0) throw new ArrayRuleError(404, `No host group with id [${id}].`);
    const group = this.groups[i] as SimHostGroup;
    if (this.mappings.some((m) => m.mapRef === group.clusterRef))
      throw new ArrayRuleError(422, `The host group [${group.name}] has volume mappings.`);
    for (const h of this.hosts) if (h.clusterRef === group.clusterRef) h.clusterRef = NO_GROUP;
    this.groups.splice(i, 1);
  }

  /** POST hosts/<id>/move {group}: the host joins a group, or leaves its group (all zeros). */
  moveHost(id: string, body: { group?: unknown; groupId?: unknown }): SimHost {
    const host = this.hosts.find((h) => h.id === id);
    if (!host) throw new ArrayRuleError(404, `No host with id [${id}].`);
    // the collection sends `group`, the SDK's HostMoveRequest names it `groupId`: both are read
    const target = requireString(body.group ?? body.groupId, 'group');
    if (target !== NO_GROUP && !this.groups.some((g) => g.clusterRef === target))
      throw new ArrayRuleError(422, `No host group with id [${target}].`);
    if (target === NO_GROUP) host.clusterRef = NO_GROUP;
    else this.joinGroup(host, target);
    return host;
  }

  /** A host entering a group sees the group's LUNs beside its own: a LUN number both use is refused. */
  private joinGroup(host: SimHost, clusterRef: string): void {
    const own = new Set(this.mappings.filter((m) => m.mapRef === host.hostRef).map((m) => m.lun));
    const clash = this.mappings.find((m) => m.mapRef === clusterRef && own.has(m.lun));
    if (clash) throw new ArrayRuleError(422, `LUN ${clash.lun} is already in use for host [${host.name}].`);
    host.clusterRef = clusterRef;
  }

  private hostsByRef(value: unknown): SimHost[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ArrayRuleError(422, 'hosts must be a list of host ids');
    return value.map((ref) => {
      const h = this.hosts.find((x) => x.hostRef === ref);
      if (!h) throw new ArrayRuleError(422, `No host with id [${String(ref)}].`);
      return h;
    });
  }

  /** The hosts a mapping presents its volume to: its host, or every host of its group. */
  hostsOfMapping(m: SimMapping): SimHost[] {
    return m.type === 'host'
      ? this.hosts.filter((h) => h.hostRef === m.mapRef)
      : this.hosts.filter((h) => h.clusterRef === m.mapRef);
  }

  private hostType(index: unknown): number {
    if (typeof index !== 'number' || !HOST_TYPES.some((t) => t.index === index))
      throw new ArrayRuleError(422, `There is no host type with index ${JSON.stringify(index)}.`);
    return index;
  }

  /** A host port address (IQN) belongs to one host only; a label is unique too. */
  private portsOf(value: unknown, owner: SimHost | undefined): SimHost['ports'] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ArrayRuleError(422, 'ports must be a list');
    return value.map((p: { type?: unknown; port?: unknown; label?: unknown }) => {
      const port = requireString(p.port, 'ports[].port').toLowerCase();
      const label = requireString(p.label, 'ports[].label');
      const type = requireString(p.type, 'ports[].type');
      for (const h of this.hosts) {
        for (const existing of h.ports) {
          if (existing.port === port && h !== owner)
            throw new ArrayRuleError(422, `The host port [${port}] is already assigned to host [${h.name}].`);
          if (existing.label.toLowerCase() === label.toLowerCase())
            throw new ArrayRuleError(422, `The host port label [${label}] is already in use.`);
        }
      }
      return { type, port, label };
    });
  }

  createVolume(body: { name?: unknown; poolId?: unknown; sizeUnit?: unknown; size?: unknown }): SimVolume {
    const name = requireString(body.name, 'name');
    if (this.volumes.some((v) => v.name === name))
      throw new ArrayRuleError(422, `A volume with the name [${name}] already exists.`);
    const pool = this.pools.find((p) => p.id === body.poolId);
    if (!pool) throw new ArrayRuleError(422, `No storage pool with id [${String(body.poolId)}].`);
    const units: Record<string, number> = { bytes: 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };
    const unit = units[String(body.sizeUnit ?? 'gb')];
    if (unit === undefined || typeof body.size !== 'number' || body.size <= 0)
      throw new ArrayRuleError(422, 'size must be a positive number with a sizeUnit of bytes, kb, mb, gb or tb');
    const ref = this.ref('02');
    const wwn = `600A0980${this.ssid.padStart(8, '0').slice(-8)}${String(this.next).padStart(16, '0')}`.toUpperCase();
    const volume: SimVolume = {
      id: ref,
      volumeRef: ref,
      name,
      label: name,
      capacity: String(BigInt(Math.round(body.size * unit))),
      worldWideName: wwn,
      wwn,
      volumeGroupRef: pool.id,
    };
    this.volumes.push(volume);
    return volume;
  }

  /** DELETE volumes/<id>: the volume and its mapping go (the array does not know what a host keeps on it). */
  deleteVolume(id: string): void {
    const i = this.volumes.findIndex((v) => v.id === id);
    if (i < 0) throw new ArrayRuleError(404, `No volume with id [${id}].`);
    const ref = (this.volumes[i] as SimVolume).volumeRef;
    for (let m = this.mappings.length - 1; m >= 0; m--)
      if (this.mappings[m]?.volumeRef === ref) this.mappings.splice(m, 1);
    this.volumes.splice(i, 1);
  }

  /** A LUN number is used once per host or host group; a volume is mapped once. */
  createMapping(body: { mappableObjectId?: unknown; targetId?: unknown; lun?: unknown }): SimMapping {
    const volume = this.volumes.find((v) => v.id === body.mappableObjectId);
    if (!volume) throw new ArrayRuleError(422, `No volume with id [${String(body.mappableObjectId)}].`);
    const host = this.hosts.find((h) => h.id === body.targetId);
    const group = this.groups.find((g) => g.id === body.targetId);
    const target = host
      ? { ref: host.hostRef, name: host.name, type: 'host' as const }
      : group
        ? { ref: group.clusterRef, name: group.name, type: 'cluster' as const }
        : undefined;
    if (!target) throw new ArrayRuleError(422, `No host or host group with id [${String(body.targetId)}].`);
    if (this.mappings.some((m) => m.volumeRef === volume.volumeRef))
      throw new ArrayRuleError(422, `The volume [${volume.name}] is already mapped.`);
    // the LUNs the target's hosts see: a host's own and its group's; a group's and each member's own
    const seenBy = host
      ? [host.hostRef, ...(host.clusterRef !== NO_GROUP ? [host.clusterRef] : [])]
      : [target.ref, ...this.hosts.filter((h) => h.clusterRef === target.ref).map((h) => h.hostRef)];
    const used = new Set(this.mappings.filter((m) => seenBy.includes(m.mapRef)).map((m) => m.lun));
    let lun: number;
    if (body.lun === undefined) {
      lun = 0;
      while (used.has(lun)) lun++;
    } else if (typeof body.lun === 'number' && Number.isInteger(body.lun) && body.lun >= 0 && body.lun <= 255) {
      lun = body.lun;
      if (used.has(lun))
        throw new ArrayRuleError(
          422,
          `LUN ${lun} is already in use for ${target.type === 'host' ? 'host' : 'host group'} [${target.name}].`,
        );
    } else throw new ArrayRuleError(422, `lun must be an integer from 0 to 255, got ${JSON.stringify(body.lun)}`);
    const ref = this.ref('88');
    const mapping: SimMapping = {
      id: ref,
      lunMappingRef: ref,
      lun,
      volumeRef: volume.volumeRef,
      mapRef: target.ref,
      type: target.type,
    };
    this.mappings.push(mapping);
    return mapping;
  }

  deleteMapping(id: string): void {
    const i = this.mappings.findIndex((m) => m.id === id);
    if (i < 0) throw new ArrayRuleError(404, `No volume mapping with id [${id}].`);
    this.mappings.splice(i, 1);
  }

  /** setIscsiInterfaceProperties: the interface is named by its id; the address is the first of ipv4Address. */
  setInterfaceAddress(body: { iscsiInterface?: unknown; settings?: { ipv4Address?: unknown } }): void {
    const port = this.ports.find((p) => interfaceId(p) === body.iscsiInterface);
    if (!port) throw new ArrayRuleError(422, `No iSCSI interface [${String(body.iscsiInterface)}].`);
    const address = Array.isArray(body.settings?.ipv4Address) ? body.settings.ipv4Address[0] : undefined;
    if (typeof address !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address))
      throw new ArrayRuleError(422, 'settings.ipv4Address must be [an IPv4 address]');
    port.address = address;
  }

  /** Tests' view: everything as plain data. */
  snapshot() {
    return structuredClone({
      ports: this.ports,
      hosts: this.hosts,
      groups: this.groups,
      volumes: this.volumes,
      mappings: this.mappings,
      sessions: this.sessions,
      changeLog: this.changeLog,
    });
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ArrayRuleError(422, `${field} must be a non-empty string`);
  return value;
}

export function interfaceId(p: IserPort): string {
  return `2201${p.controller === 'A' ? '01' : '02'}${String(p.channel).padStart(34, '0')}`;
}

export function portRef(host: SimHost, p: SimHost['ports'][number]): string {
  return `${host.hostRef.slice(0, 30)}${String(host.ports.indexOf(p) + 1).padStart(10, '0')}`;
}
