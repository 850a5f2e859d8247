/**
 * eseries_facts: what an E-Series array reports, for `register` (the document's "find the array's IQN" and "View/End
 * Sessions"): its target IQN, its iSER ports' addresses, its hosts, volumes with their WWIDs and LUNs, and the
 * iSCSI/iSER sessions it sees, its host groups, and per host the LUNs it sees (`host_luns`: volume, LUN and the WWID
 * Linux names it by, `3` + the volume's NAA world-wide name), which playbooks/iser-array-wiring.yml hands to the hosts.
 * Reads only.
 *
 *   - eseries_facts: {}
 *     register: array
 *   - debug: { msg: "{{ array.target_iqn }}" }
 */
import {
  arrayHostGroups,
  arrayHosts,
  arraySessions,
  targetIqn as arrayTargetIqn,
  arrayVolumes,
  iserInterfaces,
  volumeMappings,
} from '../facts/santricity.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export const eseriesFacts: Module<Record<string, never>> = defineModule({
  name: 'eseries_facts',
  arrayApi: true,
  summary: "an E-Series array's target IQN, iSER port addresses, hosts, volumes and sessions (reads only)",
  schema: {},
  facts: (_a: Record<string, never>) => ({
    targetIqn: arrayTargetIqn.of(),
    ports: iserInterfaces.of(),
    hosts: arrayHosts.of(),
    volumes: arrayVolumes.of(),
    mappings: volumeMappings.of(),
    sessions: arraySessions.of(),
    groups: arrayHostGroups.of(),
  }),
  async plan(_ctx, _a, read) {
    const [targetIqn, ports, hosts, volumes, mappings, sessions] = await Promise.all([
      read.targetIqn(),
      read.ports(),
      read.hosts(),
      read.volumes(),
      read.mappings(),
      read.sessions(),
    ]);
    const groups = await read.groups();
    const hostName = (ref: string) => hosts.find((h) => h.id === ref)?.name ?? groups.find((g) => g.id === ref)?.name;
    // what each host sees: the volumes mapped to it and to its group, by the WWID Linux gives them (3 + NAA wwn)
    const hostLuns: Record<string, { volume: string; lun: number; wwid: string }[]> = {};
    for (const h of hosts) {
      hostLuns[h.name] = mappings
        .filter((m) => m.mapRef === h.id || (h.groupRef !== undefined && m.mapRef === h.groupRef))
        .flatMap((m) => {
          const v = volumes.find((x) => x.id === m.volumeRef);
          return v ? [{ volume: v.name, lun: m.lun, wwid: `3${v.wwn}` }] : [];
        })
        .sort((a, b) => a.lun - b.lun);
    }
    return {
      changes: [],
      noop: `target ${targetIqn}, ${ports.length} iSER ports, ${hosts.length} hosts, ${volumes.length} volumes, ${sessions.length} sessions`,
      result: {
        target_iqn: targetIqn,
        iser_interfaces: ports.map((p) => ({
          controller: p.controller,
          channel: p.channel,
          address: p.address,
          link_state: p.linkState,
        })),
        hosts: hosts.map((h) => ({
          name: h.name,
          host_type_index: h.hostTypeIndex,
          iqns: h.ports.filter((p) => p.type === 'iscsi').map((p) => p.address),
          ...(h.groupRef ? { group: hostName(h.groupRef) ?? h.groupRef } : {}),
        })),
        host_groups: groups.map((g) => ({
          name: g.name,
          hosts: hosts.filter((h) => h.groupRef === g.id).map((h) => h.name),
        })),
        host_luns: hostLuns,
        volumes: volumes.map((v) => {
          const m = mappings.find((x) => x.volumeRef === v.id);
          return {
            name: v.name,
            wwn: v.wwn,
            capacity: String(v.capacityBytes),
            ...(m ? { lun: m.lun, mapped_to: hostName(m.mapRef) ?? m.mapRef } : {}),
          };
        }),
        sessions: sessions.map((s) => ({
          initiator_iqn: s.initiatorIqn,
          target_iqn: s.targetIqn,
          portal_group_tag: s.portalGroupTag,
        })),
      },
    };
  },
});
