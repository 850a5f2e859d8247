import { describe, expect, test } from 'vitest';
import type { RunResult } from '../../../src/connection/types.js';
import { blockProbeCmd } from '../../../src/facts/block-signature.js';
import { DM_MAPS_CMD } from '../../../src/facts/dm-maps.js';
import { requestKey } from '../../../src/facts/fact.js';
import { LUN_REPORT_CMD } from '../../../src/facts/lun-report.js';
import { FINDMNT_CMD } from '../../../src/facts/mounts.js';
import { validateArgs } from '../../../src/modules/args.js';
import { MODULES } from '../../../src/modules/index.js';
import type { Module, PlanContext } from '../../../src/modules/types.js';
import { shellText } from '../../../src/remote-command.js';
import { IBSTAT_TWO_HCAS } from '../facts/ibstat-output.js';
import { type FakeHost, ReadOnlyFakeConnection, RecordingHostFacts } from './fake-context.js';
import { allSessions, INTERFACES, IQN, iscsiHost, NODES, PORTALS } from './iscsi-fixtures.js';

/**
 * The structural check-mode guarantee: every module of the registry (src/modules/index.ts) plans against
 * a connection whose writing methods throw. Each module gets arguments under which it has something to
 * change, so the plan is not a noop that trivially did not write; a module that only reads (slurp) says
 * so. A module added to the registry without a case here fails the first test below.
 */
const wantChange: Record<string, Record<string, unknown>> = {
  blockinfile: { path: '/etc/a', block: 'opensm -B -g 0x1 -p 15', marker: '# {mark} sshplay' },
  copy: { dest: '/etc/a', content: 'new\n', mode: '0600', owner: 'root' },
  template: { src: 't.hbs', dest: '/etc/a', mode: '0600' },
  file: { path: '/mnt/iser', state: 'directory', mode: '0755' },
  lineinfile: { path: '/etc/a', regexp: '^k=', line: 'k=2' },
  command: { argv: ['dracut', '--force'], creates: '/boot/x.img' },
  shell: { cmd: 'echo hi > /etc/a', removes: '/etc/a' },
  service: { name: 'multipathd', state: 'restarted', enabled: true },
  assert: { that: ['true'] },
  set_fact: { x: 1 },
  fail: { msg: 'no' },
  debug: { msg: 'hi' },
};

/** Modules that never change a host: their case must plan no change (and, like the others, write nothing). */
const readsOnly: Record<string, Record<string, unknown>> = {
  slurp: { src: '/etc/a' },
  iser_array_view: {
    array: {
      target_iqn: 'iqn.1992-08.com.netapp:2800.x',
      iser_interfaces: [{ controller: 'A', channel: 1, address: '192.168.130.101' }],
    },
    interfaces: [{ name: 'ib0', address: '192.168.130.11/24' }],
  },
};

const W = '360080e50004300ac000007575568851d';
const LUN = `/dev/mapper/${W}`;
const PART = `${LUN}-part1`;
const G = {
  other1: '0x98039b03009fcfd6',
  other2: '0x98039b03009fcfd7',
  st1: '0x248a070300a80a80',
  st2: '0x248a070300a80a81',
};
const link = (n: number, name: string, guid: string) =>
  `${n}: ${name}: <BROADCAST,MULTICAST> mtu 2044 qdisc mq state DOWN mode DEFAULT group default qlen 256\\    link/infiniband 80:00:02:08:fe:80:00:00:00:00:00:00:${guid.slice(2).match(/../g)?.join(':')} brd 00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff`;

/**
 * Modules whose plans read specific facts: each gets a fake host (served strictly: an unexpected read fails
 * the case) on which it has something to change, or, for the read-only ones, something to report.
 */
