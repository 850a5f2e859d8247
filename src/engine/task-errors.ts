import { ConfigError, SshplayError } from '../errors.js';
import { ArgError } from '../modules/args.js';
import type { Task } from '../playbook/types.js';
import { ExpressionError } from '../template/expression.js';
import { TemplateError } from '../template/render.js';

/** A task's failure as one line: what went wrong, in which task (file:line) on which host. */
export function describeTaskError(error: unknown, task: Pick<Task, 'name' | 'where'>, host: string): string {
  const where = `task '${task.name}' (${task.where.file}:${task.where.line ?? '?'}) on ${host}`;
  if (error instanceof TemplateError)
    return `${error.message}${error.line ? ` (template line ${error.line})` : ''} in ${where}`;
  if (error instanceof ExpressionError || error instanceof ArgError) return `${error.message} in ${where}`;
  if (error instanceof ConfigError || error instanceof SshplayError) return error.message;
  return `${(error as Error).message ?? String(error)} in ${where}`;
}
