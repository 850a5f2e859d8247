/**
 * The engine: runs a playbook's plays in order and reports. Its parts, as ansible-core's executor has them:
 * the scheduler (batches, forks, lockstep), the play iterator (which task next: blocks, rescue, always,
 * tags, start-at-task), the task executor (vars, loop, when, plan, apply, register), the read-ahead (reads
 * fetched in one round trip), variables, sessions (connect and gather), redaction and event shaping.
 */
import type { RunResult } from '../connection/types.js';
import type { Play } from '../playbook/types.js';
import type { EngineEvent, HostStats } from './events.js';
import type { SessionConnectionStats } from './host-session.js';
import { HostSessions } from './host-sessions.js';
import { LocalFiles } from './local-files.js';
import { ReadAhead } from './read-ahead.js';
import { SecretFinder } from './redaction.js';
import type { EngineInput, EngineOptions, RunContext } from './run-context.js';
import { Scheduler } from './scheduler.js';
import { Variables } from './variables.js';

export type { EngineInput, EngineOptions } from './run-context.js';

export interface RunSummary {
  stats: Record<string, HostStats>;
  failed: string[];
  unreachable: string[];
  notStarted: Record<string, string>;
  /** Hosts any_errors_fatal stopped (no further task ran on them, or their batch never started). */
  stoppedByFatal: string[];
  interrupted: boolean;
  /** Connection counters per host (for the benchmark). */
  connectionStats: Record<string, SessionConnectionStats>;
}

export class Engine {
  private readonly context: RunContext;
  private readonly notStarted: Record<string, string> = {};
  private readonly stoppedByFatal = new Set<string>();
  private interrupted = false;

  constructor(input: EngineInput, options: EngineOptions) {
    const context = (): RunContext => this.context;
    const sessions = new HostSessions(context);
    this.context = {
      input,
      options,
      sessions,
      variables: new Variables(context),
      readAhead: new ReadAhead(context),
      localFiles: new LocalFiles(),
      secrets: new SecretFinder(input.playbook.keyring),
      emit: (event: EngineEvent) => input.reporter.emit(event),
      stats: (host) => sessions.statsOf(host),
      interrupted: () => this.interrupted,
    };
    // a signal already aborted fires no event
    this.interrupted = input.signal?.aborted ?? false;
    input.signal?.addEventListener('abort', () => {
      this.interrupted = true;
    });
  }

  async run(): Promise<RunSummary> {
    const started = Date.now();
    const { sessions } = this.context;
    const scheduler = new Scheduler(this.context, this.notStarted);
    try {
      let startAt = this.context.options.startAtTask;
      const plays = this.context.input.playbook.plays;
      for (const [index, play] of plays.entries()) {
        if (this.interrupted) break;
        // --start-at-task: plays before the one holding the task are skipped, and in that play every
        // host starts at the task (decided once per play, not by whichever host gets there first).
        if (startAt !== undefined && !holdsTask(play, startAt)) continue;
        const outcome = await scheduler.runPlay(play, startAt, index < plays.length - 1);
        startAt = undefined;
        for (const host of outcome.stoppedByFatal) this.stoppedByFatal.add(host);
        if (outcome.stop) break;
      }
      // hosts the others went on without end unreachable or failed: the recap and retry file must say which
      await scheduler.laggards.settled();
    } finally {
      await sessions.closeAll();
    }
    const playHosts = sessions.playHosts();
    const summary: RunSummary = {
      stats: sessions.stats,
      failed: playHosts.filter((session) => session.state === 'failed').map((session) => session.name),
      unreachable: playHosts.filter((session) => session.state === 'unreachable').map((session) => session.name),
      notStarted: this.notStarted,
      stoppedByFatal: [...this.stoppedByFatal],
      interrupted: this.interrupted,
      connectionStats: Object.fromEntries(
        sessions.all().flatMap((session) => {
          const stats = session.connectionStats;
          return stats ? [[session.name, stats]] : [];
        }),
      ),
    };
    this.context.emit({
      type: 'recap',
      stats: sessions.stats,
      notStarted: this.notStarted,
      durationMs: Date.now() - started,
      interrupted: this.interrupted,
    });
    return summary;
  }
}

function holdsTask(play: Play, name: string): boolean {
  return play.tasks.some((task) => task.name === name);
}

export type { RunResult };