const withHost: { name: string; args: Record<string, unknown>; host: FakeHost; reads?: boolean }[] = [
  {
    name: 'partition',
    args: { device: LUN },
    host: {
      files: { [LUN]: '' },
      commands: {
        [shellText(blockProbeCmd(LUN))]: { rc: 2 },
        [shellText(DM_MAPS_CMD)]: { stdout: `${W} mpath-${W}\n` },
      },
    },
  },
  {
    name: 'filesystem',
    args: { dev: PART, fstype: 'ext4' },
    host: { files: { [PART]: '' }, commands: { [shellText(blockProbeCmd(PART))]: { rc: 2 } } },
  },
  {
    name: 'mount',
    args: { path: '/mnt/iser', src: PART, fstype: 'ext4', opts: 'defaults,_netdev' },
    host: { files: { '/etc/fstab': '' }, commands: { [shellText(FINDMNT_CMD)]: { stdout: '/ /dev/sda1 ext4\n' } } },
  },
  {
    name: 'iscsi_discovery',
    args: {
      iface: 'iface-ib0',
      target: IQN,
      nodes_dir: NODES,
      keep: PORTALS.map(({ address, iface }) => ({ address, iface })),
    },
    host: { commands: iscsiHost({}) },
  },
  {
    name: 'iscsi_node',
    args: { target: IQN, portal: PORTALS[1]?.address, iface: 'iface-ib0', nodes_dir: NODES, create: true },
    host: { commands: iscsiHost({ portal: PORTALS[1]?.address, iface: 'iface-ib0', sessions: [] }) },
  },
  {
    name: 'ipoib_ports',
    args: {
      interfaces: [
        { name: 'stor0', address: '192.168.130.11/24', port_guid: G.st1 },
        { name: 'stor1', address: '192.168.131.11/24', port_guid: G.st2 },
      ],
      subnet_manager: true,
      rename: true,
    },
    host: {
      commands: {
        ibstat: { stdout: IBSTAT_TWO_HCAS },
        'ip -o link show': {
          stdout: [
            link(4, 'ib0', G.other1),
            link(5, 'ib1', G.other2),
            link(6, 'ib2', G.st1),
            link(7, 'ib3', G.st2),
          ].join('\n'),
        },
      },
    },
  },
  {
    name: 'iscsi_sessions',
    args: { target: IQN, portals: PORTALS.map(({ address, iface }) => ({ address, iface })), interfaces: INTERFACES },
    host: { commands: iscsiHost({ sessions: allSessions() }) },
    reads: true,
  },
  {
    name: 'eseries_luns',
    args: { wwids: [W] },
    host: { commands: { [shellText(LUN_REPORT_CMD)]: { stdout: `tool=multipath\n${W} dm-0 NETAPP,INF-01-00\n` } } },
    reads: true,
  },
];

/** Modules that plan against an array's REST API: eseries.test.ts plans each through planWith, which fails on any write. */
const arrayModules = [
  'eseries_iser_interface',
  'eseries_host',
  'eseries_hostgroup',
  'eseries_volume',
  'eseries_lun_mapping',
  'eseries_facts',
  'eseries_sessions',
];

/** A connection that answers any read (an existing file, rc 0) and throws on any write. */
class LenientReadOnlyConnection extends ReadOnlyFakeConnection {
  override async read(cmds: readonly unknown[]): Promise<RunResult[]> {
    return cmds.map(() => ({ rc: 0, stdout: 'root:x:0:0::/root:/bin/sh\n', stderr: '' }));
  }
}

describe('planning never writes', () => {
  test('every module of the registry has a case here (and every case names a module)', () => {
    const cases = [
      ...Object.keys(wantChange),
      ...Object.keys(readsOnly),
      ...withHost.map((c) => c.name),
      ...arrayModules,
    ].sort();
    expect(cases).toEqual([...MODULES.keys()].sort());
  });

  const cases = [
    ...Object.entries(wantChange).map(([name, raw]) => ({ name, raw, reads: false, host: undefined })),
    ...Object.entries(readsOnly).map(([name, raw]) => ({ name, raw, reads: true, host: undefined })),
    ...withHost.map((c) => ({ name: c.name, raw: c.args, reads: !!c.reads, host: c.host })),
  ];
  test.each(cases)('$name', async ({ name, raw, reads, host }) => {
    const module = MODULES.get(name) as Module<Record<string, unknown>>;
    expect(module, `module ${name}`).toBeDefined();
    const conn = host
      ? new ReadOnlyFakeConnection(host)
      : new LenientReadOnlyConnection({
          files: { '/etc/a': { content: 'k=1\n', mode: 0o644 }, '/boot/y': 'x' },
        });
    const facts = new RecordingHostFacts(conn);
    const ctx: PlanContext = {
      host: 'h',
      vars: {},
      facts,
      check: true,
      readLocal: async (path) => ({ path, content: Buffer.from('local') }),
      renderTemplate: async () => 'rendered\n',
    };
    const args = module.anyArgs ? raw : validateArgs(module.name, module.schema, raw);
    const plan = await module.plan(ctx, args);
    expect(conn.writeAttempts).toBe(0);
    if (!module.local) expect(plan.failed, `${name} failed to plan`).toBeUndefined();
    if (reads) expect(plan.changes).toEqual([]);
    else if (!module.local) expect(plan.changes.length, `${name} should want a change here`).toBeGreaterThan(0);
    // What the plan read is what the engine read ahead for it: nothing read here costs a round trip of its own.
    const ahead = new Set((module.wants?.(args, ctx.vars) ?? []).map(requestKey));
    expect(
      facts.asked.filter((k) => !ahead.has(k)),
      `${name} read what its wants() did not declare`,
    ).toEqual([]);
    expect(facts.undeclared(module as Module<never>, args, ctx.vars)).toEqual([]);
    if (!module.local) expect(facts.asked.length, `${name} reads its host here`).toBeGreaterThan(0);
  });

  test('the fake itself fails on a write (so the test above could fail)', async () => {
    const conn = new ReadOnlyFakeConnection();
    expect(() => conn.run([{ argv: ['true'] }])).toThrow(/write during planning/);
    expect(() => conn.writeFile('/x')).toThrow(/write during planning/);
    expect(conn.writeAttempts).toBe(2);
  });
});
