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
  constructor(
    private readonly run: RunContext,
    /** Hosts whose batch never started, and why. */
    private readonly notStarted: Record<string, string>,
  ) {}

  async runPlay(play: Play, startAt?: string): Promise<PlayOutcome> {
    const run = this.run;
    const all = run.input.hostsFor(play.hosts);
    const hosts = all.filter((h) => run.sessions.session(h).state === 'ok');
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
      const fatal = await this.runBatch(play, batch, { startAt, slot });
      const failedInBatch = batch.filter((h) => run.sessions.session(h).state !== 'ok').length;
      if (fatal) {
        outcome.stoppedByFatal = [...batch, ...rest].filter((h) => run.sessions.session(h).state === 'ok');
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
  private async runBatch(play: Play, batch: string[], options: { startAt?: string; slot: Slot }): Promise<boolean> {
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
      await Promise.all(
        batch.map((host) =>
          options.slot(async () => {
            try {
              once.start(host);
              // the host holds its slot for the play: a nested slot would wait for itself
              await runHostPlay(run, hostPlay(host, { slot: (work) => work() }));
            } finally {
              once.done(host);
              await run.sessions.playDone(play, host);
            }
          }),
        ),
      );
      return false;
    }
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
