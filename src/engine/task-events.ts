/**
 * The task_result events a task's outcome becomes: what a reporter shows of it, with every secret masked
 * and, under no_log, the output hidden.
 */
import type { Plan } from '../modules/types.js';
import type { Task } from '../playbook/types.js';
import { shellText } from '../remote-command.js';
import { renderText } from '../template/render.js';
import type { EngineEvent } from './events.js';
import type { HostSession } from './host-session.js';
import { maskSecretLines, redact, redactValue } from './redaction.js';
import type { Vars } from './run-context.js';
import type { TaskOutcome } from './task-outcome.js';

type TaskResultEvent = Extract<EngineEvent, { type: 'task_result' }>;

/** loop_control.label for one item, masked; a label that does not render shows why instead of failing the task. */
function loopLabel(task: Task, itemVars: Vars, secrets: string[]): string | undefined {
  if (task.label === undefined) return undefined;
  try {
    return redact(renderText(task.label, itemVars), secrets);
  } catch (e) {
    return `(label: ${(e as Error).message})`;
  }
}

/**
 * A task's diff as shown: none under no_log, nor for a file a no_log task wrote on this host (its
 * content is secret from then on); current secret values and every password/secret line masked.
 */
function diffShown(
  session: HostSession,
  task: Task,
  plan: Plan | undefined,
  secrets: string[],
  showDiff: boolean,
): string | undefined {
  const written = plan?.changes.flatMap((c) => (c.kind === 'write' ? [c.path] : [])) ?? [];
  if (task.noLog) {
    for (const path of written) session.secretFiles.add(path);
    return undefined;
  }
  if (!showDiff || !plan?.diff) return undefined;
  const secretFile = written.find((path) => session.secretFiles.has(path));
  if (secretFile) return `(diff hidden: ${secretFile} was written by a no_log task)`;
  return maskSecretLines(redact(plan.diff, secrets));
}

export interface ItemEventInput {
  play: string;
  task: Task;
  session: HostSession;
  handler: boolean;
  /** The loop item (undefined without a loop) and the variables it was run with. */
  item: unknown;
  itemVars: Vars;
  outcome: TaskOutcome;
  secrets: string[];
  ignored: boolean;
  showDiff: boolean;
  durationMs: number;
}

/** The event of one item (or of a task without a loop). */
export function itemResultEvent(input: ItemEventInput): TaskResultEvent {
  const { task, outcome, secrets, item } = input;
  const plan = outcome.plan;
  const hidden = task.noLog;
  const text = (value: unknown) => (hidden || typeof value !== 'string' ? undefined : redact(value, secrets));
  return {
    type: 'task_result',
    play: input.play,
    task: task.name,
    host: input.session.name,
    status: outcome.status,
    handler: input.handler,
    item: item === undefined ? undefined : hidden ? '(hidden: no_log)' : redactValue(item, secrets),
    label: item === undefined || hidden ? undefined : loopLabel(task, input.itemVars, secrets),
    msg: hidden
      ? outcome.status === 'failed'
        ? 'failed (output hidden: no_log)'
        : undefined
      : outcome.msg && redact(outcome.msg, secrets),
    shown: task.module.name === 'debug' || undefined,
    diff: diffShown(input.session, task, plan, secrets, input.showDiff),
    commands: hidden
      ? undefined
      : plan?.changes.flatMap((c) =>
          c.kind === 'exec'
            ? [redact(shellText(c.cmd), secrets)]
            : c.kind === 'api'
              ? [`${c.method} ${c.path}`]
              : [`write ${c.path}`],
        ),
    stdout: text(outcome.result.stdout),
    stderr: text(outcome.result.stderr),
    rc: typeof outcome.result.rc === 'number' ? outcome.result.rc : undefined,
    ignored: input.ignored,
    durationMs: input.durationMs,
  };
}

/** A task that failed or was skipped before any item ran (its variables or loop did not render, or `when`). */
export function taskEndEvent(input: {
  play: string;
  task: { name: string };
  host: string;
  handler: boolean;
  status: 'failed' | 'skipped' | 'ok';
  msg: string;
  durationMs: number;
}): TaskResultEvent {
  return { type: 'task_result', ...input, task: input.task.name };
}
