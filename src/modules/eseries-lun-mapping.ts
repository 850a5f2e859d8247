/**
 * eseries_lun_mapping: a volume assigned to a host on an E-Series array with its LUN number (the document's "assign
 * volumes to hosts"), as netapp_eseries.santricity's na_santricity_lun_mapping maps it (POST volume-mappings:
 * mappableObjectId, targetId, lun). The target is a host or a host group (its members all see the volume); a name
 * used by both is refused as ambiguous, as the collection does. A LUN number is used once within what a host sees
 * (its own mappings and its group's); a volume is mapped once. A mapping that exists
 * with another LUN or to another host is refused, not moved: a host may be using it. Unmapping is refused while the
 * host has a live session on the array.
 *
 *   - eseries_lun_mapping:
 *       volume_name: iser_vol1
 *       target: rhel9-1
 *       lun: 1
 */
import { arrayHostGroups, arrayHosts, arraySessions, arrayVolumes, volumeMappings } from '../facts/santricity.js';
import { apiDiff } from './api-diff.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesLunMappingArgs {
  volume_name: string;
  /** A host's or a host group's name on the array. */
  target: string;
  lun?: number;
  state: 'present' | 'absent';
}

export const eseriesLunMapping: Module<EseriesLunMappingArgs> = defineModule({
  name: 'eseries_lun_mapping',
  arrayApi: true,
  summary: 'a volume mapped to a host of an E-Series array with its LUN number',
  schema: {
    volume_name: { type: 'str', required: true, aliases: ['volume'] },
    target: { type: 'str', required: true },
    lun: { type: 'int' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  },
  facts: (_a: EseriesLunMappingArgs) => ({
    volumes: arrayVolumes.of(),
    hosts: arrayHosts.of(),
    mappings: volumeMappings.of(),
    sessions: arraySessions.of(),
    groups: arrayHostGroups.of(),
  }),
  async plan(ctx, a, read) {
    if (a.lun !== undefined && (a.lun < 0 || a.lun > 255))
      return { changes: [], failed: `lun must be from 0 to 255, got ${a.lun}` };
    const [volumes, hosts, groups, mappings] = await Promise.all([
      read.volumes(),
      read.hosts(),
      read.groups(),
      read.mappings(),
    ]);
    const volume = volumes.find((v) => v.name === a.volume_name);
    const namedHost = hosts.find((h) => h.name.toLowerCase() === a.target.toLowerCase());
    const namedGroup = groups.find((g) => g.name.toLowerCase() === a.target.toLowerCase());
    if (namedHost && namedGroup)
      return {
        changes: [],
        failed: `${a.target} names both a host and a host group on the array: the mapping target is ambiguous`,
      };
    // the target as a mapping names it (a host's id, a group's clusterRef), with the refs whose LUNs its hosts see
    const host = namedHost
      ? {
          id: namedHost.id,
          name: namedHost.name,
          what: `host ${namedHost.name}`,
          sees: [namedHost.id, ...(namedHost.groupRef ? [namedHost.groupRef] : [])],
        }
      : namedGroup
        ? {
            id: namedGroup.id,
            name: namedGroup.name,
            what: `host group ${namedGroup.name}`,
            sees: [namedGroup.id, ...hosts.filter((h) => h.groupRef === namedGroup.id).map((h) => h.id)],
          }
        : undefined;
    const label = `volume-mapping/${a.volume_name}`;
    const current = volume ? mappings.find((m) => m.volumeRef === volume.id) : undefined;
    const nameOf = (ref: string) =>
      hosts.find((h) => h.id === ref)?.name ?? groups.find((g) => g.id === ref)?.name ?? ref;
    const shownMapping = (lun: number | string, target: string) => ({ volume: a.volume_name, target, lun });
    if (a.state === 'absent') {
      if (!current) return { changes: [], noop: `volume ${a.volume_name} is not mapped` };
      // the hosts that see the volume now: the mapped host, or every member of the mapped group
      const seeing = hosts.filter((h) => h.id === current.mapRef || h.groupRef === current.mapRef);
      const live = new Set((await read.sessions()).map((s) => s.initiatorIqn.toLowerCase()));
      const busy = seeing.filter((h) => h.ports.some((p) => live.has(p.address)));
      if (busy.length > 0)
        return {
          changes: [],
          failed: `host ${busy.map((h) => h.name).join(', ')} ${busy.length > 1 ? 'have' : 'has a'} live session${busy.length > 1 ? 's' : ''} on the array: log ${busy.length > 1 ? 'them' : 'it'} out before unmapping ${a.volume_name}`,
        };
      return {
        changes: [{ kind: 'api', method: 'DELETE', path: `volume-mappings/${current.id}` }],
        diff: apiDiff(label, shownMapping(current.lun, nameOf(current.mapRef)), null),
        preview: `unmap ${a.volume_name} (LUN ${current.lun}) from ${nameOf(current.mapRef)}`,
      };
    }
    // In check mode the volume or host may be one an earlier task would create: the mapping is previewed by name.
    if (!volume || !host) {
      const missing = [...(volume ? [] : [`volume ${a.volume_name}`]), ...(host ? [] : [`host ${a.target}`])].join(
        ' and ',
      );
      if (!ctx.check) return { changes: [], failed: `${missing} does not exist on the array` };
      return {
        changes: [
          {
            kind: 'api',
            method: 'POST',
            path: 'volume-mappings',
            body: {
              mappableObjectId: volume?.id ?? `(id of ${a.volume_name})`,
              targetId: host?.id ?? `(id of ${a.target})`,
              ...(a.lun !== undefined ? { lun: a.lun } : {}),
            },
          },
        ],
        diff: apiDiff(label, null, shownMapping(a.lun ?? '(first free)', a.target)),
        preview: `map ${a.volume_name} to ${a.target}${a.lun !== undefined ? ` as LUN ${a.lun}` : ''} (${missing} to be created by an earlier task)`,
      };
    }
    if (current) {
      if (current.mapRef === host.id && (a.lun === undefined || a.lun === current.lun))
        return {
          changes: [],
          noop: `${a.volume_name} is mapped to ${host.what} as LUN ${current.lun}`,
          result: { lun: current.lun },
        };
      return {
        changes: [],
        failed: `${a.volume_name} is mapped to ${nameOf(current.mapRef)} as LUN ${current.lun}; sshplay does not move or renumber a mapping (a host may be using it): unmap it first`,
      };
    }
    if (a.lun !== undefined) {
      const taken = mappings.find((m) => host.sees.includes(m.mapRef) && m.lun === a.lun);
      if (taken)
        return {
          changes: [],
          failed: `LUN ${a.lun} is already in use for ${host.what} (by volume ${volumes.find((v) => v.id === taken.volumeRef)?.name ?? taken.volumeRef}, mapped to ${nameOf(taken.mapRef)})`,
        };
    }
    return {
      changes: [
        {
          kind: 'api',
          method: 'POST',
          path: 'volume-mappings',
          body: { mappableObjectId: volume.id, targetId: host.id, ...(a.lun !== undefined ? { lun: a.lun } : {}) },
        },
      ],
      diff: apiDiff(label, null, shownMapping(a.lun ?? '(first free)', host.name)),
      preview: `map ${a.volume_name} to ${host.what}${a.lun !== undefined ? ` as LUN ${a.lun}` : ''}`,
    };
  },
});
