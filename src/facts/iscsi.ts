import { sh } from '../remote-command.js';

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

/**
 * `iscsiadm -m session` lines, as session_info_print_flat() (open-iscsi usr/session_info.c) prints them:
 * `iser: [1] 192.168.130.101:3260,1 iqn.1992-08.com.netapp:... (non-flash)`; IPv6 portals in brackets.
 */
export function parseIscsiSessions(stdout: string): IscsiSession[] {
  const sessions: IscsiSession[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+):\s+\[(\d+)\]\s+\[?([0-9a-fA-F.:]+?)\]?:(\d+),(-?\d+)\s+(\S+)/.exec(line.trim());
    if (m)
      sessions.push({
        transport: m[1] as string,
        sid: Number(m[2]),
        portal: m[3] as string,
        port: Number(m[4]),
        tpgt: Number(m[5]),
        target: m[6] as string,
      });
  }
  return sessions;
}

/** Read every time through the facts cache; exit 21 ("No active sessions.") is an empty list, not an error. */
export const ISCSI_SESSIONS_CMD = { argv: ['iscsiadm', '-m', 'session'] } as const;

/** A session with the iface it runs through, from `iscsiadm -m session -P 1`. */
export interface IscsiSessionDetail extends IscsiSession {
  /** `Iface Name:` (the iface record, e.g. iface-ib0, or `default`). */
  iface: string;
  /** `Iface Netdev:`: the iface's net_ifacename; unbound, `default` (open-iscsi 2.1) or `<empty>` (older). */
  netdev: string;
  /** `Iface IPaddress:`. */
  ipaddress: string;
}

/** Sessions with their iface; exit 21 ("No active sessions.") is an empty list. */
export const ISCSI_SESSION_TREE_CMD = { argv: ['iscsiadm', '-m', 'session', '-P', '1'] } as const;

/**
 * `iscsiadm -m session -P 1`, as session_info_print_tree() (open-iscsi usr/session_info.c) and
 * iface_print() (usr/iface.c) print it: a `Target: IQN (non-flash)` line when the target changes, the
 * `Current Portal:` / `Persistent Portal: ip:port,tpgt` lines when the portal changes (a further session
 * to the same portal prints an empty line instead), then per session `Iface Name:`, `Iface Transport:`,
 * `Iface IPaddress:`, `Iface Netdev:` and `SID:`. A session is complete at its `SID:` line.
 */
export function parseIscsiSessionTree(stdout: string): IscsiSessionDetail[] {
  const sessions: IscsiSessionDetail[] = [];
  let target = '';
  let portal = { portal: '', port: 0, tpgt: 0 };
  let iface = { iface: '', transport: '', netdev: '', ipaddress: '' };
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    let m = /^Target:\s+(\S+)/.exec(line);
    if (m) {
      target = m[1] as string;
      continue;
    }
    m = /^Persistent Portal:\s+\[?([0-9a-fA-F.:]+?)\]?:(\d+),(-?\d+)$/.exec(line);
    if (m) {
      portal = { portal: m[1] as string, port: Number(m[2]), tpgt: Number(m[3]) };
      continue;
    }
    m = /^Iface (Name|Transport|Netdev|IPaddress):\s+(.*)$/.exec(line);
    if (m) {
      const value = m[2] as string;
      if (m[1] === 'Name') iface = { iface: value, transport: '', netdev: '', ipaddress: '' };
      else if (m[1] === 'Transport') iface.transport = value;
      else if (m[1] === 'Netdev') iface.netdev = value;
      else iface.ipaddress = value;
      continue;
    }
    m = /^SID:\s+(\d+)$/.exec(line);
    if (m) sessions.push({ target, ...portal, ...iface, sid: Number(m[1]) });
  }
  return sessions;
}

/** A node record as `iscsiadm -m node -P 1` lists it: what names it on disk. */
export interface IscsiNodeEntry {
  target: string;
  portal: string; // address only
  port: number;
  tpgt: number;
  iface: string;
}

/** Every node record (target, portal, tag, iface); exit 21 ("No records found") is an empty list. */
export const ISCSI_NODE_TREE_CMD = { argv: ['iscsiadm', '-m', 'node', '-P', '1'] } as const;

/**
 * `iscsiadm -m node -P 1`, as print_nodes() (open-iscsi usr/iscsiadm.c) prints it: `Target: IQN` when
 * the target changes, then per record `\tPortal: ip:port,tpgt` and `\t\tIface Name: iface`.
 */
export function parseIscsiNodeTree(stdout: string): IscsiNodeEntry[] {
  const nodes: IscsiNodeEntry[] = [];
  let target = '';
  let portal: Omit<IscsiNodeEntry, 'target' | 'iface'> | null = null;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    let m = /^Target:\s+(\S+)/.exec(line);
    if (m) {
      target = m[1] as string;
      continue;
    }
    m = /^Portal:\s+\[?([0-9a-fA-F.:]+?)\]?:(\d+),(-?\d+)$/.exec(line);
    if (m) {
      portal = { portal: m[1] as string, port: Number(m[2]), tpgt: Number(m[3]) };
      continue;
    }
    m = /^Iface Name:\s+(\S+)$/.exec(line);
    if (m && portal) nodes.push({ target, ...portal, iface: m[1] as string });
  }
  return nodes;
}

/**
 * The records of one (target, portal, iface), whatever tag they are filed under, with their secrets
 * (`-S`): the module compares CHAP values with what is wanted. Exit 21 when there is none.
 */
export function nodeShowCmd(target: string, portal: string, iface: string) {
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

/** `blkid -p -o export DEV`: signatures on a device (rc 2 when there are none). */
export function blockProbeCmd(device: string) {
  return sh`blkid -p -o export ${device}`;
}

export interface BlockSignature {
  /** Filesystem or other content type (ext4, xfs, LVM2_member, ...). */
  type?: string;
  /** Partition table type (gpt, dos). */
  ptType?: string;
}

export function parseBlkidExport(stdout: string): BlockSignature {
  const fields = Object.fromEntries(
    stdout
      .split('\n')
      .map((l) => l.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [k, v.join('=')]),
  );
  return { type: fields.TYPE, ptType: fields.PTTYPE };
}
