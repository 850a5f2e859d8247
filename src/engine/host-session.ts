import type { Connection, ConnectionStats, RemoteFile } from '../connection/types.js';
import { HostFacts, type KeptReads } from '../facts/host-facts.js';

/** What a host's connections did over the run, and how many were opened (a host let go between plays reconnects). */
export interface SessionConnectionStats extends ConnectionStats {
  opened: number;
}

/**
 * Everything sshplay holds for one host during a run: its connection, facts cache and variables set by tasks.
 * The connection and its cache may be let go between plays (release) and opened again when the host is needed:
 * what the run must keep (gathered facts, registered values, check mode's would-be files, counters) stays here.
 */
export class HostSession {
  conn?: Connection;
  facts?: HostFacts;
  /** Facts gathered at the first play (ansible_* names). */
  gathered: Record<string, unknown> = {};
  /** `register` results and `set_fact` values: host variables for the rest of the run. */
  setVars: Record<string, unknown> = {};
  private status: 'ok' | 'failed' | 'unreachable' = 'ok';
  /** Files a no_log task wrote: their diffs are hidden for the rest of the run. */
  readonly secretFiles = new Set<string>();
  /** Another host's task ran here (delegate_to): its connection may be in use by that host, so it is never released. */
  delegatedTo = false;
  /** Check mode's would-be files: they outlive the connection (a later play's diff shows the earlier play's write). */
  private readonly wouldBeFiles = new Map<string, RemoteFile>();
  /** Counters of the connections already closed (a released host reconnects). */
  private readonly closedStats: ConnectionStats = { execChannels: 0, commands: 0, roundTrips: 0, sftpOps: 0 };
  private connected = false;
  private opened = 0;
  private opening?: Promise<Connection>;
  /** What the last connection's cache had read, kept for the next one (see release). */
  private keptReads?: KeptReads;
  /** While the host is suspect: when it was last heard. */
  private silentSince?: number;
  /** The last time the host was heard again after a silence, and since when it had been silent. */
  lastSilence?: { from: number; to: number };
  /** Its connection went away on its own (the host was given up): why. */
  lostWhy?: string;
  /**
   * The other hosts went on to the next play while this one was suspect (see Scheduler): it starts no
   * further task, and ends failed or unreachable.
   */
  behind?: { play: string; since: number };

  /**
   * `onStateChange`: told when the host fails or becomes unreachable (magic variables list the hosts still
   * going). `onSuspectChange`: told when it goes quiet, is heard again, or its connection is lost.
   */
  constructor(
    readonly name: string,
    private readonly onStateChange?: () => void,
    private readonly onSuspectChange?: (session: HostSession) => void,
  ) {}

  /**
   * A keepalive went unanswered for an interval and nothing has come from the host since: it may be frozen
   * (hung kernel, stuck NFS mount). Not a failure: ssh2 gives it up only after KEEPALIVE_COUNT_MAX probes, and
   * any byte from it clears this. The scheduler does not make the other hosts wait for a suspect host.
   */
  get suspect(): boolean {
    return this.silentSince !== undefined;
  }

  /** While suspect: when the host was last heard. */
  get quietSince(): number | undefined {
    return this.silentSince;
  }

  get state(): 'ok' | 'failed' | 'unreachable' {
    return this.status;
  }

  set state(state: 'ok' | 'failed' | 'unreachable') {
    if (state === this.status) return;
    this.status = state;
    this.onStateChange?.();
  }

  get hasGathered(): boolean {
    return Object.keys(this.gathered).length > 0;
  }

  async connection(open: () => Promise<Connection>): Promise<Connection> {
    if (this.conn) return this.conn;
    this.opening ??= open();
    const conn = await this.opening;
    if (this.conn) return this.conn;
    this.conn = conn;
    this.connected = true;
    this.opened++;
    this.lostWhy = undefined;
    this.facts = new HostFacts(conn, this.wouldBeFiles, this.keptReads);
    this.keptReads = undefined;
    conn.watchSilence?.({
      silent: (since) => {
        if (this.conn !== conn) return;
        this.silentSince = since;
        this.onSuspectChange?.(this);
      },
      heard: (at) => {
        if (this.conn !== conn || this.silentSince === undefined) return;
        this.lastSilence = { from: this.silentSince, to: at };
        this.silentSince = undefined;
        this.onSuspectChange?.(this);
      },
      lost: (why) => {
        if (this.conn !== conn) return;
        this.lostWhy = why;
        this.onSuspectChange?.(this);
      },
    });
    return conn;
  }

  /** Others wait for this host: ask it to answer now, so that a frozen one goes quiet sooner (Connection.probeSilence). */
  probe(): void {
    if (this.silentSince === undefined) this.conn?.probeSilence?.();
  }

  /** The host was connected before in this run (a connection opened now is a reconnect). */
  get wasConnected(): boolean {
    return this.connected;
  }

  /** What this host's connections did over the run (undefined: never connected). */
  get connectionStats(): SessionConnectionStats | undefined {
    if (!this.connected) return undefined;
    const live = this.conn?.stats;
    const sum = { ...this.closedStats };
    if (live) for (const key of Object.keys(sum) as (keyof ConnectionStats)[]) sum[key] += live[key];
    return { ...sum, opened: this.opened };
  }

  /**
   * Closes the connection; what its cache had read is kept for the next connection: nothing the run does changes
   * a host while it waits for its next play (a host kept open keeps its cache just so), and a host of a large
   * fleet, let go after each play, would otherwise read everything again at every play. Gathered facts and what
   * tasks set are kept too.
   */
  async release(): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    this.keptReads = await this.facts?.kept();
    const stats = conn.stats;
    for (const key of Object.keys(this.closedStats) as (keyof ConnectionStats)[]) this.closedStats[key] += stats[key];
    this.conn = undefined;
    this.facts = undefined;
    this.opening = undefined;
    // a closed connection says nothing about the host: it is no longer suspect
    if (this.silentSince !== undefined) {
      this.silentSince = undefined;
      this.onSuspectChange?.(this);
    }
    await conn.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.conn?.close().catch(() => undefined);
  }
}
