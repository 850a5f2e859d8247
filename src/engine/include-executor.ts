/**
 * `include_tasks` on one host, as Ansible's dynamic include: per loop item, its `when` decides, its vars
 * and the item are rendered and bound, the file is read (relative to the file that holds the include) and
 * its tasks are handed to the play iterator to run in the include's place.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { loadIncludedTasks } from '../playbook/include-tasks.js';
import { inheritNodes, mapTasks } from '../playbook/task-tree.js';
import type { IncludeTasks, Play, TaskNode } from '../playbook/types.js';
import { evaluateCondition } from '../template/expression.js';
import { renderText, renderValue, TemplateError } from '../template/render.js';
import type { HostSession } from './host-session.js';
import { redact, redactValue } from './redaction.js';
import type { RunContext, Vars } from './run-context.js';
import { describeTaskError } from './task-errors.js';
import type { TaskOutcome } from './task-outcome.js';
import { renderVarsInOrder } from './vars.js';

/** Includes inside includes: a file that includes itself stops here instead of running forever. */
const MAX_DEPTH = 64;

export interface IncludeRun {
  play: Play;
  session: HostSession;
  include: IncludeTasks;
}

export async function runInclude(run: RunContext, { play, session, include }: IncludeRun): Promise<TaskOutcome> {
  const started = Date.now();
  const host = session.name;
  const event = (status: 'ok' | 'failed' | 'skipped', msg: string, item?: unknown) =>
    run.emit({
      type: 'task_result',
      play: play.name,
      task: include.name,
      host,
      status,
      handler: false,
      item,
      msg,
      durationMs: Date.now() - started,
    });
  const failed = (error: unknown): TaskOutcome => {
    const msg = describeTaskError(error, { name: include.name, where: include.where }, host);
    run.stats(host).failed++;
    event('failed', msg);
    return { status: 'failed', result: { failed: true, msg }, msg };
  };
  run.emit({ type: 'task_start', play: play.name, task: include.name, host, handler: false });
  let vars: Vars;
  let items: unknown[] = [undefined];
  try {
    if (include.depth >= MAX_DEPTH)
      throw new ConfigError(`include_tasks nested ${MAX_DEPTH} deep: does a file include itself?`, include.where);
    vars = run.variables.forTask(
      { role: include.role, vars: include.inherited.vars, boundVars: include.boundVars },
      await run.variables.forHost(play, session),
    );
    if (include.loop !== undefined) {
      const rendered = renderValue(include.loop, vars);
      if (!Array.isArray(rendered)) throw new TemplateError(`loop must be a list, got ${typeof rendered}`);
      items = rendered;
    }
  } catch (e) {
    return failed(e);
  }
  const secrets = run.secrets.secretsOf(vars, run.variables.otherHostsSecrets());
  const included: TaskNode[] = [];
  for (const [index, item] of items.entries()) {
    let itemVars = item === undefined ? vars : { ...vars, [include.loopVar]: item };
    if (include.indexVar) itemVars = { ...itemVars, [include.indexVar]: index };
    const shownItem = item === undefined ? undefined : redactValue(item, secrets);
    try {
      const bound: Vars = { ...include.boundVars, ...renderVarsInOrder(include.vars, itemVars) };
      if (item !== undefined) bound[include.loopVar] = item;
      if (include.indexVar) bound[include.indexVar] = index;
      // the include's own vars are in scope for its `when` and file name, as for any task's
      const scope = { ...itemVars, ...bound };
      const unmet = include.when.find((condition) => !evaluateCondition(condition, scope));
      if (unmet !== undefined) {
        event('skipped', `when: ${unmet}`, shownItem);
        continue;
      }
      const file = resolve(include.baseDir, renderText(include.file, scope));
      const nodes = loadIncludedTasks(file, {
        playName: play.name,
        rolesBase: play.baseDir,
        keyring: run.input.playbook.keyring,
      });
      included.push(
        ...mapTasks(
          inheritNodes(nodes, include.inherited),
          (task) => ({ ...task, role: task.role ?? include.role, boundVars: { ...bound, ...task.boundVars } }),
          (inner) => ({
            ...inner,
            role: inner.role ?? include.role,
            boundVars: { ...bound, ...inner.boundVars },
            depth: include.depth + 1,
          }),
        ),
      );
      event('ok', redact(`included: ${file}`, secrets), shownItem);
    } catch (e) {
      return failed(e);
    }
  }
  return { status: 'ok', result: {}, included };
}
