import { describe, expect, it } from 'vitest';
import { eseriesHost } from '../../../src/modules/eseries-host.js';
import { eseriesHostgroup } from '../../../src/modules/eseries-hostgroup.js';
import { eseriesLunMapping } from '../../../src/modules/eseries-lun-mapping.js';
import { eseriesVolume } from '../../../src/modules/eseries-volume.js';
import type { Module, Plan } from '../../../src/modules/types.js';
import { hostsView } from '../../target/array/host-link.js';
import { SimulatedArray } from '../../target/array/server.js';
import { describeChanges, planWith } from './fake-context.js';

/**
 * Host groups, mappings to a group, and the array teardown's guards (eseries_hostgroup, eseries_lun_mapping to a
 * group, eseries_host / eseries_volume state: absent), planned against the simulated array's own answers and applied
 * as the engine would; the hosts' view the wired array publishes (host-link.ts) follows.
 */
async function plan(module: Module<never>, args: Record<string, unknown>, array: SimulatedArray, check = false) {
  return planWith(
    module as Module<Record<string, unknown>>,
    args,
    { api: (path, query) => array.answer(query === undefined ? 'GET' : 'POST', path, query) },
    { check },
  );
}
function apply(array: SimulatedArray, p: Plan): void {
  expect(p.failed).toBeUndefined();
  for (const c of p.changes) if (c.kind === 'api') array.answer(c.method, c.path, c.body);
}
const iqn = (n: string) => `iqn.1994-05.com.redhat:${n}`;
function fresh(): SimulatedArray {
  const a = new SimulatedArray(undefined);
  for (const n of ['h1', 'h2', 'h3'])
    a.state.createHost({
      name: n,
      hostType: { index: 28 },
      ports: [{ type: 'iscsi', label: `${n}_iqn`, port: iqn(n) }],
    });
  return a;
}
const vol = (a: SimulatedArray, name: string) =>
  a.state.createVolume({ name, poolId: a.state.pools[0]?.id, sizeUnit: 'gb', size: 1 });

describe('eseries_hostgroup', () => {
  it('created with its hosts, then a no-op; a host no longer listed leaves it; absent removes it', async () => {
    const a = fresh();
    const first = await plan(eseriesHostgroup, { name: 'g', hosts: ['h1', 'h2'] }, a);
    expect(describeChanges(first)).toEqual([
      { api: 'POST host-groups', body: { name: 'g', hosts: [a.state.hosts[0]?.id, a.state.hosts[1]?.id] } },
    ]);
    expect(first.diff).toContain('+++ array:host-group/g');
    apply(a, first);
    const g = a.state.groups[0];
    expect(a.state.hosts.map((h) => h.clusterRef === g?.clusterRef)).toEqual([true, true, false]);
    expect((await plan(eseriesHostgroup, { name: 'g', hosts: ['h2', 'h1'] }, a)).changes).toEqual([]);

    const shrink = await plan(eseriesHostgroup, { name: 'g', hosts: ['h1'] }, a);
    expect(describeChanges(shrink)).toEqual([
      { api: `POST hosts/${a.state.hosts[1]?.id}/move`, body: { group: '0'.repeat(40) } },
    ]);
    apply(a, shrink);
    expect(a.state.hosts.map((h) => h.clusterRef === g?.clusterRef)).toEqual([true, false, false]);

    const gone = await plan(eseriesHostgroup, { name: 'g', state: 'absent' }, a);
    apply(a, gone);
    expect(a.state.groups).toEqual([]);
    expect(a.state.hosts.every((h) => h.clusterRef === '0'.repeat(40))).toBe(true);
  });

  it('refused: an undefined host (outside check mode), a host of another group, removing a group with mappings', async () => {
    const a = fresh();
    expect((await plan(eseriesHostgroup, { name: 'g', hosts: ['h1', 'nope'] }, a)).failed).toMatch(
      /host nope is not defined on the array/,
    );
    const check = await plan(eseriesHostgroup, { name: 'g', hosts: ['h1', 'nope'] }, a, true);
    expect(check.failed).toBeUndefined();
    expect(check.preview).toMatch(/create host group g with h1, nope/);
    apply(a, await plan(eseriesHostgroup, { name: 'other', hosts: ['h3'] }, a));
    expect((await plan(eseriesHostgroup, { name: 'g', hosts: ['h3'] }, a)).failed).toMatch(
      /host h3 is in host group other: sshplay does not move a host between groups/,
    );
    a.state.createMapping({ mappableObjectId: vol(a, 'v').id, targetId: a.state.groups[0]?.id, lun: 1 });
    const r = await plan(eseriesHostgroup, { name: 'other', state: 'absent' }, a);
    expect(r.failed).toMatch(/still has 1 volume mapping\(s\): unmap them first/);
    expect(r.changes).toEqual([]);
  });

  it('a member with a live session does not leave a group whose volumes it uses', async () => {
    const a = fresh();
    apply(a, await plan(eseriesHostgroup, { name: 'g', hosts: ['h1', 'h2'] }, a));
    a.state.createMapping({ mappableObjectId: vol(a, 'v').id, targetId: a.state.groups[0]?.id, lun: 1 });
    a.state.sessions.push({ initiatorIqn: iqn('h2'), controller: 'A' });
    const r = await plan(eseriesHostgroup, { name: 'g', hosts: ['h1'] }, a);
    expect(r.failed).toMatch(/host h2 would leave host group g, whose volumes it uses over live sessions/);
  });
});

