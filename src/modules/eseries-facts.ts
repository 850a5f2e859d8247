/**
 * eseries_facts: what an E-Series array reports, for `register` (the document's "find the array's IQN" and "View/End
 * Sessions"): its target IQN, its iSER ports' addresses, its hosts, volumes with their WWIDs and LUNs, and the
 * iSCSI/iSER sessions it sees. Reads only.
 *
 *   - eseries_facts: {}
 *     register: array
 *   - debug: { msg: "{{ array.target_iqn }}" }
 */
import {
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
    const hostName = (ref: string) => hosts.find((h) => h.id === ref)?.name;
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
        })),
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
