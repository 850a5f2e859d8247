/**
 * A play's hosts as ansible-core's linear strategy schedules them: batch by batch (`serial`), at most
 * `forks` hosts working at once; with any_errors_fatal the batch goes task by task together and a failure
 * stops every host before its next task. Between batches: max_fail_percentage, and a whole failed batch,
 * stop the play.
 */
import pLimit from 'p-limit';
import type { Play } from '../playbook/types.js';
import { Barrier } from './barrier.js';
import { batchExceedsFailLimit, computeBatches } from './batches.js';
import { type HostPlay, runHostPlay } from './host-play.js';
import { runInclude } from './include-executor.js';
import { Laggards } from './laggards.js';
import type { RunContext } from './run-context.js';
import { RunOnce } from './run-once.js';

export interface PlayOutcome {
  /** The run stops here (fail limit, any_errors_fatal, Ctrl-C). */
  stop: boolean;
  /** Hosts any_errors_fatal stopped. */
  stoppedByFatal: string[];
}

type Slot = ReturnType<typeof pLimit>;

export class Scheduler {
  /** Hosts the others went on without (a frozen host): the run waits for them before its recap. */
  readonly laggards: Laggards;

  constructor(
    private readonly run: RunContext,
    /** Hosts whose batch never started, and why. */
    private readonly notStarted: Record<string, string>,
  ) {
    this.laggards = new Laggards(run);
  }

  /** `morePlays`: plays follow this one (going on without a suspect host helps only then, or before a later batch). */
  async runPlay(play: Play, startAt?: string, morePlays = false): Promise<PlayOutcome> {
    const run = this.run;
    const all = run.input.hostsFor(play.hosts);
    // a host left behind by an earlier play joins no later one (it would run them out of order)
    const hosts = all.filter((h) => this.going(h));
    run.emit({ type: 'play_start', play: play.name, hosts, check: run.options.check });
    const outcome: PlayOutcome = { stop: false, stoppedByFatal: [] };
    if (hosts.length === 0) return outcome;
    const batches = computeBatches(hosts, play.serial);
    const slot = pLimit(Math.max(1, run.options.forks));
    for (const [index, batch] of batches.entries()) {
      const rest = batches.slice(index + 1).flat();
      if (run.interrupted()) {
        this.markNotStarted(play, batches.slice(index).flat(), 'interrupted (Ctrl-C) before this batch started');
        return { ...outcome, stop: true };
      }
      if (batches.length > 1) run.emit({ type: 'batch_start', play: play.name, batch: index + 1, hosts: batch });
      run.variables.setBatch(play, batch);
      const fatal = await this.runBatch(play, batch, { startAt, slot, laterBatch: rest.length > 0, morePlays });
      // a host left behind ends failed or unreachable: it counts as failed for the fail limits now
      const failedInBatch = batch.filter((h) => !this.going(h)).length;
      if (fatal) {
        outcome.stoppedByFatal = [...batch, ...rest].filter((h) => this.going(h));
        this.markNotStarted(play, rest, 'any_errors_fatal: a host failed');
        return { ...outcome, stop: true };
      }
      if (batchExceedsFailLimit(failedInBatch, batch.length, play.maxFailPercentage)) {
        this.markNotStarted(
          play,
          rest,
          `max_fail_percentage ${play.maxFailPercentage}% exceeded: ${failedInBatch} of ${batch.length} hosts failed in batch ${index + 1}`,
        );
        return { ...outcome, stop: true };
      }
      if (play.serial.length > 0 && failedInBatch === batch.length && rest.length > 0) {
        // Ansible stops a serial play when a whole batch failed: the next batch would very likely fail too.
        this.markNotStarted(play, rest, `every host of batch ${index + 1} failed`);
        return { ...outcome, stop: true };
      }
    }
    return outcome;
  }

  /**
   * One batch. Without any_errors_fatal each host goes at its own pace in a fork slot; with it the hosts
   * go task by task together (Ansible's linear strategy), fork slots held per task, not per host.
   * Returns true when any_errors_fatal must stop the run.
   */
  /** Whether the host is still in the run: not failed, unreachable or left behind. */
  private going(host: string): boolean {
    const session = this.run.sessions.session(host);
    return session.state === 'ok' && !session.behind;
  }

