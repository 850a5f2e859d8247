import { describe, expect, test } from 'vitest';
import { iscsiNode } from '../../../src/modules/iscsi-node.js';
import { quoteArg, shellText } from '../../../src/remote-command.js';
import { describeChanges, planWith } from './fake-context.js';
import { allSessions, IQN, iscsiHost, NODES, record, type TreeSession } from './iscsi-fixtures.js';

const B1 = '192.168.130.102'; // controller B port 1: tag 2
const node = (extra: string) =>
  shellText({ argv: ['iscsiadm', '-m', 'node', '-T', IQN, '-p', B1, '-I', 'iface-ib0', ...extra.split(' ')] });
const args = (o: Record<string, unknown> = {}) => ({
  target: IQN,
  portal: B1,
  iface: 'iface-ib0',
  nodes_dir: NODES,
  startup: 'automatic',
  replacement_timeout: '20',
  create: false,
  ...o,
});
const recB1 = (o: Partial<Parameters<typeof record>[0]> = {}) =>
  record({ address: B1, iface: 'iface-ib0', tpgt: 2, ...o });
const otherSessions = allSessions().filter((s) => s.address !== B1);

interface Row {
  name: string;
  args?: Record<string, unknown>;
  records?: string[];
  sessions?: TreeSession[];
  check?: boolean;
  changes?: unknown[];
  noop?: RegExp;
  failed?: RegExp;
}

const rows: Row[] = [
  {
    name: 'controller B record under tag 2, as wanted, logged in through its iface: nothing to do',
    records: [recB1()],
    sessions: allSessions(),
    noop: /are as wanted/,
  },
  {
    name: 'record under tag 2 but no session: login (the record is found without assuming a tag)',
    records: [recB1()],
    sessions: otherSessions,
    changes: [{ exec: node('-l'), okCodes: [0, 15] }],
  },
  {
    name: 'a TCP session to the portal through the default iface does not count: login through iface-ib0',
    records: [recB1()],
    sessions: [
      ...otherSessions,
      { address: B1, tpgt: 2, iface: 'default', transport: 'tcp', netdev: 'default', sid: 9 },
    ],
    changes: [{ exec: node('-l'), okCodes: [0, 15] }],
  },
  {
    name: 'a record made before iscsid.conf was edited is updated',
    records: [recB1({ startup: 'manual', timeout: '120' })],
    sessions: allSessions(),
    changes: [
      { exec: node('-o update -n node.startup -v automatic') },
      { exec: node('-o update -n node.session.timeo.replacement_timeout -v 20') },
    ],
  },
  {
    name: 'Method 2: no record: -o new (filed under -1), settings, login',
    args: { create: true },
    sessions: otherSessions,
    changes: [
      { exec: node('-o new') },
      { exec: node('-o update -n node.startup -v automatic') },
      { exec: node('-o update -n node.session.timeo.replacement_timeout -v 20') },
      { exec: node('-l'), okCodes: [0, 15] },
    ],
  },
  {
    name: 'Method 1: no record after discovery: fails naming target, portal and iface',
    check: false,
    sessions: otherSessions,
    failed: new RegExp(`no node record for ${IQN} at ${B1} via iface-ib0`),
  },
  {
    name: 'Method 1 in check mode: the discovery step would create it; the login is previewed',
    check: true,
    sessions: otherSessions,
    changes: [
      { exec: node('-o update -n node.startup -v automatic') },
      { exec: node('-o update -n node.session.timeo.replacement_timeout -v 20') },
      { exec: node('-l'), okCodes: [0, 15] },
    ],
  },
  {
    name: 'absent: logged in through its iface and recorded: log out, delete',
    args: { state: 'absent' },
    records: [recB1()],
    sessions: allSessions(),
    changes: [{ exec: node('-u'), okCodes: [0, 21] }, { exec: node('-o delete') }],
  },
  {
    name: 'absent: nothing there',
    args: { state: 'absent' },
    sessions: otherSessions,
    noop: /no record or session/,
  },
];

