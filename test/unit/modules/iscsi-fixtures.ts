/**
 * Host state for the iscsi_* module tests, in the formats open-iscsi prints (see test/unit/facts/iscsi.test.ts
 * for where each format comes from): records as `-o show` prints them, sessions as `-m session -P 1`.
 */

import type { RunResult } from '../../../src/connection/types.js';
import { iscsiNodeRecords, iscsiNodeTree, iscsiSessionTree } from '../../../src/facts/iscsi.js';
import { commandOf } from './fake-context.js';

export const IQN = 'iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c';
export const NODES = '/var/lib/iscsi/nodes';
/** Controller A port 1, B port 1 (subnet A, ib0), A port 2, B port 2 (subnet B, ib1); A's tag 1, B's 2. */
export const PORTALS = [
  { address: '192.168.130.101', iface: 'iface-ib0', tpgt: 1 },
  { address: '192.168.130.102', iface: 'iface-ib0', tpgt: 2 },
  { address: '192.168.131.101', iface: 'iface-ib1', tpgt: 1 },
  { address: '192.168.131.102', iface: 'iface-ib1', tpgt: 2 },
];
export const INTERFACES = [
  { name: 'ib0', address: '192.168.130.11/24' },
  { name: 'ib1', address: '192.168.131.11/24' },
];

export function record(o: {
  address: string;
  iface: string;
  tpgt: number;
  startup?: string;
  timeout?: string;
  password?: string;
}): string {
  return `# BEGIN RECORD 2.1.4
node.name = ${IQN}
node.tpgt = ${o.tpgt}
node.startup = ${o.startup ?? 'automatic'}
iface.iscsi_ifacename = ${o.iface}
iface.net_ifacename = ${o.iface.replace('iface-', '')}
iface.transport_name = iser
node.session.auth.password = ${o.password ?? '<empty>'}
node.session.timeo.replacement_timeout = ${o.timeout ?? '20'}
node.conn[0].address = ${o.address}
node.conn[0].port = 3260
# END RECORD
`;
}

export interface TreeSession {
  address: string;
  tpgt: number;
  iface: string;
  transport?: string;
  netdev?: string;
  sid: number;
}

/** `iscsiadm -m session -P 1` output for these sessions (one target). */
export function sessionTree(sessions: TreeSession[]): string {
  if (!sessions.length) return '';
  const lines = [`Target: ${IQN} (non-flash)`];
  let last = '';
  for (const s of sessions) {
    if (s.address === last) lines.push('');
    else
      lines.push(`\tCurrent Portal: ${s.address}:3260,${s.tpgt}`, `\tPersistent Portal: ${s.address}:3260,${s.tpgt}`);
    last = s.address;
    lines.push(
      '\t\t**********',
      '\t\tInterface:',
      '\t\t**********',
      `\t\tIface Name: ${s.iface}`,
      `\t\tIface Transport: ${s.transport ?? 'iser'}`,
      `\t\tIface IPaddress: ${(s.transport ?? 'iser') === 'iser' ? '[default]' : '192.168.130.11'}`,
      '\t\tIface HWaddress: default',
      `\t\tIface Netdev: ${s.netdev ?? s.iface.replace('iface-', '')}`,
      `\t\tSID: ${s.sid}`,
      '\t\tiSCSI Connection State: LOGGED IN',
    );
  }
  return `${lines.join('\n')}\n`;
}

export const allSessions = (): TreeSession[] => PORTALS.map((p, i) => ({ ...p, sid: i + 1 }));

/** The canned reads: records of one (target, portal, iface) (none: exit 21), and the sessions. */
export function iscsiHost(o: {
  portal?: string;
  iface?: string;
  records?: string[];
  sessions?: TreeSession[];
  nodeTree?: string;
}): Record<string, Partial<RunResult>> {
  const commands: Record<string, Partial<RunResult>> = {};
  if (o.portal && o.iface)
    commands[commandOf(iscsiNodeRecords.of({ target: IQN, portal: o.portal, iface: o.iface }))] = o.records?.length
      ? { stdout: o.records.join('') }
      : { rc: 21, stderr: 'iscsiadm: No records found\n' };
  commands[commandOf(iscsiSessionTree.of())] = o.sessions?.length
    ? { stdout: sessionTree(o.sessions) }
    : { rc: 21, stderr: 'iscsiadm: No active sessions.\n' };
  commands[commandOf(iscsiNodeTree.of())] = o.nodeTree
    ? { stdout: o.nodeTree }
    : { rc: 21, stderr: 'iscsiadm: No records found\n' };
  return commands;
}
