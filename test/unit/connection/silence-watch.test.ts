/** SilenceWatch: a host is suspect once nothing came from it for the keepalive interval plus a grace. */
import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { SILENCE_GRACE_MS, SilenceWatch } from '../../../src/connection/silence-watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watched(intervalMs: number, thresholdMs?: number) {
  const incoming = new EventEmitter();
  const seen: string[] = [];
  const watch = new SilenceWatch(incoming, intervalMs, thresholdMs);
  watch.listen({
    silent: () => seen.push('silent'),
    heard: () => seen.push('heard'),
    lost: (why) => seen.push(`lost: ${why}`),
  });
  return { incoming, seen, watch };
}

describe('SilenceWatch', () => {
  test('a host that keeps answering (as keepalive answers do) is never suspect', async () => {
    const { incoming, seen, watch } = watched(40, 80);
    for (let i = 0; i < 8; i++) {
      await sleep(40);
      incoming.emit('data', Buffer.from('x'));
    }
    expect(seen).toEqual([]);
    expect(watch.silent).toBe(false);
    watch.stop();
  });

  test('silent past the threshold: suspect once; any byte clears it; silent again: suspect again', async () => {
    const { incoming, seen, watch } = watched(30, 60);
    await sleep(120);
    expect(seen).toEqual(['silent']);
    expect(watch.silent).toBe(true);
    incoming.emit('data', Buffer.from('x'));
    expect(seen).toEqual(['silent', 'heard']);
    await sleep(120);
    expect(seen).toEqual(['silent', 'heard', 'silent']);
    watch.stop();
  });

  test('the transport lost on its own is told; closed by us, nothing is', async () => {
    const a = watched(1_000, 2_000);
    a.watch.stop('connection closed');
    expect(a.seen).toEqual(['lost: connection closed']);
    const b = watched(1_000, 2_000);
    b.watch.stop();
    b.incoming.emit('data', Buffer.from('x'));
    expect(b.seen).toEqual([]);
    expect(b.incoming.listenerCount('data')).toBe(0);
  });

  test('the default threshold is the interval plus a grace: a live host answers within interval + round trip', async () => {
    const { seen, watch } = watched(50);
    // interval 50 ms: quiet only past 50 ms + SILENCE_GRACE_MS
    await sleep(SILENCE_GRACE_MS - 200);
    expect(seen).toEqual([]);
    await sleep(800);
    expect(seen).toEqual(['silent']);
    watch.stop();
  });
});