describe('eseries_lun_mapping to a host group', () => {
  it('maps to the group; every member sees the volume; a LUN a member holds is refused for the group', async () => {
    const a = fresh();
    apply(a, await plan(eseriesHostgroup, { name: 'g', hosts: ['h1', 'h2'] }, a));
    vol(a, 'shared');
    a.state.createMapping({ mappableObjectId: vol(a, 'own').id, targetId: a.state.hosts[1]?.id, lun: 2 });
    const clash = await plan(eseriesLunMapping, { volume_name: 'shared', target: 'g', lun: 2 }, a);
    expect(clash.failed).toMatch(/LUN 2 is already in use for host group g \(by volume own, mapped to h2\)/);
    const p = await plan(eseriesLunMapping, { volume_name: 'shared', target: 'g', lun: 1 }, a);
    expect(describeChanges(p)).toEqual([
      {
        api: 'POST volume-mappings',
        body: { mappableObjectId: a.state.volumes[0]?.id, targetId: a.state.groups[0]?.id, lun: 1 },
      },
    ]);
    apply(a, p);
    expect((await plan(eseriesLunMapping, { volume_name: 'shared', target: 'g', lun: 1 }, a)).noop).toMatch(
      /mapped to host group g as LUN 1/,
    );
    const wwid = `3${a.state.volumes[0]?.wwn.toLowerCase()}`;
    const view = hostsView(a.state);
    expect(view).toContain(`lun ${iqn('h1')} 1 ${wwid} shared`);
    expect(view).toContain(`lun ${iqn('h2')} 1 ${wwid} shared`);
    expect(view).not.toContain(`lun ${iqn('h3')} `);
  });

  it('a name both a host and a group use is ambiguous; unmapping waits for every member to log out', async () => {
    const a = fresh();
    apply(a, await plan(eseriesHostgroup, { name: 'h3', hosts: [] }, a));
    expect((await plan(eseriesLunMapping, { volume_name: 'x', target: 'h3' }, a)).failed).toMatch(
      /h3 names both a host and a host group on the array: the mapping target is ambiguous/,
    );
    apply(a, await plan(eseriesHostgroup, { name: 'g', hosts: ['h1', 'h2'] }, a));
    a.state.createMapping({ mappableObjectId: vol(a, 'v').id, targetId: a.state.groups[1]?.id, lun: 1 });
    a.state.sessions.push({ initiatorIqn: iqn('h2'), controller: 'B' });
    const r = await plan(eseriesLunMapping, { volume_name: 'v', target: 'g', state: 'absent' }, a);
    expect(r.failed).toMatch(/host h2 has a live session on the array: log it out before unmapping v/);
  });
});

describe('array teardown guards', () => {
  it("eseries_host absent removes only a host whose ports are the inventory's IQN", async () => {
    const a = fresh();
    const foreign = await plan(eseriesHost, { name: 'h1', initiator_iqn: iqn('other'), state: 'absent' }, a);
    expect(foreign.failed).toMatch(/host h1 on the array has port iqn.1994-05.com.redhat:h1, not .*other.*left alone/);
    expect(foreign.changes).toEqual([]);
    const ours = await plan(eseriesHost, { name: 'h1', initiator_iqn: iqn('h1'), state: 'absent' }, a);
    expect(describeChanges(ours)).toEqual([{ api: `DELETE hosts/${a.state.hosts[0]?.id}` }]);
  });

  it('eseries_volume absent needs allow_data_loss, refuses a mapped volume, then deletes; absent twice is a no-op', async () => {
    const a = fresh();
    const v = vol(a, 'data');
    const m = a.state.createMapping({ mappableObjectId: v.id, targetId: a.state.hosts[0]?.id, lun: 1 });
    expect((await plan(eseriesVolume, { name: 'data', state: 'absent' }, a)).failed).toMatch(
      /destroys the data on it: set allow_data_loss: true/,
    );
    expect((await plan(eseriesVolume, { name: 'data', state: 'absent', allow_data_loss: true }, a)).failed).toMatch(
      /is mapped \(LUN 1\): unmap it first/,
    );
    a.state.deleteMapping(m.id);
    const del = await plan(eseriesVolume, { name: 'data', state: 'absent', allow_data_loss: true }, a);
    expect(describeChanges(del)).toEqual([{ api: `DELETE volumes/${v.id}` }]);
    apply(a, del);
    expect(a.state.volumes).toEqual([]);
    expect((await plan(eseriesVolume, { name: 'data', state: 'absent', allow_data_loss: true }, a)).noop).toMatch(
      /no volume data/,
    );
  });
});
