import { describe, expect, it } from 'vitest';
import { eseriesFacts } from '../../../src/modules/eseries-facts.js';
import { eseriesHost } from '../../../src/modules/eseries-host.js';
import { eseriesIserInterface } from '../../../src/modules/eseries-iser-interface.js';
import { eseriesLunMapping } from '../../../src/modules/eseries-lun-mapping.js';
import { eseriesSessions } from '../../../src/modules/eseries-sessions.js';
import { eseriesVolume } from '../../../src/modules/eseries-volume.js';
import type { Module, Plan } from '../../../src/modules/types.js';
import { SimulatedArray } from '../../target/array/server.js';
import { interfaceId } from '../../target/array/state.js';
import { describeChanges, planWith } from './fake-context.js';

/** The simulated array's own answers (the JSON of the public model), without HTTP. */
function arrayWith(setup: (a: SimulatedArray) => void = () => {}): SimulatedArray {
  const a = new SimulatedArray(undefined);
  setup(a);
  return a;
}

async function plan(module: Module<never>, args: Record<string, unknown>, array: SimulatedArray, check = true) {
  return planWith(
    module as Module<Record<string, unknown>>,
    args,
    {
      api: (path, query) => array.answer(query === undefined ? 'GET' : 'POST', path, query),
    },
    { check },
  );
}

/** Applies a plan's api changes to the simulated array, as the engine would. */
function apply(array: SimulatedArray, p: Plan): void {
  for (const c of p.changes) if (c.kind === 'api') array.answer(c.method, c.path, c.body);
}

const IQN = 'iqn.1994-05.com.redhat:rhel9-1';
const host = (a: SimulatedArray, name = 'rhel9-1', iqn = IQN, index = 28) =>
  a.state.createHost({ name, hostType: { index }, ports: [{ type: 'iscsi', label: `${name}_iqn`, port: iqn }] });
const volume = (a: SimulatedArray, name = 'vol1') =>
  a.state.createVolume({ name, poolId: a.state.pools[0]?.id, sizeUnit: 'gb', size: 10 });

describe('eseries_iser_interface', () => {
  const cases: {
    name: string;
    args: Record<string, unknown>;
    setup?: (a: SimulatedArray) => void;
    changes?: unknown[];
    failed?: RegExp;
    noop?: boolean;
  }[] = [
    {
      name: 'sets a port address per controller and channel',
      args: { controller: 'B', channel: 2, address: '192.168.131.102' },
      changes: [{ api: 'POST symbol/setIscsiInterfaceProperties' }],
    },
    {
      name: 'no change when the address is already set',
      args: { controller: 'A', channel: 1, address: '192.168.130.101' },
      setup: (a) => {
        (a.state.ports[0] as { address: string }).address = '192.168.130.101';
      },
      noop: true,
    },
    {
      name: 'a channel the controller lacks names those it has',
      args: { controller: 'A', channel: 3, address: '10.0.0.1' },
      failed: /no iSER channel 3; its channels: 1 \(link up\), 2 \(link up\)/,
    },
    {
      name: 'an address that is not IPv4',
      args: { controller: 'A', channel: 1, address: '10.0.0' },
      failed: /not an IPv4 address/,
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const a = arrayWith(c.setup);
      const p = await plan(eseriesIserInterface, c.args, a);
      if (c.failed) return expect(p.failed).toMatch(c.failed);
      expect(p.failed).toBeUndefined();
      if (c.noop) return expect(p.changes).toEqual([]);
      expect(describeChanges(p).map((x) => ({ api: (x as { api: string }).api }))).toEqual(c.changes);
    });

  it('the body names the interface by id and carries the address; applied, a second plan changes nothing', async () => {
    const a = arrayWith();
    const p = await plan(eseriesIserInterface, { controller: 'B', channel: 2, address: '192.168.131.102' }, a);
    const body = (p.changes[0] as { body: { iscsiInterface: string; settings: { ipv4Address: string[] } } }).body;
    expect(body.iscsiInterface).toBe(interfaceId({ controller: 'B', channel: 2, address: '', linkState: 'up' }));
    expect(body.settings.ipv4Address).toEqual(['192.168.131.102']);
    expect(p.diff).toContain('-  "address": "0.0.0.0"');
    expect(p.diff).toContain('+  "address": "192.168.131.102"');
    apply(a, p);
    expect(a.state.ports.find((x) => x.controller === 'B' && x.channel === 2)?.address).toBe('192.168.131.102');
    expect(
      (await plan(eseriesIserInterface, { controller: 'B', channel: 2, address: '192.168.131.102' }, a)).changes,
    ).toEqual([]);
  });
});