describe('iscsi_node: {args, facts} -> changes', () => {
  test.each(rows)('$name', async (row) => {
    const plan = await planWith(
      iscsiNode,
      args(row.args),
      { commands: iscsiHost({ portal: B1, iface: 'iface-ib0', records: row.records, sessions: row.sessions }) },
      { check: row.check ?? false },
    );
    if (row.failed) {
      expect(plan.failed).toMatch(row.failed);
      expect(plan.changes).toEqual([]);
    } else expect(plan.failed).toBeUndefined();
    if (row.noop) {
      expect(plan.noop).toMatch(row.noop);
      expect(plan.changes).toEqual([]);
    }
    if (row.changes) expect(describeChanges(plan)).toEqual(row.changes);
    // two reads, both prefetchable: the records of (target, portal, iface) and the session tree
    expect(plan.conn.reads).toHaveLength(2);
    expect(plan.conn.fileReads).toEqual([]);
  });

  test('wants() declares exactly what plan() reads (read-ahead stays one round trip)', async () => {
    const a = args();
    const wants = iscsiNode.wants?.(a as never, {}) ?? [];
    const plan = await planWith(iscsiNode, a, {
      commands: iscsiHost({ portal: B1, iface: 'iface-ib0', records: [recB1()], sessions: allSessions() }),
    });
    expect(wants.map((w) => (w.kind === 'command' && 'argv' in w.cmd ? w.cmd.argv.join(' ') : w.kind))).toEqual([
      `iscsiadm -m node -T ${IQN} -p ${B1} -I iface-ib0 -o show -S`,
      'iscsiadm -m session -P 1',
    ]);
    expect(plan.conn.reads).toHaveLength(wants.length);
  });

  test('CHAP: the password goes into the file at its real tag, from a here-document, never in argv', async () => {
    const plan = await planWith(
      iscsiNode,
      args({ chap_username: 'u1', chap_password: 's3cret' }),
      { commands: iscsiHost({ portal: B1, iface: 'iface-ib0', records: [recB1()], sessions: allSessions() }) },
      { check: false },
    );
    const scripts = plan.changes.flatMap((c) => (c.kind === 'exec' && 'script' in c.cmd ? [c.cmd.script] : []));
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain(`__f=${quoteArg(`${NODES}/${IQN}/${B1},3260,2/iface-ib0`)};`);
    const argvs = plan.changes.flatMap((c) => (c.kind === 'exec' && 'argv' in c.cmd ? [c.cmd.argv.join(' ')] : []));
    expect(argvs.join('\n')).not.toContain('s3cret');
    expect(plan.diff).not.toContain('s3cret');
  });

  test('the same (target, portal, iface) under two tags: both records are brought to the wanted values', async () => {
    const plan = await planWith(
      iscsiNode,
      args({ chap_username: 'u1', chap_password: 's3cret' }),
      {
        commands: iscsiHost({
          portal: B1,
          iface: 'iface-ib0',
          records: [recB1({ startup: 'manual' }), recB1({ tpgt: -1, startup: 'manual' })],
          sessions: allSessions(),
        }),
      },
      { check: false },
    );
    const described = describeChanges(plan).map((c) => (c as { exec: string }).exec);
    expect(described.filter((c) => c === node('-o update -n node.startup -v automatic'))).toHaveLength(1);
    const secretFiles = described.filter((c) => c.includes('__f=')).map((c) => /__f=(\S+);/.exec(c)?.[1]);
    const files = [`${NODES}/${IQN}/${B1},3260,2/iface-ib0`, `${NODES}/${IQN}/${B1},3260,-1/iface-ib0`];
    expect(secretFiles).toEqual(files.map(quoteArg));
    expect(plan.result?.records).toEqual(files);
  });

  test('iscsiadm failing (not "none found") fails the task with its message', async () => {
    const commands = iscsiHost({ portal: B1, iface: 'iface-ib0', sessions: allSessions() });
    const key = Object.keys(commands).find((k) => k.includes('-o show')) as string;
    commands[key] = { rc: 6, stderr: 'iscsiadm: Could not read iface info for iface-ib0.' };
    const plan = await planWith(iscsiNode, args(), { commands }, { check: false });
    expect(plan.failed).toMatch(/rc 6.*Could not read iface info/);
  });
});
