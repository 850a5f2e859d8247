import { describe, expect, it } from 'vitest';
import { formatExcess, formatRatio, median, medianRange, ratio } from '../../../bench/stats.js';

describe('bench statistics', () => {
  it('medians of odd and even counts, with the range of the runs', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(medianRange([1.5, 1.2, 2])).toBe('1.50 s [1.20-2.00]');
    expect(medianRange([])).toBe('n/a');
  });

  it('a ratio of medians with the range every pairing of runs allows', () => {
    const r = ratio([10, 12, 14], [2, 4]);
    expect(r).toEqual({ value: 12 / 3, low: 10 / 4, high: 14 / 2 });
    expect(formatRatio(r)).toBe('4.00x [2.50-7.00]');
    expect(ratio([], [1])).toBeNull();
  });

  it('an excess over a baseline is signed', () => {
    expect([formatExcess(84.4), formatExcess(0), formatExcess(-159.2)]).toEqual(['+84 ms', '+0 ms', '-159 ms']);
  });
});
