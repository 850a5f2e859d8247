/**
 * eseries_hostgroup: a host group on an E-Series array (hosts that share access to the same volumes), planned as
 * netapp_eseries.santricity's na_santricity_hostgroup plans it: created with its hosts when absent (POST host-groups
 * {name, hosts}); hosts added (POST host-groups/<id>) and hosts no longer listed moved out (POST hosts/<id>/move
 * {group: 40 zeros}) when it exists. Removed with state: absent, its hosts moved out first; refused while volumes are
 * mapped to the group (unmap them first). A host that would leave a group with mapped volumes while it has a live
 * session on the array is refused: it would lose its LUNs.
 *
 *   - eseries_hostgroup:
 *       name: iser_hosts
 *       hosts: [rhel9-1, sles15-1]
 */
import {
  type ArrayHost,
  arrayHostGroups,
  arrayHosts,
  arraySessions,
  NO_GROUP_REF,
  volumeMappings,
} from '../facts/santricity.js';
import { apiDiff } from './api-diff.js';
import { defineModule } from './define-module.js';
import type { Change, Module } from './types.js';

export interface EseriesHostgroupArgs {
  name: string;
  /** Host names on the array; the group's members are exactly these. */
  hosts: unknown[];
  state: 'present' | 'absent';
}

export const eseriesHostgroup: Module<EseriesHostgroupArgs> = defineModule({
  name: 'eseries_hostgroup',
  arrayApi: true,
  summary: 'a host group on an E-Series array with its member hosts',
  schema: {
    name: { type: 'str', required: true },
    hosts: { type: 'list', default: [] },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  },
  facts: (_a: EseriesHostgroupArgs) => ({
    groups: arrayHostGroups.of(),
    hosts: arrayHosts.of(),
    mappings: volumeMappings.of(),
    sessions: arraySessions.of(),
  }),
  async plan(ctx, a, read) {
    const [groups, hosts, mappings] = await Promise.all([read.groups(), read.hosts(), read.mappings()]);
    const group = groups.find((g) => g.name === a.name);
    const label = `host-group/${a.name}`;
    const membersOf = (ref: string) => hosts.filter((h) => h.groupRef === ref);
    const shown = (members: ArrayHost[] | string[]) => ({
      name: a.name,
      hosts: members.map((m) => (typeof m === 'string' ? m : m.name)).sort(),
    });
    const moveOut = (h: ArrayHost): Change => ({
      kind: 'api',
      method: 'POST',
      path: `hosts/${h.id}/move`,
      body: { group: NO_GROUP_REF },
    });
    const mappedToGroup = group ? mappings.filter((m) => m.mapRef === group.id) : [];

    if (a.state === 'absent') {
      if (!group) return { changes: [], noop: `no host group ${a.name} on the array` };
      // in check mode an earlier task of the teardown would unmap them: previewed, not failed
      if (mappedToGroup.length > 0 && !ctx.check)
        return {
          changes: [],
          failed: `host group ${a.name} still has ${mappedToGroup.length} volume mapping(s): unmap them first (eseries_lun_mapping state: absent)`,
        };
      const members = membersOf(group.id);
      return {
        changes: [...members.map(moveOut), { kind: 'api', method: 'DELETE', path: `host-groups/${group.id}` }],
        diff: apiDiff(label, shown(members), null),
        preview: `remove host group ${a.name}${members.length ? ` (its hosts ${members.map((m) => m.name).join(', ')} leave it)` : ''}${mappedToGroup.length ? ` once its ${mappedToGroup.length} volume mapping(s) are unmapped by an earlier task` : ''}`,
      };
    }

    const names = a.hosts.map((h, i) => {
      if (typeof h !== 'string' || h === '') throw new Error(`hosts[${i}] must be a host's name on the array`);
      return h;
    });
    const wanted: ArrayHost[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const h = hosts.find((x) => x.name.toLowerCase() === n.toLowerCase());
      if (h) wanted.push(h);
      else missing.push(n);
    }
    // In check mode a host may be one an earlier task would define: previewed by name.
    if (missing.length > 0 && !ctx.check)
      return {
        changes: [],
        failed: `host${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not defined on the array (eseries_host first)`,
      };
    const elsewhere = wanted.filter((h) => h.groupRef && h.groupRef !== group?.id);
    if (elsewhere.length > 0)
      return {
        changes: [],
        failed: `${elsewhere.map((h) => `host ${h.name} is in host group ${groups.find((g) => g.id === h.groupRef)?.name ?? h.groupRef}`).join('; ')}: sshplay does not move a host between groups (its LUNs would change)`,
      };
    if (!group)
      return {
        changes: [
          { kind: 'api', method: 'POST', path: 'host-groups', body: { name: a.name, hosts: wanted.map((h) => h.id) } },
        ],
        diff: apiDiff(label, null, shown([...wanted.map((h) => h.name), ...missing])),
        preview: `create host group ${a.name} with ${[...wanted.map((h) => h.name), ...missing].join(', ') || 'no hosts'}`,
        result: { hosts: names },
      };
    const current = membersOf(group.id);
    const add = wanted.filter((h) => h.groupRef !== group.id);
    const leave = current.filter((h) => !wanted.includes(h));
    if (add.length === 0 && leave.length === 0 && missing.length === 0)
      return {
        changes: [],
        noop: `host group ${a.name} has ${current.map((h) => h.name).join(', ') || 'no hosts'}`,
        result: { hosts: current.map((h) => h.name) },
      };
    if (leave.length > 0 && mappedToGroup.length > 0) {
      const live = new Set((await read.sessions()).map((s) => s.initiatorIqn.toLowerCase()));
      const busy = leave.filter((h) => h.ports.some((p) => live.has(p.address)));
      if (busy.length > 0)
        return {
          changes: [],
          failed: `host${busy.length > 1 ? 's' : ''} ${busy.map((h) => h.name).join(', ')} would leave host group ${a.name}, whose volumes ${busy.length > 1 ? 'they use' : 'it uses'} over live sessions: log ${busy.length > 1 ? 'them' : 'it'} out first`,
        };
    }
    return {
      changes: [
        ...leave.map(moveOut),
        ...(add.length > 0 || missing.length > 0
          ? [
              {
                kind: 'api' as const,
                method: 'POST' as const,
                path: `host-groups/${group.id}`,
                body: { name: a.name, hosts: wanted.map((h) => h.id) },
              },
            ]
          : []),
      ],
      diff: apiDiff(label, shown(current), shown([...wanted.map((h) => h.name), ...missing])),
      preview: `host group ${a.name}: ${[...add.map((h) => `+${h.name}`), ...missing.map((m) => `+${m}`), ...leave.map((h) => `-${h.name}`)].join(' ')}`,
      result: { hosts: names },
    };
  },
});
