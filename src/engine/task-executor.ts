/**
 * A task on one host, as ansible-core's TaskExecutor runs it: its variables, a `when` that can decide for
 * the whole loop, the loop rendered, each item run (under its deadline) and reported, then `register` and
 * set_fact results kept for the rest of the run, and the recap counted.
 */
import type { Module } from '../modules/types.js';
import type { Play, Task } from '../playbook/types.js';
import { evaluateCondition, expressionNames } from '../template/expression.js';
import { renderValue, TemplateError } from '../template/render.js';
import { withDeadline } from './deadline.js';
import type { TaskStatus } from './events.js';
import type { HostSession } from './host-session.js';
import { runItem } from './item-executor.js';
import { runLoopInOneTrip } from './loop-in-one-trip.js';
import { HostStopped, type RunContext, type Vars } from './run-context.js';
import { describeTaskError } from './task-errors.js';
import { itemResultEvent, taskEndEvent } from './task-events.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * Whether a looped task's condition is false before any item is bound. Ansible evaluates `when` per
 * item; only a condition that reads neither the loop variable nor the index variable can decide for the
 * whole loop (and so skip a loop over an undefined variable instead of failing on it).
 */
export function whenIsFalseWithoutItem(condition: string, task: Task, vars: Vars): boolean {
  try {
    const names = expressionNames(condition);
    if (names.has(task.loopVar) || (task.indexVar !== undefined && names.has(task.indexVar))) return false;
    if (names.has('ansible_loop') || names.has('ansible_loop_var')) return false;
    return !evaluateCondition(condition, vars);
  } catch {
    return false;
  }
}

export interface TaskRun {
  play: Play;
  session: HostSession;
  task: Task;
  /** A handler run (shown as such). */
  handler: boolean;
  /** The tasks that may come after this one, for the read-ahead. */
  later: readonly Task[];
}

export async function runTask(run: RunContext, { play, session, task, handler, later }: TaskRun): Promise<TaskOutcome> {
  const started = Date.now();
  const stats = run.stats(session.name);
  const ended = (status: 'failed' | 'skipped', msg: string): TaskOutcome => {
    stats[status]++;
    run.emit(
      taskEndEvent({
        play: play.name,
        task,
        host: session.name,
        handler,
        status,
        msg,
        durationMs: Date.now() - started,
      }),
    );
    return status === 'failed'
      ? { status, result: { failed: true, msg }, msg }
      : { status, result: { skipped: true, changed: false } };
  };
  run.emit({ type: 'task_start', play: play.name, task: task.name, host: session.name, handler });
  let vars: Vars;
  try {
    vars = run.variables.forTask(task, await run.variables.forHost(play, session));
  } catch (e) {
    return ended('failed', describeTaskError(e, task, session.name));
  }
  const baseSecrets = run.secrets.secretsOf(vars, run.variables.otherHostsSecrets());
  let items: unknown[] = [undefined];
  if (task.loop !== undefined && task.when.some((w) => whenIsFalseWithoutItem(w, task, vars))) {
    // A condition that does not involve the item decides before the loop is rendered, so a loop over
    // an undefined variable is skipped, not failed (`loop: "{{x}}"` with `when: x is defined`).
    return ended('skipped', 'when: condition false');
  }
  if (task.loop !== undefined) {
    try {
      const rendered = renderValue(task.loop, vars);
      if (!Array.isArray(rendered)) throw new TemplateError(`loop must be a list, got ${typeof rendered}`);
      items = rendered;
    } catch (e) {
      return ended('failed', describeTaskError(e, task, session.name));
    }
  }
  if (items.length > 1 && !(task.module as Module<Vars>).local) await run.readAhead.beforeLoop(play, session, task);
  const itemVarsOf = items.map((item, index) => {
    let itemVars = item === undefined ? vars : { ...vars, [task.loopVar]: item };
    if (task.indexVar) itemVars = { ...itemVars, [task.indexVar]: index };
    return itemVars;
  });
  const loopStarted = Date.now();
  const inOneTrip = items.length > 1 ? await runLoopInOneTrip(run, { play, session, task, later }, itemVarsOf) : [];
  const itemResults: Vars[] = [];
  let anyChanged = false;
  let anyFailed = false;
  let allSkipped = true;
  let failMsg: string | undefined;
  for (const [index, item] of items.entries()) {
    const itemVars = itemVarsOf[index] as Vars;
    const itemStarted = inOneTrip?.[index] ? loopStarted : Date.now();
    const ahead = run.readAhead.laterForItem(session.name, { index, count: items.length }, later);
    const outcome =
      inOneTrip?.[index] ??
      (await withDeadline({ session, task, defaultSeconds: run.options.taskTimeoutS, readAhead: run.readAhead }, () =>
        runItem(run, { play, session, task, vars: itemVars, later: ahead }),
      ));
    if (outcome.status === 'unreachable') throw new HostStopped();
    const ignored = outcome.status === 'failed' && task.ignoreErrors;
    if (outcome.status !== 'skipped') allSkipped = false;
    if (outcome.status === 'changed') anyChanged = true;
    if (outcome.status === 'failed' && !ignored) {
      anyFailed = true;
      failMsg = outcome.msg;
    }
    itemResults.push(item === undefined ? outcome.result : { ...outcome.result, [task.loopVar]: item });
    run.emit(
      itemResultEvent({
        play: play.name,
        task,
        session,
        handler,
        item,
        itemVars,
        outcome,
        secrets: [...baseSecrets, ...(outcome.secrets ?? [])],
        ignored,
        showDiff: run.options.diff,
        durationMs: Date.now() - itemStarted,
      }),
    );
    // A failed item does not stop the loop: Ansible runs every item (TaskExecutor._run_loop, see loop-in-one-trip.ts).
    if (ignored) stats.ignored++;
  }
  const status: TaskStatus = anyFailed ? 'failed' : allSkipped ? 'skipped' : anyChanged ? 'changed' : 'ok';
  stats[status as Exclude<TaskStatus, 'unreachable'>]++;
  // As in Ansible's recap, ok counts every task that succeeded: changed ones too (changed <= ok).
  if (status === 'changed') stats.ok++;
  const result: Vars =
    task.loop === undefined
      ? (itemResults[0] ?? {})
      : { results: itemResults, changed: anyChanged, failed: anyFailed, skipped: allSkipped, msg: failMsg };
  keepResult(session, task, { result, items: itemResults, failed: status === 'failed' });
  return { status, result, msg: failMsg };
}

/** `register` and set_fact results: host variables for the rest of the run. */
export function keepResult(
  session: HostSession,
  task: Task,
  outcome: { result: Vars; items: readonly Vars[]; failed: boolean },
): void {
  if (task.register) session.setVars[task.register] = outcome.result;
  if (outcome.failed) return;
  for (const item of outcome.items) {
    const facts = item.ansible_facts as Vars | undefined;
    if (facts) Object.assign(session.setVars, facts);
  }
}