describe('eseries_host', () => {
  const present = { name: 'rhel9-1', initiator_iqn: IQN };
  const cases: {
    name: string;
    args: Record<string, unknown>;
    setup?: (a: SimulatedArray) => void;
    changes?: unknown[];
    failed?: RegExp;
    check?: boolean;
  }[] = [
    {
      name: 'a new host with its IQN and the default host type (index 28)',
      args: present,
      changes: [
        {
          api: 'POST hosts',
          body: {
            name: 'rhel9-1',
            hostType: { index: 28 },
            ports: [{ type: 'iscsi', label: 'rhel9-1_iqn', port: IQN }],
          },
        },
      ],
    },
    {
      name: 'the 3.9-or-earlier type by its name, IQN lower-cased',
      args: {
        ...present,
        initiator_iqn: IQN.toUpperCase().replace('IQN', 'iqn'),
        host_type: 'Linux DM-MP (Kernel 3.9 or earlier)',
      },
      changes: [
        {
          api: 'POST hosts',
          body: {
            name: 'rhel9-1',
            hostType: { index: 7 },
            ports: [{ type: 'iscsi', label: 'rhel9-1_iqn', port: IQN }],
          },
        },
      ],
    },
    { name: 'defined as wanted: no change', args: present, setup: (a) => host(a), changes: [] },
    {
      name: 'a wrong host type is changed in place, the port kept',
      args: present,
      setup: (a) => host(a, 'rhel9-1', IQN, 7),
      changes: [
        {
          api: expect.stringMatching(/^POST hosts\/84/),
          body: { name: 'rhel9-1', hostType: { index: 28 }, ports: [], portsToRemove: [] },
        },
      ],
    },
    {
      name: 'an IQN on another host is refused, not moved',
      args: present,
      setup: (a) => host(a, 'other', IQN),
      failed: /already a port of host other.*one host only/,
    },
    {
      name: 'an unknown host type lists the known ones',
      args: { ...present, host_type: 'Linux DM-MP (Kernel 2)' },
      failed: /no host type .*Linux DM-MP \(Kernel 3.10 or later\) \(28\)/,
    },
    {
      name: 'an IQN that is not one',
      args: { ...present, initiator_iqn: 'rhel9-1' },
      failed: /not an iSCSI qualified name/,
    },
    {
      name: 'absent: removed',
      args: { name: 'rhel9-1', state: 'absent' },
      setup: (a) => host(a),
      changes: [{ api: expect.stringMatching(/^DELETE hosts\//) }],
    },
    {
      name: 'absent while volumes are mapped to it: refused',
      args: { name: 'rhel9-1', state: 'absent' },
      setup: (a) => a.state.createMapping({ mappableObjectId: volume(a).id, targetId: host(a).id, lun: 1 }),
      check: false,
      failed: /still has 1 volume mapping/,
    },
    {
      name: 'absent while volumes are mapped to it, in check mode: previewed as after the unmapping of an earlier task',
      args: { name: 'rhel9-1', state: 'absent' },
      setup: (a) => a.state.createMapping({ mappableObjectId: volume(a).id, targetId: host(a).id, lun: 1 }),
      changes: [{ api: expect.stringMatching(/^DELETE hosts\//) }],
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const p = await plan(eseriesHost, c.args, arrayWith(c.setup), c.check ?? true);
      if (c.failed) return expect(p.failed).toMatch(c.failed);
      expect(p.failed).toBeUndefined();
      expect(describeChanges(p)).toEqual(c.changes);
    });

  it('created on the array, a second plan is a no-op; --diff shows the host as JSON', async () => {
    const a = arrayWith();
    const p = await plan(eseriesHost, present, a);
    expect(p.diff).toMatch(/\+\s+"hostTypeIndex": 28/);
    apply(a, p);
    expect(a.state.snapshot().hosts.map((h) => [h.name, h.hostTypeIndex, h.ports[0]?.port])).toEqual([
      ['rhel9-1', 28, IQN],
    ]);
    const again = await plan(eseriesHost, present, a);
    expect(again.changes).toEqual([]);
    expect(again.noop).toMatch(/defined with/);
  });
});

describe('eseries_volume', () => {
  const args = { name: 'vol1', storage_pool_name: 'pool1', size: 10 };
  it('created in the named pool when absent; then a no-op carrying its WWID', async () => {
    const a = arrayWith();
    const p = await plan(eseriesVolume, args, a);
    expect(describeChanges(p)).toEqual([
      {
        api: 'POST volumes',
        body: { name: 'vol1', poolId: a.state.pools[0]?.id, sizeUnit: 'gb', size: 10, dataAssuranceEnabled: false },
      },
    ]);
    apply(a, p);
    const again = await plan(eseriesVolume, args, a);
    expect(again.changes).toEqual([]);
    expect((again.result?.volume as { wwn: string }).wwn).toBe(a.state.volumes[0]?.wwn.toLowerCase());
  });
  it('a smaller existing volume is refused, a larger one left alone, an unknown pool named', async () => {
    expect(
      (
        await plan(
          eseriesVolume,
          { ...args, size: 20 },
          arrayWith((a) => volume(a)),
        )
      ).failed,
    ).toMatch(/smaller than .* does not resize/);
    expect(
      (
        await plan(
          eseriesVolume,
          { ...args, size: 5 },
          arrayWith((a) => volume(a)),
        )
      ).changes,
    ).toEqual([]);
    expect((await plan(eseriesVolume, { ...args, storage_pool_name: 'nope' }, arrayWith())).failed).toMatch(
      /no storage pool nope.*it has: pool1/,
    );
  });
});

describe('eseries_lun_mapping', () => {
  const args = { volume_name: 'vol1', target: 'rhel9-1', lun: 1 };
  const both = (a: SimulatedArray) => {
    host(a);
    volume(a);
  };
  it('maps the volume to the host with its LUN; then a no-op', async () => {
    const a = arrayWith(both);
    const p = await plan(eseriesLunMapping, args, a);
    expect(describeChanges(p)).toEqual([
      {
        api: 'POST volume-mappings',
        body: { mappableObjectId: a.state.volumes[0]?.id, targetId: a.state.hosts[0]?.id, lun: 1 },
      },
    ]);
    apply(a, p);
    expect(a.state.mappings.map((m) => m.lun)).toEqual([1]);
    expect((await plan(eseriesLunMapping, args, a)).changes).toEqual([]);
  });
  const refusals: {
    name: string;
    setup: (a: SimulatedArray) => void;
    args?: Record<string, unknown>;
    check?: boolean;
    failed: RegExp;
  }[] = [
    {
      name: 'a LUN another volume of the host holds',
      setup: (a) => {
        both(a);
        a.state.createMapping({ mappableObjectId: volume(a, 'vol0').id, targetId: a.state.hosts[0]?.id, lun: 1 });
      },
      failed: /LUN 1 is already in use for host rhel9-1 \(by volume vol0, mapped to rhel9-1\)/,
    },
    {
      name: 'mapped with another LUN: not renumbered',
      setup: (a) => {
        both(a);
        a.state.createMapping({ mappableObjectId: a.state.volumes[0]?.id, targetId: a.state.hosts[0]?.id, lun: 4 });
      },
      failed: /mapped to rhel9-1 as LUN 4; sshplay does not move or renumber/,
    },
    {
      name: 'a missing volume outside check mode',
      setup: (a) => host(a),
      check: false,
      failed: /volume vol1 does not exist/,
    },
    {
      name: 'unmapping while the host has a live session',
      setup: (a) => {
        both(a);
        a.state.createMapping({ mappableObjectId: a.state.volumes[0]?.id, targetId: a.state.hosts[0]?.id, lun: 1 });
        a.state.sessions.push({ initiatorIqn: IQN, controller: 'A' });
      },
      args: { ...args, state: 'absent' },
      failed: /live session on the array: log it out/,
    },
  ];
  for (const r of refusals)
    it(`refused: ${r.name}`, async () => {
      const p = await plan(eseriesLunMapping, r.args ?? args, arrayWith(r.setup), r.check ?? true);
      expect(p.failed).toMatch(r.failed);
      expect(p.changes).toEqual([]);
    });
  it('in check mode, a volume and host an earlier task would create are previewed by name', async () => {
    const p = await plan(eseriesLunMapping, args, arrayWith(), true);
    expect(p.preview).toMatch(/\(volume vol1 and host rhel9-1 to be created by an earlier task\)/);
  });
  it('in check mode, a host an earlier task would create is previewed by name', async () => {
    const p = await plan(
      eseriesLunMapping,
      args,
      arrayWith((a) => volume(a)),
      true,
    );
    expect(p.failed).toBeUndefined();
    expect(p.preview).toMatch(/host rhel9-1 to be created by an earlier task/);
  });
});

describe('eseries_facts', () => {
  it("reports the target IQN, the ports' addresses, hosts, volumes with WWID and LUN, and the sessions", async () => {
    const a = arrayWith((x) => {
      both(x);
      x.state.createMapping({ mappableObjectId: x.state.volumes[0]?.id, targetId: x.state.hosts[0]?.id, lun: 1 });
      x.state.sessions.push({ initiatorIqn: IQN, controller: 'B' });
    });
    function both(x: SimulatedArray) {
      host(x);
      volume(x);
    }
    const p = await plan(eseriesFacts as Module<never>, {}, a);
    expect(p.changes).toEqual([]);
    const r = p.result as Record<string, unknown>;
    expect(r.target_iqn).toBe(a.state.iqn);
    expect((r.iser_interfaces as unknown[]).length).toBe(4);
    expect(r.hosts).toEqual([{ name: 'rhel9-1', host_type_index: 28, iqns: [IQN] }]);
    expect(r.volumes).toEqual([expect.objectContaining({ name: 'vol1', lun: 1, mapped_to: 'rhel9-1' })]);
    expect(r.sessions).toEqual([{ initiator_iqn: IQN, target_iqn: a.state.iqn, portal_group_tag: 2 }]);
  });
});

describe('eseries_sessions', () => {
  const hosts = [
    { name: 'rhel9-1', iqn: IQN },
    { name: 'sles-1', iqn: 'iqn.1996-04.de.suse:01:sles-1' },
  ];
  it('passes when every host has a session, counted per host', async () => {
    const a = arrayWith((x) => {
      x.state.sessions.push({ initiatorIqn: IQN, controller: 'A' }, { initiatorIqn: IQN, controller: 'B' });
      x.state.sessions.push({ initiatorIqn: 'iqn.1996-04.de.suse:01:sles-1', controller: 'A' });
    });
    const p = await plan(eseriesSessions, { hosts }, a);
    expect(p.failed).toBeUndefined();
    expect(p.result?.sessions).toEqual({ 'rhel9-1': 2, 'sles-1': 1 });
  });
  it('fails naming the host the array sees no session from', async () => {
    const a = arrayWith((x) => x.state.sessions.push({ initiatorIqn: IQN, controller: 'A' }));
    const p = await plan(eseriesSessions, { hosts, min_sessions: 1 }, a, false);
    expect(p.failed).toMatch(/fewer than 1 session\(s\) from sles-1 \(iqn.1996-04.de.suse:01:sles-1: 0\)/);
  });
  it('under --check says which hosts have no session yet, without failing (their logins did not happen)', async () => {
    const a = arrayWith((x) => x.state.sessions.push({ initiatorIqn: IQN, controller: 'A' }));
    const p = await plan(eseriesSessions, { hosts, min_sessions: 1 }, a, true);
    expect(p.failed).toBeUndefined();
    expect(p.noop).toMatch(/check mode: the array sees fewer than 1 session\(s\) from sles-1 yet/);
  });
});
