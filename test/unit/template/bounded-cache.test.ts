import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../src/template/bounded-cache.js';

describe('BoundedCache', () => {
  it('keeps at most its limit however many keys are set (a fleet of host-specific sources)', () => {
    const cache = new BoundedCache<string, number>(100);
    for (let i = 0; i < 2000; i++) cache.set(`host-${i}`, i);
    expect(cache.size).toBe(100);
    expect(cache.get('host-0')).toBeUndefined();
    expect(cache.get('host-1999')).toBe(1999);
  });

  it('drops the oldest entry not read since it was set, not the oldest read one', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('a read entry gets one second chance per round, then goes like any other', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      cache.set(k, v);
    cache.get('a');
    cache.get('b');
    cache.get('c');
    // all three were read: a and b lose their mark and move back, c too, then the oldest unmarked (a) goes
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([undefined, 2, 3, 4]);
  });

  it('setting a key already there replaces its value without dropping another', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    expect(cache.size).toBe(2);
    expect([cache.get('a'), cache.get('b')]).toEqual([10, 2]);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new BoundedCache<string, number>(0)).toThrow(/positive integer/);
  });
});
