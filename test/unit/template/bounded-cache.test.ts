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

  it('drops the least recently used entry, not the oldest read one', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new BoundedCache<string, number>(0)).toThrow(/positive integer/);
  });
});
