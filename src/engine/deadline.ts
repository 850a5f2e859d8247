import type { Task } from '../playbook/types.js';
import type { HostSession } from './host-session.js';
import type { ReadAhead } from './read-ahead.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * Ansible's task `timeout` (else --task-timeout), per item as Ansible applies it: when it passes, the
 * command running on the host is stopped and the task fails naming it; the host goes on to its rescue or
 * stops, as on any failure. What the task had read is forgotten (its shell is a new one).
 */
export async function withDeadline(
  options: { session: HostSession; task: Task; defaultSeconds?: number; readAhead: ReadAhead },
  work: () => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  const { session, task } = options;
  const seconds = task.timeout ?? options.defaultSeconds ?? 0;
  if (seconds <= 0) return work();
  let timer: NodeJS.Timeout | undefined;
  const running = work();
  const expired = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), seconds * 1000);
  });
  const first = await Promise.race([running, expired]).finally(() => clearTimeout(timer));
  if (first) return first;
  const why = `timed out after ${seconds} s`;
  const command = session.conn?.cancel?.(why);
  // The task stops at its next remote step (refused while cancelled); wait for that, so nothing of it overlaps the next.
  const late = await running;
  session.conn?.resume?.();
  if (late.status === 'unreachable') return late;
  options.readAhead.afterTimeout(session);
  const msg = `${why} in ${command ?? `task '${task.name}'`}`;
  return { status: 'failed', result: { failed: true, changed: false, msg }, msg, secrets: late.secrets };
}