  /**
   * `laterBatch`, `morePlays`: what runs after this batch. Leaving a suspect host behind lets the hosts of a
   * later batch, or this batch's healthy hosts in later plays, get on; at the run's last batch it would only
   * fail that host for nothing.
   */
  private async runBatch(
    play: Play,
    batch: string[],
    options: { startAt?: string; slot: Slot; laterBatch: boolean; morePlays: boolean },
  ): Promise<boolean> {
    const run = this.run;
    const once = new RunOnce(run, play, batch);
    // With fewer fork slots than hosts, a run_once waits only for hosts that hold one (a host still
    // waiting for a slot takes the result when it gets there); otherwise for the whole batch.
    const slotsForAll = play.anyErrorsFatal || run.options.forks >= batch.length;
    if (slotsForAll) for (const host of batch) once.start(host);
    const hostPlay = (host: string, pacing: Omit<HostPlay['pacing'], 'once'>): HostPlay => ({
      play,
      session: run.sessions.session(host),
      startAt: options.startAt,
      pacing: { ...pacing, once: (task, runHere) => once.task(host, task, runHere) },
      include: (node, session) => runInclude(run, { play, session, include: node }),
    });
    if (!play.anyErrorsFatal) {
      const working = new Map<string, Promise<void>>();
      for (const host of batch) {
        const work = options.slot(async () => {
          try {
            once.start(host);
            // the host holds its slot for the play: a nested slot would wait for itself
            await runHostPlay(run, hostPlay(host, { slot: (work) => work() }));
          } finally {
            once.done(host);
            await this.laggards.finish(play, run.sessions.session(host));
            await run.sessions.playDone(play, host);
          }
        });
        working.set(
          host,
          work.then(() => {
            working.delete(host);
          }),
        );
      }
      const plays = [...working.values()];
      // The play ends for the others when only suspect hosts are still in it (and someone goes on after it).
      const mayLeave = () =>
        options.laterBatch ||
        (options.morePlays && batch.some((h) => !working.has(h) && run.sessions.session(h).state === 'ok'));
      const behind = await this.laggards.untilOnlySuspectsLeft(working, mayLeave);
      this.laggards.leave(
        play,
        behind,
        behind.map((h) => working.get(h) as Promise<void>),
      );
      // run_once meetings of this batch may still see a host left behind arrive: stop watching only after it
      Promise.allSettled(plays).then(() => once.close());
      return false;
    }
    // any_errors_fatal: the lockstep waits for a suspect host too (Barrier counts every host still in the play).
    // Its promise is that no host runs a task past one another host failed, and a silent host may yet fail:
    // Ansible's linear strategy counts an unreachable host as a failure there. Going on without it would break
    // that promise, and buy nothing: a frozen host ends unreachable, which stops the play for everyone anyway.
    const barrier = new Barrier(batch.length);
    const failed = () => batch.filter((h) => run.sessions.session(h).state !== 'ok');
    const stopped = new Set<string>();
    const gate = async (host: string): Promise<boolean> => {
      await barrier.arrive();
      if (failed().length === 0) return true;
      stopped.add(host);
      return false;
    };
    await Promise.all(
      batch.map(async (host) => {
        try {
          await runHostPlay(run, hostPlay(host, { slot: options.slot, gate: () => gate(host) }));
        } finally {
          once.done(host);
          barrier.leave();
          await run.sessions.playDone(play, host);
        }
      }),
    );
    once.close();
    const bad = failed();
    if (bad.length === 0) return false;
    const rest = batch.filter((h) => stopped.has(h) && run.sessions.session(h).state === 'ok');
    run.emit({
      type: 'warning',
      msg: `any_errors_fatal: ${bad.join(', ')} failed${rest.length ? `; no further task ran on ${rest.join(', ')}` : ''}`,
    });
    return true;
  }

  private markNotStarted(play: Play, hosts: string[], reason: string): void {
    if (hosts.length === 0) return;
    for (const host of hosts) {
      this.run.sessions.session(host);
      this.notStarted[host] ??= reason;
    }
    this.run.emit({ type: 'hosts_not_started', play: play.name, hosts, reason });
  }
}
