/** The bench's statistics: medians with their range, ratios of medians with the range the runs allow. */

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** `1.42 s [1.38-1.51]`: the median and the range of the runs. */
export function medianRange(xs: readonly number[], unit = 's', digits = 2): string {
  if (xs.length === 0) return 'n/a';
  const f = (x: number) => x.toFixed(digits);
  return `${f(median(xs))} ${unit} [${f(Math.min(...xs))}-${f(Math.max(...xs))}]`;
}

export interface Ratio {
  value: number;
  low: number;
  high: number;
}

/**
 * a / b as the ratio of the medians, with the range any pairing of runs gives (lowest a over highest b,
 * highest a over lowest b): two ratios whose ranges overlap are not told apart by these runs.
 */
export function ratio(a: readonly number[], b: readonly number[]): Ratio | null {
  if (a.length === 0 || b.length === 0) return null;
  return {
    value: median(a) / median(b),
    low: Math.min(...a) / Math.max(...b),
    high: Math.max(...a) / Math.min(...b),
  };
}

export function formatRatio(r: Ratio | null | undefined): string {
  if (!r) return 'n/a';
  return `${r.value.toFixed(2)}x [${r.low.toFixed(2)}-${r.high.toFixed(2)}]`;
}

/** How much a time exceeds another, signed: `+84 ms`, `-3 ms`. */
export const formatExcess = (ms: number): string => `${ms < 0 ? '' : '+'}${ms.toFixed(0)} ms`;
