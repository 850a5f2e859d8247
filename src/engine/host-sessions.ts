/**
 * The hosts of a run: one session each (connection, facts cache, variables set by tasks), opened at the
 * first task that needs the host and gathered right after it connects.
 */
import type { Connection } from '../connection/types.js';
import { ConnectionError } from '../errors.js';
import type { Play } from '../playbook/types.js';
import { emptyStats, type HostStats } from './events.js';
import { GATHER_REQUESTS, gatherFacts } from './gather.js';
import { HostSession } from './host-session.js';
import { redact } from './redaction.js';
import { HostStopped, type RunContext } from './run-context.js';

export class HostSessions {
  private readonly byName = new Map<string, HostSession>();
  /** Hosts whose connection stays open between plays (see playDone). */
  private readonly keptOpen = new Set<string>();
  /** Bumped whenever a host's state changes: what lists the hosts still going can be kept until it moves. */
  stateChanges = 0;
  /** Recap counters of the hosts plays ran on (a host only delegated to has none). */
  readonly stats: Record<string, HostStats> = {};
  /** Told when a host goes quiet, is heard again or loses its connection (whoever waits for hosts re-checks). */
  private readonly suspectWatchers = new Set<(session: HostSession) => void>();

  constructor(private readonly run: () => RunContext) {}

  /** A play host's session: it gets recap counters. */
  session(host: string): HostSession {
    const session = this.delegate(host);
    this.stats[host] ??= emptyStats();
    return session;
  }

  statsOf(host: string): HostStats {
    this.session(host);
    return this.stats[host] as HostStats;
  }

  /** A session for a host tasks are delegated to: connected like any other, not in the recap. */
  delegate(host: string): HostSession {
    let session = this.byName.get(host);
    if (!session) {
      session = new HostSession(
        host,
        () => this.stateChanges++,
        (changed) => {
          for (const watcher of [...this.suspectWatchers]) watcher(changed);
        },
      );
      this.byName.set(host, session);
    }
    return session;
  }

  /** `watcher` is told of every change of a host's suspect flag or connection loss, until the returned stop is called. */
  watchSuspects(watcher: (session: HostSession) => void): () => void {
    this.suspectWatchers.add(watcher);
    return () => this.suspectWatchers.delete(watcher);
  }

  find(host: string): HostSession | undefined {
    return this.byName.get(host);
  }

  all(): HostSession[] {
    return [...this.byName.values()];
  }

  /** The play hosts (those with counters). */
  playHosts(): HostSession[] {
    return this.all().filter((session) => session.name in this.stats);
  }

  /**
   * The host's connection, opened once; facts are gathered right after it opens. An unreachable host
   * is reported (as `connect` failing on `reportedAs`) and stops.
   */
  async connect(play: Play, session: HostSession, reportedAs: HostSession = session): Promise<Connection> {
    if (reportedAs !== session) session.delegatedTo = true;
    if (session.conn) return session.conn;
    const run = this.run();
    // Only connection variables matter here; play vars may depend on facts not gathered yet.
    const vars = run.variables.connectionVars(session.name);
    try {
      const reconnect = session.wasConnected;
      const open = async () => {
        try {
          return await run.input.connect(session.name, vars);
        } catch (e) {
          // A host let go between plays (sshplay's choice, not the user's) answered a play ago: a reconnect that
          // times out, at a play's start when many hosts reconnect at once, is tried once more. A first connect
          // is not: a host that does not answer is unreachable within the timeout the user set.
          if (reconnect && e instanceof ConnectionError && e.timedOut) return run.input.connect(session.name, vars);
          throw e;
        }
      };
      const conn = await session.connection(open);
      const facts = session.facts as NonNullable<HostSession['facts']>;
      if (!session.hasGathered) {
        // Paths and packages depend on the OS, so the play's reads are known only after gathering:
        // one round trip for the facts, then the first task prefetches what the whole play wants.
        await facts.prefetch(GATHER_REQUESTS);
        session.gathered = await gatherFacts(facts);
        run.readAhead.markStale(session.name);
      }
      return conn;
    } catch (e) {
      if (e instanceof ConnectionError) {
        const why = reportedAs === session ? e.message : `delegate_to ${session.name}: ${e.message}`;
        this.unreachable(play, reportedAs, why);
        throw new HostStopped();
      }
      throw e;
    }
  }

  unreachable(play: Play, session: HostSession, msg: string): void {
    const run = this.run();
    session.state = 'unreachable';
    run.stats(session.name).unreachable++;
    const secrets = run.secrets.secretsOf(run.variables.connectionVars(session.name));
    run.emit({
      type: 'task_result',
      play: play.name,
      task: 'connect',
      host: session.name,
      status: 'unreachable',
      handler: false,
      msg: redact(msg, secrets),
      durationMs: 0,
    });
  }

  /**
   * A host went through a play: its variables for that play are dropped, and its connection and read cache
   * are let go unless it is one of the hosts kept open (at most `keptOpenLimit()`, the first to get there:
   * plays walk their hosts in the same order, so those are the first needed again; a host released reconnects
   * when a later play needs it). What the run holds then grows with forks, not with the fleet.
   */
  async playDone(play: Play, host: string): Promise<void> {
    this.run().variables.forgetPlay(play, host);
    const session = this.byName.get(host);
    if (!session?.conn || session.delegatedTo) return;
    if (session.state === 'ok' && (this.keptOpen.has(host) || this.keptOpen.size < this.keptOpenLimit())) {
      this.keptOpen.add(host);
      return;
    }
    this.keptOpen.delete(host);
    await session.release();
  }

  /**
   * How many idle hosts keep their connection between plays: as many as the fork slots. A fleet that fits in
   * its forks never reconnects; a larger one holds at most twice its forks' connections, and each host past
   * that reconnects once per play (a handshake, measured at a few ms of controller CPU) instead of the
   * controller holding every host's connection for the whole run.
   */
  private keptOpenLimit(): number {
    return Math.max(1, this.run().options.forks);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((session) => session.close()));
  }
}
