/**
 * One host through one play: the play iterator says which task is next; each runs (in a fork slot, after
 * the lockstep gate when the play has one), notifies its handlers, and tells the iterator whether it
 * failed; notified handlers run at the end unless the host failed.
 */
import type { IncludeTasks, Play, Task } from '../playbook/types.js';
import type { HostSession } from './host-session.js';
import { handlerNotified, iteratePlay, type TaskReply, taskSelected } from './play-iterator.js';
import { HostStopped, type RunContext } from './run-context.js';
import { runTask } from './task-executor.js';
import type { TaskOutcome } from './task-outcome.js';

/** How a host's tasks are paced: fork slots, and (any_errors_fatal) the gate every host passes together. */
export interface Pacing {
  /** Runs work in a fork slot. */
  slot: <T>(work: () => Promise<T>) => Promise<T>;
  /** Waits for the batch before a task; false: another host failed, stop. */
  gate?: () => Promise<boolean>;
  /** Runs a task the batch runs once (run_once), or lets the host take the result of the host that ran it. */
  once?: (task: Task, runHere: () => Promise<TaskOutcome>) => Promise<TaskOutcome>;
}

export interface HostPlay {
  play: Play;
  session: HostSession;
  /** --start-at-task, when this play holds it. */
  startAt?: string;
  pacing: Pacing;
  /** Runs an include_tasks (not a module task). */
  include?: (node: IncludeTasks, session: HostSession) => Promise<TaskOutcome>;
}

export async function runHostPlay(
  run: RunContext,
  { play, session, startAt, pacing, include }: HostPlay,
): Promise<void> {
  const notified = new Set<string>();
  const stats = run.stats(session.name);
  run.readAhead.markStale(session.name);
  try {
    if (play.gatherFacts && !session.hasGathered) await pacing.slot(() => run.sessions.connect(play, session));
    const tasks = iteratePlay(play.body, {
      selected: (node) => taskSelected(node, play, run.options),
      startAt,
      onRescue: () => {
        // handled by rescue: counted as rescued, not failed (as Ansible's recap does)
        stats.failed--;
        stats.rescued++;
      },
    });
    let next = tasks.next({ failed: false });
    while (!next.done) {
      // left behind by the other hosts (it went quiet): no further task, it ends failed or unreachable
      if (run.interrupted() || session.behind) return;
      if (pacing.gate && !(await pacing.gate())) return;
      const { node, later } = next.value;
      let reply: TaskReply = { failed: false };
      if (run.options.step && !(await run.options.step(node.name))) {
        // declined at --step: passed over
      } else if (node.kind === 'include_tasks') {
        if (!include) throw new Error('include_tasks without an include runner');
        const outcome = await pacing.slot(() => include(node, session));
        reply = { failed: outcome.status === 'failed', included: outcome.included };
      } else {
        const task = node as Task;
        const runHere = () => pacing.slot(() => runTask(run, { play, session, task, handler: false, later: later() }));
        const outcome = task.runOnce && pacing.once ? await pacing.once(task, runHere) : await runHere();
        if (outcome.status === 'changed') for (const topic of task.notify) notified.add(topic);
        reply = { failed: outcome.status === 'failed' };
      }
      next = tasks.next(reply);
    }
    if (next.value) {
      session.state = 'failed';
      return;
    }
    for (const handler of play.handlers) {
      if (run.interrupted() || session.behind) return;
      // hosts in lockstep pass a gate at every handler, notified or not, so they stay together
      if (pacing.gate && !(await pacing.gate())) return;
      if (!handlerNotified(handler, notified)) continue;
      const outcome = await pacing.slot(() => runTask(run, { play, session, task: handler, handler: true, later: [] }));
      if (outcome.status === 'failed') {
        session.state = 'failed';
        return;
      }
    }
  } catch (e) {
    if (e instanceof HostStopped) return;
    throw e;
  }
}
