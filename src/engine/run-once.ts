/**
 * `run_once` as Ansible runs it: the task runs for the first host of the batch (in inventory order) and
 * its result is every host's: each registers it, gets its facts and notifies its handlers. The batch's
 * hosts meet at the task first (a host that finished the play is not waited for, nor a suspect one: gone
 * quiet, maybe frozen); a failure fails every host of the batch, as in Ansible's strategy.
 */
import type { Play, Task } from '../playbook/types.js';
import type { RunContext, Vars } from './run-context.js';
import { keepResult } from './task-executor.js';
import type { TaskOutcome } from './task-outcome.js';

interface Meeting {
  expected: readonly string[];
  arrived: string[];
  released: boolean;
  release: () => void;
  met: Promise<void>;
  leader?: string;
  /** The leader's outcome; undefined when it could not run it (unreachable): each host then runs its own. */
  outcome: Promise<TaskOutcome | undefined>;
  settle: (outcome: TaskOutcome | undefined) => void;
}

export class RunOnce {
  /** Hosts working on the play now: a meeting waits for these. */
  private readonly running = new Set<string>();
  private readonly finished = new Set<string>();
  /** Per task, its meetings in order: a host's nth arrival at a task joins the nth meeting. */
  private readonly meetings = new Map<Task, Meeting[]>();
  private readonly arrivals = new Map<string, Map<Task, number>>();

  /** Stops watching hosts go quiet. */
  private readonly unwatch: () => void;

  constructor(
    private readonly run: RunContext,
    private readonly play: Play,
    private readonly batch: readonly string[],
  ) {
    // A meeting does not wait for a suspect host (gone quiet, maybe frozen): it wakes when one goes quiet.
    // A suspect host that arrives later takes the result, as a host waiting for a fork slot does.
    this.unwatch = run.sessions.watchSuspects((session) => {
      if (session.suspect && this.running.has(session.name)) this.checkAll();
    });
  }

  /** The batch is over (every host done, left-behind ones included). */
  close(): void {
    this.unwatch();
  }

  /** The host started the play. */
  start(host: string): void {
    if (!this.finished.has(host)) this.running.add(host);
  }

  /** The host finished the play (or stopped): no meeting waits for it. */
  done(host: string): void {
    this.running.delete(host);
    this.finished.add(host);
    this.checkAll();
  }

  private checkAll(): void {
    for (const meetings of this.meetings.values()) for (const meeting of meetings) this.check(meeting);
  }

  async task(host: string, task: Task, runHere: () => Promise<TaskOutcome>): Promise<TaskOutcome> {
    const meeting = this.join(host, task);
    await meeting.met;
    if (meeting.leader === host) {
      const running = runHere();
      running.then(meeting.settle, () => meeting.settle(undefined));
      return running;
    }
    const outcome = await meeting.outcome;
    if (!outcome || outcome.status === 'unreachable') return runHere();
    return this.follow(host, task, meeting.leader as string, outcome);
  }

  private join(host: string, task: Task): Meeting {
    const counts = this.arrivals.get(host) ?? new Map<Task, number>();
    this.arrivals.set(host, counts);
    const nth = counts.get(task) ?? 0;
    counts.set(task, nth + 1);
    const meetings = this.meetings.get(task) ?? [];
    this.meetings.set(task, meetings);
    let meeting = meetings[nth];
    if (!meeting) {
      let release: () => void = () => undefined;
      const met = new Promise<void>((resolve) => {
        release = resolve;
      });
      let settle: Meeting['settle'] = () => undefined;
      const outcome = new Promise<TaskOutcome | undefined>((resolve) => {
        settle = resolve;
      });
      meeting = { expected: [...this.running], arrived: [], released: false, release, met, outcome, settle };
      meetings[nth] = meeting;
    }
    meeting.arrived.push(host);
    this.check(meeting);
    return meeting;
  }

  private check(meeting: Meeting): void {
    if (meeting.released) return;
    const sessions = this.run.sessions;
    const awaited = (h: string) => this.running.has(h) && !sessions.session(h).suspect;
    if (!meeting.expected.every((h) => meeting.arrived.includes(h) || !awaited(h))) return;
    meeting.released = true;
    meeting.leader = this.batch.find((h) => meeting.arrived.includes(h));
    meeting.release();
  }

  /** A host that did not run the task takes the result of the host that did. */
  private follow(host: string, task: Task, leader: string, outcome: TaskOutcome): TaskOutcome {
    const session = this.run.sessions.session(host);
    const result = outcome.result;
    const items = Array.isArray(result.results) ? (result.results as Vars[]) : [result];
    keepResult(session, task, { result, items, failed: outcome.status === 'failed' });
    if (outcome.status === 'failed') {
      this.run.stats(host).failed++;
      this.run.emit({
        type: 'task_result',
        play: this.play.name,
        task: task.name,
        host,
        status: 'failed',
        handler: false,
        msg: `run_once: the task failed on ${leader}`,
        durationMs: 0,
      });
    }
    return { status: outcome.status, result, msg: outcome.msg };
  }
}
