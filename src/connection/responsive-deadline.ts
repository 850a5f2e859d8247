/**
 * A deadline that counts only the time the controller was there to hear an answer. One Node process talks to
 * every host: while it is busy (a long synchronous stretch, a heap snapshot, a machine so loaded that the process
 * is not scheduled), answers that arrived wait unread in the socket, and a plain timer would fire first (timers
 * run before pending I/O in Node's event loop) and blame the host. Here time is counted in ticks; a tick that
 * comes late counts as two at most, so a stall of the controller does not spend the host's time; and the verdict
 * waits one turn of the loop (setImmediate runs after pending I/O), so an answer already in the socket still wins.
 * OpenSSH has no such problem to solve: each ssh client is its own process with its own poll().
 */
export const DEADLINE_TICK_MS = 250;

export class ResponsiveDeadline {
  private counted = 0;
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;
  private done = false;

  constructor(
    private readonly budgetMs: number,
    private readonly onExpired: () => void,
    private readonly tickMs = DEADLINE_TICK_MS,
  ) {
    this.timer = setInterval(() => this.tick(), tickMs);
    // a pending deadline must not keep the process alive by itself
    this.timer.unref();
  }

  /** The answer came (or the attempt ended otherwise): the deadline no longer matters. */
  stop(): void {
    this.done = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    // a tick that comes late: the controller was away; it counts two ticks at most
    this.counted += Math.min(now - this.last, 2 * this.tickMs);
    this.last = now;
    if (this.done || this.counted < this.budgetMs) return;
    clearInterval(this.timer);
    setImmediate(() => {
      if (this.done) return;
      this.done = true;
      this.onExpired();
    });
  }
}
