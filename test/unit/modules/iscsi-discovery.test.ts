import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { iscsiDiscovery } from '../../../src/modules/iscsi-discovery.js';
import { shellText } from '../../../src/remote-command.js';
import { describeChanges, planWith } from './fake-context.js';
import { IQN, iscsiHost, NODES, PORTALS } from './iscsi-fixtures.js';

const keep = PORTALS.map(({ address, iface }) => ({ address, iface }));
const args = (iface: string) => ({ iface, target: IQN, nodes_dir: NODES, keep });
/** `iscsiadm -m node -P 1` for these records. */
const nodeTree = (records: { address: string; tpgt: number; iface: string }[]) =>
  records.length
    ? `Target: ${IQN}\n${records.map((r) => `\tPortal: ${r.address}:3260,${r.tpgt}\n\t\tIface Name: ${r.iface}\n`).join('')}`
    : undefined;
const discover = (portal: string, iface: string) =>
  shellText({ argv: ['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', portal, '-I', iface] });

interface Row {
  name: string;
  iface: string;
  records: { address: string; tpgt: number; iface: string }[];
  check?: boolean;
  discovers?: string;
}

const ib0Records = PORTALS.filter((p) => p.iface === 'iface-ib0');
const rows: Row[] = [
  {
    name: 'no records yet: discover through iface-ib0 at its own subnet portal',
    iface: 'iface-ib0',
    records: [],
    discovers: discover('192.168.130.101', 'iface-ib0'),
  },
  {
    name: 'the same in check mode (the plan is the preview)',
    iface: 'iface-ib0',
    records: [],
    check: true,
    discovers: discover('192.168.130.101', 'iface-ib0'),
  },
  // Before: the module looked for <ip>,3260,1 only, so controller B (tag 2) always counted as missing.
  {
    name: 'controller A under tag 1 and controller B under tag 2 via iface-ib0: nothing to do',
    iface: 'iface-ib0',
    records: ib0Records,
  },
  {
    name: 'Method 2 records (tag -1) count as present',
    iface: 'iface-ib0',
    records: ib0Records.map((r) => ({ ...r, tpgt: -1 })),
  },
  {
    name: 'controller B missing: discover',
    iface: 'iface-ib0',
    records: ib0Records.slice(0, 1),
    discovers: discover('192.168.130.101', 'iface-ib0'),
  },
  {
    name: 'records through the other iface do not count',
    iface: 'iface-ib1',
    records: ib0Records,
    discovers: discover('192.168.131.101', 'iface-ib1'),
  },
];

describe('iscsi_discovery: {args, facts} -> changes', () => {
  test.each(rows)('$name', async (row) => {
    const plan = await planWith(
      iscsiDiscovery,
      args(row.iface),
      { commands: iscsiHost({ nodeTree: nodeTree(row.records) }) },
      { check: row.check ?? false },
    );
    expect(plan.failed).toBeUndefined();
    if (!row.discovers) {
      expect(plan.changes).toEqual([]);
      expect(plan.noop).toMatch(/exist/);
    } else {
      const changes = describeChanges(plan) as { exec: string }[];
      expect(changes.map((c) => c.exec)[0]).toBe(row.discovers);
      expect(changes).toHaveLength(2); // discovery, then the prune
    }
    // one read, declared in wants(): the record listing
    expect(plan.conn.reads).toEqual([shellText({ argv: ['iscsiadm', '-m', 'node', '-P', '1'] })]);
    expect(iscsiDiscovery.wants?.(args(row.iface) as never, {})).toEqual([
      { kind: 'command', cmd: { argv: ['iscsiadm', '-m', 'node', '-P', '1'] } },
    ]);
  });

  test('an iface no kept portal uses fails', async () => {
    const plan = await planWith(iscsiDiscovery, args('iface-ib9'), { commands: iscsiHost({}) }, { check: false });
    expect(plan.failed).toMatch(/no portal in 'keep' uses iface iface-ib9/);
  });
});

describe('the prune after discovery, run on a nodes directory', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('keeps both controllers of the iface (tags 1 and 2), deletes the other subnet portals whatever their tag', async () => {
    const plan = await planWith(iscsiDiscovery, args('iface-ib0'), { commands: iscsiHost({}) }, { check: false });
    const prune = plan.changes[1];
    if (prune?.kind !== 'exec' || !('script' in prune.cmd)) throw new Error('no prune script');
    dir = mkdtempSync(join(tmpdir(), 'sshplay-prune-'));
    const nodes = join(dir, 'nodes');
    // what discovery through iface-ib0 leaves: all four portals, under the tags the array reported
    for (const p of PORTALS) {
      mkdirSync(join(nodes, IQN, `${p.address},3260,${p.tpgt}`), { recursive: true });
      writeFileSync(join(nodes, IQN, `${p.address},3260,${p.tpgt}`, 'iface-ib0'), '');
    }
    // a stub iscsiadm that records its argv
    mkdirSync(join(dir, 'bin'));
    const stub = join(dir, 'bin', 'iscsiadm');
    writeFileSync(stub, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(join(dir, 'calls'))}\n`);
    chmodSync(stub, 0o755);
    const script = prune.cmd.script.replace(`'${NODES}/`, `'${nodes}/`).replace(`${NODES}/`, `${nodes}/`);
    execFileSync('/bin/sh', ['-c', script], { env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').sort();
    expect(calls).toEqual([
      `-m node -T ${IQN} -p 192.168.131.101:3260 -I iface-ib0 -o delete`,
      `-m node -T ${IQN} -p 192.168.131.102:3260 -I iface-ib0 -o delete`,
    ]);
  });
});
