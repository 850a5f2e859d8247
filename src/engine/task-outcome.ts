import type { Plan } from '../modules/types.js';
import type { TaskStatus } from './events.js';
import type { Vars } from './run-context.js';

/** What running a task (or one item of its loop) on a host came to. */
export interface TaskOutcome {
  status: TaskStatus;
  result: Vars;
  msg?: string;
  /** The module's plan (the event shows its diff and commands); kept beside the result, not in it, as the
   * result is registered and stays with the host for the rest of the run. */
  plan?: Plan;
  /** Values of secret arguments of this task: hidden in every event. */
  secrets?: string[];
  /** An include_tasks' tasks, to run in its place. */
  included?: import('../playbook/types.js').TaskNode[];
}
