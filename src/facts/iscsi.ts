import type { RunResult } from '../connection/types.js';
import { type Cmd, shellText } from '../remote-command.js';
import { commandFact } from './fact.js';

/** open-iscsi record files (`# BEGIN RECORD` / `key = value` / `# END RECORD`) as a map. */
export function parseIscsiRecord(text: string): Map<string, string> {
  const record = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-zA-Z][\w.[\]]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) record.set(m[1] as string, m[2] === '<empty>' ? '' : (m[2] as string));
  }
  return record;
}

export interface IscsiSession {
  transport: string;
  sid: number;
  portal: string; // address only
  port: number;
  /** The target portal group tag the target reported (E-Series: controller A 1, controller B 2). */
  tpgt: number;
  target: string;
}

/** A session with the iface it runs through, from `iscsiadm -m session -P 1`. */
export interface IscsiSessionDetail extends IscsiSession {
  /** `Iface Name:` (the iface record, e.g. iface-ib0, or `default`). */
  iface: string;
  /** `Iface Netdev:`: the iface's net_ifacename; unbound, `default` (open-iscsi 2.1) or `<empty>` (older). */
  netdev: string;
  /** `Iface IPaddress:`. */
  ipaddress: string;
}

/** A node record as `iscsiadm -m node -P 1` lists it: what names it on disk. */
export interface IscsiNodeEntry {
  target: string;
  portal: string; // address only
  port: number;
  tpgt: number;
  iface: string;
}

/** One entry of an iscsiadm `-P 1` tree: its target, its portal, and the `Key: value` lines of its own block. */
interface TreeEntry {
  target: string;
  portal: string;
  port: number;
  tpgt: number;
  fields: Map<string, string>;
}

/**
 * The trees `iscsiadm -P 1` prints for nodes and for sessions share one shape: a `Target: IQN` line when
 * the target changes, a portal line (`ip:port,tpgt`, IPv6 in brackets) when the portal changes, then per
 * entry a block of `Key: value` lines that opens at `Iface Name:` and is complete at `lastKey`.
 * - `-m node -P 1`, print_nodes() (open-iscsi usr/iscsiadm.c): `\tPortal: ...`, then `\t\tIface Name: ...`
 *   alone (lastKey `Iface Name`).
 * - `-m session -P 1`, session_info_print_tree() (usr/session_info.c) with iface_print() (usr/iface.c):
 *   `\tCurrent Portal:` and `\tPersistent Portal:` (the record's; a further session to the same portal
 *   prints an empty line instead), then `Iface Name:`, `Iface Transport:`, ..., `SID:` (lastKey `SID`).
 */
function parseIscsiadmTree(stdout: string, portalKey: string, lastKey: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let target = '';
  let portal = { portal: '', port: 0, tpgt: 0 };
  let fields = new Map<string, string>();
  for (const raw of stdout.split('\n')) {
    const m = /^([A-Za-z][\w ]*?):\s*(.*)$/.exec(raw.trim());
    if (!m) continue;
    const [key, value] = [m[1] as string, (m[2] as string).trim()];
    if (key === 'Target') {
      target = value.split(/\s+/)[0] as string;
    } else if (key === portalKey) {
      const p = /^\[?([0-9a-fA-F.:]+?)\]?:(\d+),(-?\d+)$/.exec(value);
      if (p) portal = { portal: p[1] as string, port: Number(p[2]), tpgt: Number(p[3]) };
    } else {
      if (key === 'Iface Name') fields = new Map();
      fields.set(key, value);
      if (key === lastKey && portal.portal !== '') entries.push({ target, ...portal, fields });
    }
  }
  return entries;
}

/** `iscsiadm -m session -P 1`: every session with its target, persistent portal, tag and iface. */
export function parseIscsiSessionTree(stdout: string): IscsiSessionDetail[] {
  return parseIscsiadmTree(stdout, 'Persistent Portal', 'SID').flatMap(({ fields: f, ...at }) => {
    const sid = Number(f.get('SID'));
    if (!Number.isInteger(sid)) return [];
    return [
      {
        ...at,
        iface: f.get('Iface Name') ?? '',
        transport: f.get('Iface Transport') ?? '',
        netdev: f.get('Iface Netdev') ?? '',
        ipaddress: f.get('Iface IPaddress') ?? '',
        sid,
      },
    ];
  });
}

/** `iscsiadm -m node -P 1`: every record with its target, portal, tag and iface. */
export function parseIscsiNodeTree(stdout: string): IscsiNodeEntry[] {
  return parseIscsiadmTree(stdout, 'Portal', 'Iface Name').map(({ fields, ...at }) => ({
    ...at,
    iface: fields.get('Iface Name') as string,
  }));
}

