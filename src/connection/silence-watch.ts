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

/**
 * The least time between two probes of one host (see SilenceWatch.probe): while others wait for it, a host is
 * asked about once a second, so one that froze is asked within a second of it, and told within that and a grace.
 */
export const PROBE_INTERVAL_MS = 1_000;

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
  /** When the last probe was sent (see probe), and whether anything came from the host since. */
  private probedAt?: number;
  private probeAnswered = true;
  /** A probe asked for within the probe interval of the last one, sent when that interval is over. */
  private deferred?: NodeJS.Timeout;
  private readonly onData = () => {
    this.lastHeard = Date.now();
    this.probeAnswered = true;
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
    /** How long a probe may go unanswered (see probe). */
    private readonly graceMs = SILENCE_GRACE_MS,
    private readonly probeIntervalMs = PROBE_INTERVAL_MS,
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

  /**
   * Asks the host to answer now (`send` sends a keepalive that wants a reply): if nothing comes from it within
   * the grace, it is quiet then, instead of only once the keepalive interval and the grace have passed since
   * it was last heard. For a host the others are waiting for: a frozen one is told from a busy one (sshd
   * answers a keepalive whatever its commands do) up to the keepalive interval sooner. At most one probe per
   * probe interval (one asked for sooner is sent when it is over), and none while one waits for its answer.
   */
  probe(send: () => void): void {
    const now = Date.now();
    if (this.stopped || this.quiet || !this.probeAnswered) return;
    if (this.probedAt !== undefined && now - this.probedAt < this.probeIntervalMs) {
      // asked again too soon: sent once the probe interval since the last one is over (the host may freeze
      // between the two, and whoever asked may not ask again)
      if (this.deferred === undefined) {
        this.deferred = setTimeout(
          () => {
            this.deferred = undefined;
            this.probe(send);
          },
          this.probedAt + this.probeIntervalMs - now,
        );
        this.deferred.unref();
      }
      return;
    }
    try {
      send();
    } catch {
      return; // the transport is going away: its close tells
    }
    this.probedAt = now;
    this.probeAnswered = false;
    this.arm(this.dueIn(now));
  }

  /** The transport is gone; `why` when it went on its own (the listener is told). */
  stop(why?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deferred);
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

  /** Milliseconds until the host counts as quiet if nothing comes: the silence threshold, or an unanswered probe's grace. */
  private dueIn(now: number): number {
    const bySilence = this.lastHeard + this.thresholdMs - now;
    if (this.probeAnswered || this.probedAt === undefined) return bySilence;
    return Math.min(bySilence, this.probedAt + this.graceMs - now);
  }

  private check(): void {
    const left = this.dueIn(Date.now());
    if (left > 0) {
      this.arm(left);
      return;
    }
    // Timers run before the event loop polls for I/O: after the loop ran late, an answer may be waiting
    // unread. Look again once it has been read.
    setImmediate(() => {
      if (this.stopped || this.quiet) return;
      const left = this.dueIn(Date.now());
      if (left > 0) {
        this.arm(left);
        return;
      }
      this.quiet = true;
      this.listener?.silent(this.lastHeard);
    });
  }
}
