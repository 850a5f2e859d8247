/**
 * eseries_luns: the E-Series LUNs a host sees, from what its tools report: `sanlun lun show -p` (NetApp
 * Unified Host Utilities), else `SMdevices` (SANtricity SMutils), else `multipath -ll`. Returns each LUN's
 * WWID, device and paths up, and fails, naming the host and the WWID, when a LUN it was asked about is not
 * among them. Reads only.
 *
 *   - eseries_luns: { wwids: ["360080e50004300ac000007575568851d"] }
 */
import { sh } from '../remote-command.js';
import type { Module } from './types.js';

export interface EseriesLunsArgs {
  /** WWIDs (or `{wwid}` objects, as in iser_luns) that must be seen. */
  wwids: unknown[];
}

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

function wantedWwid(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { wwid?: unknown }).wwid === 'string')
    return (v as { wwid: string }).wwid;
  return undefined;
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

export const eseriesLuns: Module<EseriesLunsArgs> = {
  name: 'eseries_luns',
  summary: 'the E-Series LUNs a host sees (sanlun, SMdevices or multipath); fails on a wanted WWID it does not see',
  schema: { wwids: { type: 'list', default: [] } },
  wants: () => [{ kind: 'command', cmd: LUN_REPORT_CMD }],
  async plan(ctx, a) {
    const out = await ctx.facts.command(LUN_REPORT_CMD);
    const { tool, list: luns } = parseLunReport(out.stdout);
    const listed = luns.length
      ? luns.map((l) => `${l.wwid} ${l.device} ${l.pathsUp}/${l.paths} paths up`).join('; ')
      : 'no E-Series LUN';
    const report = `${ctx.host}: ${tool} reports ${listed}`;
    const result = { tool, luns, report };
    const wanted = a.wwids.map(wantedWwid);
    const bad = a.wwids.findIndex((_, i) => wanted[i] === undefined);
    if (bad >= 0) return { changes: [], failed: `wwids[${bad}] is neither a WWID nor {wwid: ...}`, result };
    const missing = (wanted as string[]).filter((w) => !luns.some((l) => l.wwid === w.toLowerCase()));
    if (missing.length && !ctx.check)
      return {
        changes: [],
        failed: `${ctx.host}: ${missing.map((w) => `LUN ${w}`).join(', ')} named in iser_luns ${missing.length > 1 ? 'are' : 'is'} not seen by this host (${report}): is the volume mapped to this host on the array?`,
        result,
      };
    const notYet = missing.length ? ` (check mode: ${missing.join(', ')} not seen yet)` : '';
    return { changes: [], noop: `${report}${notYet}`, result };
  },
};
