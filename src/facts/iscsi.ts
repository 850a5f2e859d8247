import { sh } from '../shell.js';

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
  target: string;
}

/** `iscsiadm -m session` lines: `iser: [1] 192.168.130.101:3260,1 iqn.1992-08.com.netapp:... (non-flash)`. */
export function parseIscsiSessions(stdout: string): IscsiSession[] {
  const sessions: IscsiSession[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+):\s+\[(\d+)\]\s+\[?([0-9a-fA-F.:]+?)\]?:(\d+),\d+\s+(\S+)/.exec(line.trim());
    if (m)
      sessions.push({
        transport: m[1] as string,
        sid: Number(m[2]),
        portal: m[3] as string,
        port: Number(m[4]),
        target: m[5] as string,
      });
  }
  return sessions;
}

/** Read every time through the facts cache; exit 21 ("No active sessions.") is an empty list, not an error. */
export const ISCSI_SESSIONS_CMD = { argv: ['iscsiadm', '-m', 'session'] } as const;

/**
 * Where open-iscsi keeps a node record: <nodes>/<target>/<portal>,<port>,<tpgt>/<iface>. SendTargets
 * discovery records the portal group tag the array reports (1); `-o new` does not know it and files the
 * record under tpgt -1.
 */
export function nodeRecordPath(nodesDir: string, target: string, portal: string, iface: string, tpgt = '1'): string {
  const [address, port = '3260'] = portal.split(':');
  return `${nodesDir}/${target}/${address},${port},${tpgt}/${iface}`;
}

/** Both places a record can be: discovered (tpgt 1) first, then made by hand (tpgt -1). */
export function nodeRecordPaths(nodesDir: string, target: string, portal: string, iface: string): [string, string] {
  return [nodeRecordPath(nodesDir, target, portal, iface, '1'), nodeRecordPath(nodesDir, target, portal, iface, '-1')];
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
