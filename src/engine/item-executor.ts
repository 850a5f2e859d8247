/**
 * One task, or one item of its loop, on one host: `when`, arguments rendered and checked, the module's
 * plan, the engine's apply (unless --check), then changed_when and failed_when on the result.
 */
import type { Connection } from '../connection/types.js';
import { ConfigError, ConnectionError } from '../errors.js';
import type { HostFacts } from '../facts/host-facts.js';
import { secretValues, validateArgs } from '../modules/args.js';
import type { Module, Plan } from '../modules/types.js';
import type { Play, Task } from '../playbook/types.js';
import { evaluateCondition } from '../template/expression.js';
import { renderText, renderValue } from '../template/render.js';
import { type Applied, applyChanges } from './apply.js';
import type { HostSession } from './host-session.js';
import { planContext } from './plan-context.js';
import { renderArgs } from './render-args.js';
import { HostStopped, type RunContext, type Vars } from './run-context.js';
import { describeTaskError } from './task-errors.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * A task's result from the commands it ran: the last one's, as Ansible's command module registers it, and
 * `commands` (each one's cmd and rc) when it ran more than one. With one command that list only repeats cmd
 * and rc, and every host keeps its registered results for the whole run.
 */
function resultFromRuns(applied: Applied | undefined): Vars {
  const last = applied?.runs.at(-1);
  if (!applied || !last) return {};
  const lines = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
  const result: Vars = {
    rc: last.rc,
    stdout: last.stdout.replace(/\n$/, ''),
    stderr: last.stderr.replace(/\n$/, ''),
    stdout_lines: lines(last.stdout),
    stderr_lines: lines(last.stderr),
    cmd: last.cmd,
  };
  if (applied.runs.length > 1) result.commands = applied.runs.map((r) => ({ cmd: r.cmd, rc: r.rc }));
  return result;
}

/** Where a task runs: its host, or (delegate_to) another inventory host, or the controller as `localhost`. */
function delegateOf(run: RunContext, task: Task, vars: Vars): string | undefined {
  if (task.delegateTo === undefined) return undefined;
  const name = renderText(task.delegateTo, vars).trim();
  if (!run.variables.isInventoryHost(name) && !isImplicitLocalhost(name))
    throw new ConfigError(`delegate_to: '${name}' is not a host of the inventory (nor localhost)`, task.where);
  return name;
}

export function isImplicitLocalhost(name: string): boolean {
  return name === 'localhost' || name === '127.0.0.1';
}

export interface ItemRun {
  play: Play;
  session: HostSession;
  task: Task;
  vars: Vars;
  /** The tasks after this one, for the read-ahead. */
  later: readonly Task[];
}

/** An item planned, not yet applied: what its apply and its result need. */
export interface PlannedItem {
  args: Vars;
  plan: Plan;
  /** Where it runs: its host, or the host it is delegated to. */
  target: HostSession;
  delegate?: string;
  conn?: Connection;
  secrets: string[];
  /** Its changes are to be applied (not --check, or check_mode: false). */
  apply: boolean;
}

/** An item that ended while it was planned (skipped, failed, unreachable): an outcome, not a plan to apply. */
export function isOutcome(planned: PlannedItem | TaskOutcome): planned is TaskOutcome {
  return 'status' in planned;
}

export async function runItem(run: RunContext, item: ItemRun): Promise<TaskOutcome> {
  const planned = await planItem(run, item);
  if (isOutcome(planned)) return planned;
  return itemStep(run, item, async () => {
    let applied: Applied | undefined;
    const { conn, target, plan } = planned;
    if (planned.apply && conn) {
      const runsCommands = target === item.session && plan.changes.some((c) => c.kind === 'exec');
      const readsAfter = runsCommands
        ? await run.readAhead.readsAfterCommands(item.play, item.session, item.later)
        : [];
      applied = await applyChanges(conn, target.facts as HostFacts, plan.changes, readsAfter);
    }
    return finishItem(run, item, planned, applied);
  });
}

/** `when`, the arguments, where it runs and the module's plan; an outcome already when it ends there. */
export async function planItem(run: RunContext, item: ItemRun): Promise<PlannedItem | TaskOutcome> {
  const { play, session, task, vars, later } = item;
  const module = task.module as Module<Vars>;
  return itemStep(run, item, async () => {
    for (const condition of task.when) {
      if (!evaluateCondition(condition, vars))
        return { status: 'skipped', result: { skipped: true, changed: false }, msg: `when: ${condition}` };
    }
    const args = module.anyArgs
      ? (renderValue(task.args, vars) as Vars)
      : validateArgs(module.name, module.schema, renderArgs(task.module, task.args, vars));
    const delegate = delegateOf(run, task, vars);
    // A delegated task runs on the other host's connection and reads its facts, with this host's variables.
    const target = delegate === undefined || delegate === session.name ? session : run.sessions.delegate(delegate);
    let conn: Connection | undefined;
    if (!module.local) {
      conn = await run.sessions.connect(play, target, session);
      if (target === session) await run.readAhead.beforePlan(play, session, task, later);
    }
    const ctx = planContext({
      play,
      host: target.name,
      vars,
      facts: target.facts as HostFacts,
      check: run.options.check,
      diff: run.options.diff,
      role: task.role,
      localFiles: run.localFiles,
    });
    const secrets = module.anyArgs ? [] : secretValues(module.schema, args);
    const plan = await module.plan(ctx, args);
    if (plan.failed) {
      // A module's refusal is data like a command's exit code: failed_when may still accept it.
      const result: Vars = { ...baseResult(plan, delegate), failed: true, changed: false, msg: plan.failed };
      const evalVars = task.register ? { ...vars, [task.register]: result, ...result } : { ...vars, ...result };
      if (task.failedWhen && !task.failedWhen.some((c) => evaluateCondition(c, evalVars)))
        return { status: 'ok', result: { ...result, failed: false }, msg: plan.failed, secrets, plan };
      return { status: 'failed', result, msg: plan.failed, secrets, plan };
    }
    const wouldChange = plan.changes.length > 0;
    const apply = wouldChange && (!run.options.check || task.checkMode === false) && task.checkMode !== true;
    if (wouldChange && !apply)
      for (const c of plan.changes) if (c.kind === 'write') target.facts?.simulateWrite(c.path, c.content, c.mode);
    return { args, plan, target, delegate, conn, secrets, apply };
  });
}

function baseResult(plan: Plan, delegate: string | undefined): Vars {
  const base: Vars = { ...(plan.result ?? {}) };
  if (delegate !== undefined) base.delegated_to = delegate;
  return base;
}

/** The item's result from what its apply did: changed_when, failed_when, and the read-ahead told of a change. */
export function finishItem(
  run: RunContext,
  item: ItemRun,
  planned: PlannedItem,
  applied: Applied | undefined,
): Promise<TaskOutcome> {
  const { task, vars } = item;
  const { plan, target, secrets, apply } = planned;
  return itemStep(run, item, async () => {
    const wouldChange = plan.changes.length > 0;
    let result: Vars = {
      ...baseResult(plan, planned.delegate),
      ...resultFromRuns(applied),
      changed: wouldChange,
      failed: !!applied?.failed,
    };
    if (wouldChange && !apply)
      result = { ...result, skipped: true, check_mode: true, msg: `check mode: would ${plan.preview ?? 'change'}` };
    if (applied?.failed) result.msg = applied.failed;
    if (applied?.backups.length) result.backup_file = applied.backups[0];
    const evalVars = task.register ? { ...vars, [task.register]: result, ...result } : { ...vars, ...result };
    if (task.changedWhen) result.changed = task.changedWhen.every((c) => evaluateCondition(c, evalVars));
    if (task.failedWhen) {
      result.failed = task.failedWhen.some((c) => evaluateCondition(c, evalVars));
      if (result.failed && !result.msg) result.msg = `failed_when: ${task.failedWhen.join(' or ')}`;
      if (!result.failed && applied?.failed) delete result.msg;
    }
    if (applied && (result.changed || applied.runs.length > 0))
      run.readAhead.afterApply(target, { ranCommands: applied.runs.length > 0, readAfter: !!applied.readAfter });
    // a module's msg may be any value (debug's msg: "{{ 2 + 3 }}" is the number 5); the event's msg is text
    const msg = messageText(result.msg) ?? (wouldChange ? plan.preview : plan.noop);
    if (result.failed) return { status: 'failed', result, msg, secrets, plan };
    return { status: result.changed ? 'changed' : 'ok', result, msg, secrets, plan };
  });
}

/** A step of an item: a lost host or a task error becomes the item's outcome. */
export async function itemStep<T>(
  run: RunContext,
  { play, session, task }: ItemRun,
  step: () => Promise<T | TaskOutcome>,
): Promise<T | TaskOutcome> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof HostStopped) return { status: 'unreachable', result: {} };
    if (e instanceof ConnectionError) {
      run.sessions.unreachable(play, session, e.message);
      return { status: 'unreachable', result: {} };
    }
    const msg = describeTaskError(e, task, session.name);
    return { status: 'failed', result: { failed: true, changed: false, msg }, msg };
  }
}

/** A result's msg as the one line an event shows: text as it is, any other value as JSON (Ansible prints 5, not "5"). */
function messageText(msg: unknown): string | undefined {
  if (msg === undefined || msg === null) return undefined;
  return typeof msg === 'string' ? msg : JSON.stringify(msg);
}
