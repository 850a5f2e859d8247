import { describe, expect, test } from 'vitest';
import { batchExceedsFailLimit, computeBatches } from '../../../src/engine/batches.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const sizes = (n: number, serial: (number | string)[]) => computeBatches(hosts(n), serial).map((b) => b.length);

describe('computeBatches', () => {
  test.each<[number, (number | string)[], number[]]>([
    [5, [], [5]],
    [0, [], []],
    [0, [2], []],
    [5, [1], [1, 1, 1, 1, 1]],
    [5, [2], [2, 2, 1]],
    [5, [10], [5]],
    [8, ['25%'], [2, 2, 2, 2]],
    [10, ['25%'], [2, 2, 2, 2, 2]],
    [3, ['25%'], [1, 1, 1]],
    [4, ['50%'], [2, 2]],
    [10, ['100%'], [10]],
    [20, [1, 5, '25%'], [1, 5, 5, 5, 4]],
    [3, [1, 5, '25%'], [1, 2]],
    [10, [1, 2], [1, 2, 2, 2, 2, 1]],
    [4, [2.9], [2, 2]],
    [4, [0], [1, 1, 1, 1]],
    [3, ['0%'], [1, 1, 1]],
  ])('%d hosts, serial %j -> %j', (n, serial, expected) => {
    expect(sizes(n, serial)).toEqual(expected);
  });

  test('every host once, in order', () => {
    const batches = computeBatches(hosts(20), [1, 5, '25%']);
    expect(batches.flat()).toEqual(hosts(20));
    expect(batches[0]).toEqual(['h1']);
    expect(batches[1]).toEqual(['h2', 'h3', 'h4', 'h5', 'h6']);
  });

  test('the input is not modified and batches are new arrays', () => {
    const input = hosts(3);
    const [only] = computeBatches(input, []);
    expect(only).toEqual(input);
    expect(only).not.toBe(input);
  });
});

describe('batchExceedsFailLimit', () => {
  test.each<[number, number, number | undefined, boolean]>([
    [1, 4, undefined, false],
    [4, 4, undefined, false],
    [1, 4, 25, false],
    [2, 4, 25, true],
    [1, 4, 24, true],
    [0, 4, 0, false],
    [1, 4, 0, true],
    [4, 4, 100, false],
    [1, 3, 33, true],
    [1, 3, 34, false],
    [0, 0, 0, false],
  ])('%d of %d failed, max %s%% -> %s', (failed, size, max, expected) => {
    expect(batchExceedsFailLimit(failed, size, max)).toBe(expected);
  });
});
