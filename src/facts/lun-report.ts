import { sh } from '../remote-command.js';
import { commandFact } from './fact.js';

export interface SeenLun {
  wwid: string;
  device: string;
  pathsUp: number;
  paths: number;
}

export type LunTool = 'sanlun' | 'SMdevices' | 'multipath';

/** One read: the first tool the host has, its name on the first line, then its report. */
export const LUN_REPORT_CMD = sh`if command -v sanlun >/dev/null 2>&1; then echo tool=sanlun; sanlun lun show -p 2>&1
elif command -v SMdevices >/dev/null 2>&1; then echo tool=SMdevices; SMdevices 2>&1
else echo tool=multipath; multipath -ll 2>&1; fi`;

/**
 * `sanlun lun show -p`: a block per LUN ("Host Device: <wwid>" or "mpathr(<wwid>)"), then one path line per
 * path ("up  primary  sdcx  host14  A1").
 */
export function parseSanlun(text: string): SeenLun[] {
  const luns: SeenLun[] = [];
  let cur: SeenLun | undefined;
  for (const line of text.split('\n')) {
    const dev = /Host Device:\s*(?:(\S+)\((3[0-9a-f]{32})\)|(3[0-9a-f]{32}))/.exec(line);
    if (dev) {
      const wwid = (dev[2] ?? dev[3]) as string;
      cur = { wwid, device: `/dev/mapper/${dev[1] ?? wwid}`, pathsUp: 0, paths: 0 };
      luns.push(cur);
      continue;
    }
    const path = /^\s*(up|down)\s+(primary|secondary)\s+sd\w+\s/.exec(line);
    if (path && cur) {
      cur.paths++;
      if (path[1] === 'up') cur.pathsUp++;
    }
  }
  return luns;
}

/** `SMdevices`: one line per path device, `/dev/sdb (/dev/sg2) [..., Volume ID <6...>, Preferred Path (...): In Use]`. */
export function parseSmdevices(text: string): SeenLun[] {
  const byWwid = new Map<string, SeenLun>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\/dev\/\S+)\s.*Volume ID <([0-9a-f]{32})>/i.exec(line);
    if (!m) continue;
    const wwid = `3${(m[2] as string).toLowerCase()}`;
    const lun = byWwid.get(wwid) ?? { wwid, device: m[1] as string, pathsUp: 0, paths: 0 };
    lun.paths++;
    lun.pathsUp++; // SMdevices lists the paths the SCSI layer has; in use or not, they are up
    byWwid.set(wwid, lun);
  }
  return [...byWwid.values()];
}

/** `multipath -ll`: "<wwid> dm-0 NETAPP,INF-01-00" (or "alias (<wwid>) dm-0 ..."), then path lines. */
export function parseMultipath(text: string): SeenLun[] {
  const luns: SeenLun[] = [];
  let cur: SeenLun | undefined;
  for (const line of text.split('\n')) {
    const head = /^(?:(\S+) \((3[0-9a-f]{32})\)|(3[0-9a-f]{32})) dm-\d+ NETAPP,/.exec(line);
    if (head) {
      const wwid = (head[2] ?? head[3]) as string;
      cur = { wwid, device: `/dev/mapper/${head[1] ?? wwid}`, pathsUp: 0, paths: 0 };
      luns.push(cur);
      continue;
    }
    const path = /\d+:\d+:\d+:\d+ sd\w+ \d+:\d+ (\w+) (\w+)/.exec(line);
    if (path && cur) {
      cur.paths++;
      if (path[1] === 'active' && path[2] === 'ready') cur.pathsUp++;
    }
  }
  return luns;
}

/** The output of LUN_REPORT_CMD: which tool answered, and the LUNs it lists. */
export function parseLunReport(stdout: string): { tool: LunTool; list: SeenLun[] } {
  const [first = '', ...rest] = stdout.split('\n');
  const tool = (first.replace(/^tool=/, '') || 'multipath') as LunTool;
  const text = rest.join('\n');
  const list =
    tool === 'sanlun' ? parseSanlun(text) : tool === 'SMdevices' ? parseSmdevices(text) : parseMultipath(text);
  return { tool, list };
}

/** The E-Series LUNs the host sees, from the first of sanlun, SMdevices and multipath it has. */
export const lunReport = commandFact<void, { tool: LunTool; list: SeenLun[] }>({
  name: 'luns.report',
  command: () => LUN_REPORT_CMD,
  parse: (r) => parseLunReport(r.stdout),
});
