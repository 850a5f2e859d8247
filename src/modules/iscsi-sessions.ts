/**
 * iscsi_sessions: verifies the sessions to one target for what they are (read-only, never changes the
 * host). Every portal must have exactly `per_portal` sessions, each of the wanted transport (iSER),
 * through the portal's own iface record and, when `interfaces` are given, through the network device
 * whose subnet holds the portal. A TCP session, a session through another iface, or two paths through
 * one port fail the task naming host, portal and what was found. Sessions to other targets are ignored.
 *
 *   - iscsi_sessions:
 *       target: "{{ iser_target_iqn }}"
 *       portals: "{{ iser_target_portals }}"     # [{address, iface}]
 *       interfaces: "{{ ipoib_interfaces }}"     # [{name, address: CIDR}]
 */
import { type IscsiSessionDetail, iscsiSessionTree, splitPortal } from '../facts/iscsi.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface IscsiSessionsArgs {
  target: string;
  portals: { address: string; iface: string }[];
  interfaces: { name: string; address: string }[];
  transport: string;
  per_portal: string;
}

const ipToInt = (ip: string): number | null => {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return (
    (((parts[0] as number) << 24) |
      ((parts[1] as number) << 16) |
      ((parts[2] as number) << 8) |
      (parts[3] as number)) >>>
    0
  );
};

/** Does the CIDR `a.b.c.d/len` hold the address? */
function inSubnet(address: string, cidr: string): boolean {
  const [net = '', lenText = '32'] = cidr.split('/');
  const [ip, base, len] = [ipToInt(address), ipToInt(net), Number(lenText)];
  if (ip === null || base === null || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (ip & mask) >>> 0 === (base & mask) >>> 0;
}

const describe = (s: IscsiSessionDetail) =>
  `sid ${s.sid} ${s.transport} via ${s.iface} (netdev ${s.netdev}) at ${s.portal}:${s.port},${s.tpgt}`;

export const iscsiSessions: Module<IscsiSessionsArgs> = defineModule({
  name: 'iscsi_sessions',
  summary: 'verifies one session per portal: transport, iface and network device of its subnet (read-only)',
  schema: {
    target: { type: 'str', required: true },
    portals: { type: 'list', required: true },
    interfaces: { type: 'list', default: [] },
    transport: { type: 'str', default: 'iser' },
    per_portal: { type: 'str', default: '1' },
  },
  facts: (_a: IscsiSessionsArgs) => ({ sessions: iscsiSessionTree.of() }),
  async plan(ctx, a, read) {
    const per = Number(a.per_portal || '1');
    if (!Number.isInteger(per) || per < 1)
      return { changes: [], failed: `per_portal must be a positive number, got '${a.per_portal}'` };
    const listed = await read.sessions();
    if (listed.failed) return { changes: [], failed: `${ctx.host}: ${listed.failed}` };
    const sessions = listed.list.filter((s) => s.target === a.target);
    const problems: string[] = [];
    const verified: string[] = [];
    const wantedKeys = new Set<string>();
    for (const p of a.portals) {
      const { address, port } = splitPortal(p.address);
      wantedKeys.add(`${address}:${port}`);
      const netdev = a.interfaces.find((i) => inSubnet(address, i.address))?.name;
      if (a.interfaces.length && !netdev) {
        problems.push(
          `${ctx.host}: portal ${address}: no interface in ${a.interfaces.map((i) => `${i.name} ${i.address}`).join(', ')} holds its subnet`,
        );
        continue;
      }
      const found = sessions.filter((s) => s.portal === address && s.port === port);
      const good = found.filter(
        (s) => s.transport === a.transport && s.iface === p.iface && (netdev === undefined || s.netdev === netdev),
      );
      const want = `${per} ${a.transport} session${per > 1 ? 's' : ''} via ${p.iface}${netdev ? ` (${netdev})` : ''}`;
      if (good.length !== per || found.length !== per)
        problems.push(
          `${ctx.host}: portal ${address}: want ${want}, found ${found.length ? found.map(describe).join('; ') : 'none'}`,
        );
      else verified.push(`${address} ${good.map((s) => `sid ${s.sid}`).join(',')} via ${p.iface}`);
    }
    for (const s of sessions)
      if (!wantedKeys.has(`${s.portal}:${s.port}`))
        problems.push(`${ctx.host}: portal ${s.portal}: not one of the target's portals here, found ${describe(s)}`);
    const result = { sessions: sessions.map((s) => ({ ...s })), verified };
    if (problems.length) return { changes: [], failed: problems.join('\n'), result };
    return { changes: [], noop: `${a.transport} sessions verified: ${verified.join('; ')}`, result };
  },
});