/**
 * The records of one (target, portal, iface), whatever tag they are filed under, with their secrets
 * (`-S`): the module compares CHAP values with what is wanted. Exit 21 when there is none.
 */
export function nodeShowCmd(target: string, portal: string, iface: string): Cmd {
  return { argv: ['iscsiadm', '-m', 'node', '-T', target, '-p', portal, '-I', iface, '-o', 'show', '-S'] };
}

/** `iscsiadm -m node ... -o show` output: one map per `# BEGIN RECORD` ... `# END RECORD`. */
export function parseIscsiRecords(stdout: string): Map<string, string>[] {
  return stdout
    .split(/^# BEGIN RECORD.*$/m)
    .slice(1)
    .map((text) => parseIscsiRecord(text.split(/^# END RECORD/m)[0] as string));
}

/**
 * Where open-iscsi keeps a node record: <nodes>/<target>/<address>,<port>,<tpgt>/<iface>. The tag is the
 * record's own (`node.tpgt`): SendTargets discovery files a record under the tag the target reported,
 * `-o new` under -1; it is never assumed.
 */
export function nodeRecordPath(
  nodesDir: string,
  rec: { target: string; portal: string; port: number; tpgt: number | string; iface: string },
): string {
  return `${nodesDir}/${rec.target}/${rec.portal},${rec.port},${rec.tpgt}/${rec.iface}`;
}

/** A record's identity from its own keys (node.name, node.conn[0].address/port, node.tpgt, iface). */
export function recordEntry(record: Map<string, string>): IscsiNodeEntry {
  return {
    target: record.get('node.name') ?? '',
    portal: record.get('node.conn[0].address') ?? '',
    port: Number(record.get('node.conn[0].port') ?? 3260),
    tpgt: Number(record.get('node.tpgt') ?? -1),
    iface: record.get('iface.iscsi_ifacename') ?? 'default',
  };
}

/** `192.168.130.101` or `192.168.130.101:3260` -> address and port (3260 when not given). */
export function splitPortal(portal: string): { address: string; port: number } {
  const [address = '', port = '3260'] = portal.split(':');
  return { address, port: Number(port) };
}

export function portalAddress(portal: string): string {
  return portal.split(':')[0] as string;
}

/** What an iscsiadm listing answered: its entries, or why it could not be read. */
export interface Listed<T> {
  list: T[];
  /** iscsiadm failed (anything but 0, and 21: "No records found" / "No active sessions.", an empty list). */
  failed?: string;
}

function listed<T>(r: RunResult, cmd: Cmd, parse: (stdout: string) => T[]): Listed<T> {
  if (r.rc === 0) return { list: parse(r.stdout) };
  if (r.rc === 21) return { list: [] };
  return { list: [], failed: `${shellText(cmd)} (rc ${r.rc}): ${r.stderr.trim()}` };
}

const SESSION_TREE_CMD: Cmd = { argv: ['iscsiadm', '-m', 'session', '-P', '1'] };
const NODE_TREE_CMD: Cmd = { argv: ['iscsiadm', '-m', 'node', '-P', '1'] };

/** The host's sessions with their ifaces (live state: read again after any change). */
export const iscsiSessionTree = commandFact<void, Listed<IscsiSessionDetail>>({
  name: 'iscsi.sessionTree',
  command: () => SESSION_TREE_CMD,
  parse: (r) => listed(r, SESSION_TREE_CMD, parseIscsiSessionTree),
});

/**
 * Every node record (target, portal, tag, iface), listed rather than looked up at a path with an assumed
 * tag: an E-Series array reports controller A's portals with tag 1 and controller B's with tag 2.
 */
export const iscsiNodeTree = commandFact<void, Listed<IscsiNodeEntry>>({
  name: 'iscsi.nodeTree',
  command: () => NODE_TREE_CMD,
  parse: (r) => listed(r, NODE_TREE_CMD, parseIscsiNodeTree),
});

/**
 * The records of one (target, portal, iface), whatever tag they are filed under, with their secrets
 * (`-S`): the module compares CHAP values with what is wanted. Exit 21 when there is none.
 */
export const iscsiNodeRecords = commandFact<
  { target: string; portal: string; iface: string },
  Listed<Map<string, string>>
>({
  name: 'iscsi.nodeRecords',
  command: (p) => nodeShowCmd(p.target, p.portal, p.iface),
  parse: (r, p) => listed(r, nodeShowCmd(p.target, p.portal, p.iface), parseIscsiRecords),
});
