import { describe, expect, it } from 'vitest';
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from '../../../src/cli/heap-growth.js';

describe('boundHeapGrowth', () => {
  it('passes V8 the growth flag', () => {
    const seen: string[] = [];
    expect(boundHeapGrowth((flags) => seen.push(flags))).toBe(true);
    expect(seen).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it('lets the run go on when V8 refuses the flag', () => {
    const refusing = () => {
      throw new Error('unrecognized flag');
    };
    expect(boundHeapGrowth(refusing)).toBe(false);
  });

  it('is accepted by the V8 of this Node', () => {
    expect(boundHeapGrowth()).toBe(true);
  });
});
