/**
 * Issue 22's targets as computed verdicts: each names what it compares, the figure this run measured, the
 * bound and whether the figure is within it (null when this run did not measure it). Pure: the sections
 * of bench/main.ts build them from their measurements, bench/report.ts prints them.
 */
import { formatRatio, type Ratio } from './stats.js';

export interface Target {
  /** What is compared, e.g. "20 hosts: second run / its read floor". */
  what: string;
  /** The measured figure as printed ("1.14x [1.02-1.30]", "+84 ms"), or "n/a". */
  measured: string;
  /** The bound as printed ("<= 1.2x", "<= +100 ms"). */
  bound: string;
  /** Within the bound; null: not measured in this run. */
  met: boolean | null;
}

/** A ratio of medians that must be at most `limit` (the median decides; the range is shown). */
export function ratioTarget(what: string, r: Ratio | null, limit: number): Target {
  return { what, measured: formatRatio(r), bound: `<= ${limit}x`, met: r ? r.value <= limit : null };
}

/**
 * A ratio to a floor, which must be at most `limit` and, the floor being the least any tool could spend,
 * at least 1: a median under its floor is not met, whatever the bound. Either the floor is no lower bound
 * (it must be fixed, issue 22) or the runs' noise is larger than the margin, and the figure says nothing.
 */
export function floorTarget(what: string, r: Ratio | null, limit: number): Target {
  const t = ratioTarget(what, r, limit);
  if (!r || r.value >= 1) return t;
  return { ...t, measured: `${t.measured}, under its floor: not a lower bound, or noise above the margin`, met: false };
}

/** A figure that must be at most `limit`; `show` prints figure and bound in the same unit. */
export function boundTarget(what: string, value: number | null, limit: number, show: (x: number) => string): Target {
  const measured = value === null || Number.isNaN(value) ? null : value;
  return {
    what,
    measured: measured === null ? 'n/a' : show(measured),
    bound: `<= ${show(limit)}`,
    met: measured === null ? null : measured <= limit,
  };
}

export function verdictWord(t: Target): string {
  if (t.met === null) return 'not measured';
  return t.met ? 'met' : '**not met**';
}

export function targetsTable(targets: readonly Target[]): string {
  return [
    '| target | measured | bound | verdict |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.what} | ${t.measured} | ${t.bound} | ${verdictWord(t)} |`),
  ].join('\n');
}
