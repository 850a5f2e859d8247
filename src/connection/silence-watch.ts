/**
 * Whether a host has gone quiet: no byte from it for longer than a keepalive answer can take. ssh2 gives no
 * event for an unanswered keepalive (lib/client.js counts them in a closure and only reports the last one,
 * as the 'client-timeout' error that gives the host up), so this watches what comes in on the transport.
 * ssh2 probes every keepalive interval whatever else flows and restarts its timer on each answer, so a live
 * host's answers are at most interval + round trip apart: silence past the interval plus a grace means a probe
 * went unanswered. Any byte from the host clears it.
 */

/** What the watch tells: the host went quiet (the time it was last heard) and spoke again. */
export interface SilenceListener {
  silent(since: number): void;
  heard(at: number): void;
  /** The transport went away on its own (not closed by us): why. */
  lost?(why: string): void;
}

/**
 * Room over the keepalive interval before a host counts as quiet: a round trip, and a loaded host's sshd
 * answering late (a healthy host taken for a frozen one is left behind by the others and fails, so the margin
 * is generous: 3 s, measured to cost the others little since they wait for a suspect host only at a play's end).
 */
export const SILENCE_GRACE_MS = 3_000;

interface Incoming {
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  off(event: 'data', listener: (chunk: unknown) => void): unknown;
}

export class SilenceWatch {
  private lastHeard = Date.now();
  private quiet = false;
  private timer?: NodeJS.Timeout;
  private listener?: SilenceListener;
  private stopped = false;
  private readonly onData = () => {
    this.lastHeard = Date.now();
    if (!this.quiet) return;
    this.quiet = false;
    this.listener?.heard(this.lastHeard);
    this.arm(this.thresholdMs);
  };

  constructor(
    private readonly incoming: Incoming,
    /** ssh2's keepaliveInterval: the longest a live host stays silent, give or take a round trip. */
    intervalMs: number,
    private readonly thresholdMs = intervalMs + SILENCE_GRACE_MS,
  ) {
    incoming.on('data', this.onData);
    this.arm(this.thresholdMs);
  }

  get silent(): boolean {
    return this.quiet;
  }

  /** One listener: the host's session. */
  listen(listener: SilenceListener): void {
    this.listener = listener;
    if (this.quiet) listener.silent(this.lastHeard);
  }

  /** The transport is gone; `why` when it went on its own (the listener is told). */
  stop(why?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.incoming.off('data', this.onData);
    if (why !== undefined) this.listener?.lost?.(why);
  }

  /** One timer per connection, armed for when the silence would pass the threshold (no polling). */
  private arm(inMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.check(), Math.max(1, inMs));
    // an idle watch must not keep the run alive
    this.timer.unref();
  }

  private check(): void {
    const left = this.lastHeard + this.thresholdMs - Date.now();
    if (left > 0) {
      this.arm(left);
      return;
    }
    // Timers run before the event loop polls for I/O: after the loop ran late, an answer may be waiting
    // unread. Look again once it has been read.
    setImmediate(() => {
      if (this.stopped || this.quiet) return;
      const left = this.lastHeard + this.thresholdMs - Date.now();
      if (left > 0) {
        this.arm(left);
        return;
      }
      this.quiet = true;
      this.listener?.silent(this.lastHeard);
    });
  }
}
