/**
 * eseries_luns: the E-Series LUNs a host sees, from what its tools report: `sanlun lun show -p` (NetApp
 * Unified Host Utilities), else `SMdevices` (SANtricity SMutils), else `multipath -ll`. Returns each LUN's
 * WWID, device and paths up, and fails, naming the host and the WWID, when a LUN it was asked about is not
 * among them. Reads only.
 *
 *   - eseries_luns: { wwids: ["360080e50004300ac000007575568851d"] }
 */
import { lunReport } from '../facts/lun-report.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesLunsArgs {
  /** WWIDs (or `{wwid}` objects, as in iser_luns) that must be seen. */
  wwids: unknown[];
}

// The worksheet reads the same report.
export { LUN_REPORT_CMD, parseLunReport } from '../facts/lun-report.js';

function wantedWwid(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { wwid?: unknown }).wwid === 'string')
    return (v as { wwid: string }).wwid;
  return undefined;
}

export const eseriesLuns: Module<EseriesLunsArgs> = defineModule({
  name: 'eseries_luns',
  summary: 'the E-Series LUNs a host sees (sanlun, SMdevices or multipath); fails on a wanted WWID it does not see',
  schema: { wwids: { type: 'list', default: [] } },
  facts: (_a: EseriesLunsArgs) => ({ report: lunReport.of() }),
  async plan(ctx, a, read) {
    const { tool, list: luns } = await read.report();
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
});
