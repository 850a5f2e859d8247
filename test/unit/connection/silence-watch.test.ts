/** SilenceWatch: a host is suspect once nothing came from it for the keepalive interval plus a grace. */
import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { SILENCE_GRACE_MS, SilenceWatch } from '../../../src/connection/silence-watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watched(intervalMs: number, thresholdMs?: number, graceMs?: number, probeIntervalMs?: number) {
  const incoming = new EventEmitter();
  const seen: string[] = [];
  const watch = new SilenceWatch(incoming, intervalMs, thresholdMs, graceMs, probeIntervalMs);
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

  test('a probe asked for too soon is sent once the grace is over, and unanswered makes the host quiet', async () => {
    const { incoming, seen, watch } = watched(10_000, 20_000, 60, 60);
    let sent = 0;
    watch.probe(() => sent++);
    incoming.emit('data', Buffer.from('reply'));
    // the host freezes now, and the one asking asks once, within the grace: nobody asks again
    watch.probe(() => sent++);
    expect(sent).toBe(1);
    await sleep(100);
    expect(sent).toBe(2);
    await sleep(100);
    expect(seen).toEqual(['silent']);
    watch.stop();
  });

  test('a probe unanswered for the grace makes the host quiet long before the silence threshold', async () => {
    const { seen, watch } = watched(10_000, 20_000, 60);
    let sent = 0;
    await sleep(20);
    watch.probe(() => sent++);
    await sleep(30);
    expect(seen).toEqual([]);
    await sleep(100);
    expect(seen).toEqual(['silent']);
    expect(sent).toBe(1);
    // a quiet host is not probed again: ssh2's keepalives and any byte from it decide from here
    watch.probe(() => sent++);
    expect(sent).toBe(1);
    watch.stop();
  });

  test('a probe answered (any byte) keeps the host heard; one probe per interval, none while one waits', async () => {
    const { incoming, seen, watch } = watched(10_000, 20_000, 80, 80);
    let sent = 0;
    watch.probe(() => sent++);
    watch.probe(() => sent++); // its answer has not come: nothing more is sent
    expect(sent).toBe(1);
    await sleep(20);
    incoming.emit('data', Buffer.from('reply'));
    watch.probe(() => sent++); // answered, but within the probe interval: sent when it is over
    watch.probe(() => sent++); // asked for again meanwhile: still one probe then
    expect(sent).toBe(1);
    await sleep(100);
    expect(sent).toBe(2);
    incoming.emit('data', Buffer.from('reply'));
    await sleep(150);
    expect(seen).toEqual([]);
    expect(sent).toBe(2);
    // a transport that throws on send: no probe is counted, the watch goes on as before
    await sleep(0);
    const thrown = watched(10_000, 20_000, 30);
    thrown.watch.probe(() => {
      throw new Error('write after end');
    });
    await sleep(80);
    expect(thrown.seen).toEqual([]);
    thrown.watch.stop();
    watch.stop();
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
