/**
 * A loop of commands in one round trip. ansible-core runs every item of a loop whatever the earlier items
 * did: TaskExecutor._run_loop (lib/ansible/executor/task_executor.py) appends each item's result and goes on
 * to the next (it stops early only for loop_control.break_when), and run() then marks the task failed when
 * any item failed ('One or more items failed'). So when no item's plan reads the host (nothing an earlier
 * item's command changed could alter a later item's plan) and no item's arguments can depend on an earlier
 * item's result, every item's commands can go to the host in one script, each item's its own chain, and
 * each item's changed_when/failed_when is evaluated afterwards, in order, on its own results.
 */
import type { HostFacts } from '../facts/host-facts.js';
import { validateArgs } from '../modules/args.js';
import type { Change, Module } from '../modules/types.js';
import { evaluateCondition } from '../template/expression.js';
import { applyItemsInOneTrip } from './apply.js';
import { finishItem, type ItemRun, isOutcome, itemStep, type PlannedItem, planItem } from './item-executor.js';
import { renderArgs } from './render-args.js';
import type { RunContext, Vars } from './run-context.js';
import type { TaskOutcome } from './task-outcome.js';

type Exec = Extract<Change, { kind: 'exec' }>;

/**
 * Each item's outcome, in order, when the loop ran in one round trip; undefined when it cannot (the caller
 * runs the items one by one). The list may stop early: the items after it are run one by one.
 */
export async function runLoopInOneTrip(
  run: RunContext,
  loop: Omit<ItemRun, 'vars'>,
  itemVars: readonly Vars[],
): Promise<TaskOutcome[] | undefined> {
  if (!mayRunInOneTrip(run, loop, itemVars)) return undefined;
  const planned: (PlannedItem | TaskOutcome)[] = [];
  for (const vars of itemVars) {
    const item = await planItem(run, { ...loop, vars });
    if (isOutcome(item) && item.status === 'unreachable') return [...outcomesOf(planned), item];
    planned.push(item);
  }
  const applying = planned.filter((p): p is PlannedItem => !isOutcome(p) && p.apply);
  const conn = applying[0]?.conn;
  const runThenRead = conn?.runThenRead?.bind(conn);
  if (applying.length > 0 && !runThenRead) return undefined;
  if (applying.some((p) => p.conn !== conn || p.plan.changes.some((c) => c.kind !== 'exec'))) return undefined;
  const first = { ...loop, vars: itemVars[0] as Vars };
  const applied = await itemStep(run, first, async () => {
    if (!runThenRead) return []; // nothing to apply (--check, or nothing to change): each item's result as planned
    const readsAfter = await run.readAhead.readsAfterCommands(loop.play, loop.session, loop.later);
    const chains = applying.map((p) => p.plan.changes as Exec[]);
    return applyItemsInOneTrip({ runThenRead }, loop.session.facts as HostFacts, chains, readsAfter);
  });
  if (!Array.isArray(applied)) {
    // the round trip failed (the host was lost): its first item reports it
    const at = planned.indexOf(applying[0] as PlannedItem);
    return [...outcomesOf(planned.slice(0, at)), applied];
  }
  const outcomes: TaskOutcome[] = [];
  for (const [i, p] of planned.entries()) {
    if (isOutcome(p)) outcomes.push(p);
    else {
      const item = { ...loop, vars: itemVars[i] as Vars };
      outcomes.push(await finishItem(run, item, p, p.apply ? applied[applying.indexOf(p)] : undefined));
    }
  }
  return outcomes;
}

function outcomesOf(planned: readonly (PlannedItem | TaskOutcome)[]): TaskOutcome[] {
  return planned.filter(isOutcome);
}

/**
 * Whether the items can be planned before any of them runs: a module that reads nothing for any item (its
 * declared reads are every read its plan makes), on the host itself, with no per-item deadline (a deadline
 * stops one item's command), and arguments and conditions that do not name the task's own register (Ansible
 * registers each item's result for the next one).
 */
function mayRunInOneTrip(run: RunContext, loop: Omit<ItemRun, 'vars'>, itemVars: readonly Vars[]): boolean {
  const { task } = loop;
  const module = task.module as Module<Vars>;
  if (itemVars.length < 2 || module.local || module.anyArgs || !module.reads || task.delegateTo !== undefined)
    return false;
  if ((task.timeout ?? run.options.taskTimeoutS ?? 0) > 0) return false;
  if (task.register !== undefined) {
    const named = new RegExp(`\\b${task.register}\\b`);
    if (named.test(JSON.stringify(task.args)) || task.when.some((w) => named.test(w))) return false;
  }
  try {
    for (const vars of itemVars) {
      if (task.when.some((w) => !evaluateCondition(w, vars))) continue;
      const args = validateArgs(module.name, module.schema, renderArgs(task.module, task.args, vars));
      if (module.reads(args, vars).length > 0) return false;
    }
  } catch {
    // an item whose arguments or condition do not render: it fails at its turn, one by one
    return false;
  }
  return true;
}
