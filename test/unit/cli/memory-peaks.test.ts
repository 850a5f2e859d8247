import { expect, it } from 'vitest';
import { sampleMemoryPeaks } from '../../../src/cli/memory-peaks.js';

it('records the highest heap and resident size seen, including memory still held at the stop', () => {
  const before = process.memoryUsage();
  const sampler = sampleMemoryPeaks(10_000);
  // About 40 MB of live objects held across the stop: the final sample must see them.
  const held = Array.from({ length: 400_000 }, (_, i) => ({ i, text: `entry ${i}`, more: [i, i + 1] }));
  const peaks = sampler.stop();
  expect(held.length).toBe(400_000);
  expect(peaks.samples).toBeGreaterThanOrEqual(1);
  expect(peaks.heapUsedKb * 1024).toBeGreaterThan(before.heapUsed + 20 * 1024 * 1024);
  expect(peaks.rssKb).toBeGreaterThanOrEqual(peaks.heapUsedKb);
  expect(peaks.externalKb).toBeGreaterThan(0);
});
