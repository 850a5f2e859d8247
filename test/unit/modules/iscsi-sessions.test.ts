import { describe, expect, test } from 'vitest';
import { iscsiSessions } from '../../../src/modules/iscsi-sessions.js';
import { planWith } from './fake-context.js';
import { allSessions, INTERFACES, IQN, iscsiHost, PORTALS, type TreeSession } from './iscsi-fixtures.js';

const portals = PORTALS.map(({ address, iface }) => ({ address, iface }));
const args = (o: Record<string, unknown> = {}) => ({ target: IQN, portals, interfaces: INTERFACES, ...o });
const [A1, B1] = ['192.168.130.101', '192.168.130.102'];

interface Row {
  name: string;
  sessions: TreeSession[];
  args?: Record<string, unknown>;
  /** Every line of the failure, in order; none: verified. */
  failed?: RegExp[];
}

const rows: Row[] = [
  { name: 'one iSER session per record through the iface and port of its subnet: verified', sessions: allSessions() },
  {
    name: 'an extra TCP session to a portal fails, naming host, portal and what was found',
    sessions: [
      ...allSessions(),
      { address: A1, tpgt: 1, iface: 'default', transport: 'tcp', netdev: 'default', sid: 9 },
    ],
    failed: [
      new RegExp(
        `^fake-host: portal ${A1}: want 1 iser session via iface-ib0 \\(ib0\\), found sid 1 iser via iface-ib0 \\(netdev ib0\\) at ${A1}:3260,1; sid 9 tcp via default \\(netdev default\\)`,
      ),
    ],
  },
  {
    name: 'the only session is TCP through the right iface (an iface record of transport tcp): fails',
    sessions: allSessions().map((s) => (s.address === B1 ? { ...s, transport: 'tcp' } : s)),
    failed: [
      new RegExp(
        `^fake-host: portal ${B1}: want 1 iser session via iface-ib0 \\(ib0\\), found sid 2 tcp via iface-ib0`,
      ),
    ],
  },
  {
    name: 'two paths through one port (a second iface on ib0 to the same portal): fails',
    sessions: [...allSessions(), { address: B1, tpgt: 2, iface: 'iface-dup', netdev: 'ib0', sid: 7 }],
    failed: [
      new RegExp(
        `^fake-host: portal ${B1}: want 1 iser session via iface-ib0 \\(ib0\\), found sid 2 .*; sid 7 iser via iface-dup \\(netdev ib0\\)`,
      ),
    ],
  },
  {
    name: 'the session goes out through the other subnet port: fails',
    sessions: allSessions().map((s) => (s.address === A1 ? { ...s, netdev: 'ib1' } : s)),
    failed: [
      new RegExp(
        `^fake-host: portal ${A1}: want 1 iser session via iface-ib0 \\(ib0\\), found sid 1 iser via iface-ib0 \\(netdev ib1\\)`,
      ),
    ],
  },
  {
    name: 'a missing session: found none',
    sessions: allSessions().filter((s) => s.address !== B1),
    failed: [new RegExp(`^fake-host: portal ${B1}: want 1 iser session via iface-ib0 \\(ib0\\), found none$`)],
  },
  {
    name: 'no sessions at all (exit 21): every portal named',
    sessions: [],
    failed: PORTALS.map((p) => new RegExp(`^fake-host: portal ${p.address}: .* found none$`)),
  },
  {
    name: 'nr_sessions 2: two per record are wanted',
    args: { per_portal: '2' },
    sessions: allSessions().flatMap((s) => [s, { ...s, sid: s.sid + 10 }]),
  },
  {
    name: 'a session to a portal that is not in the list fails',
    args: { portals: portals.slice(1) },
    sessions: allSessions(),
    failed: [new RegExp(`^fake-host: portal ${A1}: not one of the target's portals here, found sid 1`)],
  },
];

describe('iscsi_sessions: {args, sessions} -> verified or failed', () => {
  test.each(rows)('$name', async (row) => {
    for (const check of [false, true]) {
      const plan = await planWith(
        iscsiSessions,
        args(row.args),
        { commands: iscsiHost({ sessions: row.sessions }) },
        { check },
      );
      expect(plan.changes).toEqual([]);
      if (!row.failed) {
        expect(plan.failed).toBeUndefined();
        expect(plan.noop).toMatch(/iser sessions verified/);
      } else {
        const lines = (plan.failed ?? '').split('\n');
        expect(lines).toHaveLength(row.failed.length);
        for (const [i, re] of row.failed.entries()) expect(lines[i]).toMatch(re);
      }
    }
  });

  test('a portal whose subnet no interface holds is refused by name', async () => {
    const plan = await planWith(iscsiSessions, args({ portals: [{ address: '10.0.0.5', iface: 'iface-ib0' }] }), {
      commands: iscsiHost({ sessions: [] }),
    });
    expect(plan.failed).toMatch(
      /fake-host: portal 10\.0\.0\.5: no interface in ib0 192\.168\.130\.11\/24, ib1 192\.168\.131\.11\/24 holds its subnet/,
    );
  });
});
