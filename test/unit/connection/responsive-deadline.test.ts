import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEADLINE_TICK_MS, ResponsiveDeadline } from '../../../src/connection/responsive-deadline.js';

describe('ResponsiveDeadline (connect timeout)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires once its budget of responsive time is spent, after pending I/O had its turn', async () => {
    const expired = vi.fn();
    new ResponsiveDeadline(2_000, expired);
    await vi.advanceTimersByTimeAsync(2_000 - DEADLINE_TICK_MS);
    expect(expired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(DEADLINE_TICK_MS);
    // the verdict waits for setImmediate: an answer already in the socket is read first
    expect(expired).not.toHaveBeenCalled();
    await vi.runOnlyPendingTimersAsync();
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('never fires once stopped (the host answered)', async () => {
    const expired = vi.fn();
    const deadline = new ResponsiveDeadline(1_000, expired);
    await vi.advanceTimersByTimeAsync(500);
    deadline.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('does not spend the host time while the controller was stalled (real timers, a blocked event loop)', async () => {
    vi.useRealTimers();
    const expired = vi.fn();
    const started = Date.now();
    new ResponsiveDeadline(2_000, expired);
    // the event loop blocked for 3 s (a heap snapshot, a starved process): a plain 2 s timer fires right after
    while (Date.now() - started < 3_000) {}
    await new Promise((r) => setTimeout(r, 500));
    expect(expired).not.toHaveBeenCalled();
    // responsive time goes on counting: the deadline does expire
    await vi.waitFor(() => expect(expired).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 100 });
  });
});
