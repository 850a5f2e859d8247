/**
 * Which task a host runs next, as ansible-core's PlayIterator decides it: the play's tree of blocks walked in
 * order, to any depth. A failure in a block skips the rest of it and runs its rescue (the host is then not
 * failed, unless the rescue fails); always runs in every case; a failure nobody rescued leaves every
 * enclosing block (running their rescue/always) and fails the host. Tags and --start-at-task select tasks;
 * an include_tasks hands back the tasks it read, which run in its place.
 */
import {
  flattenTasks,
  type IncludeTasks,
  isBlock,
  isInclude,
  type Play,
  type Task,
  type TaskNode,
} from '../playbook/types.js';
import type { EngineOptions } from './run-context.js';

/** The next task for a host, and (for the read-ahead) the tasks that may come after it. */
export interface NextTask {
  node: Task | IncludeTasks;
  later: () => Task[];
}

/** What the host's run of a task tells the iterator. */
export interface TaskReply {
  failed: boolean;
  /** An include's tasks (with its item and vars bound), run next in its place. */
  included?: TaskNode[];
}

export interface IteratorOptions {
  /** Whether a task is selected (tags). */
  selected: (node: Task | IncludeTasks) => boolean;
  /** --start-at-task: tasks before the first of this name are passed over (in blocks too). */
  startAt?: string;
  /** A failure went to a rescue: Ansible's recap counts it rescued, not failed. */
  onRescue?: () => void;
}

/** --tags/--skip-tags as Ansible applies them: `always` unless skipped by name, `never` only when asked for. */
export function taskSelected(
  task: { tags: readonly string[] },
  play: Play,
  options: Pick<EngineOptions, 'tags' | 'skipTags'>,
): boolean {
  const tags = new Set([...play.tags, ...task.tags]);
  if (tags.has('always')) return !options.skipTags.includes('always');
  if (options.skipTags.some((t) => tags.has(t))) return false;
  if (options.tags.length === 0 || options.tags.includes('all')) return !tags.has('never');
  return options.tags.some((t) => tags.has(t) || (t === 'untagged' && tags.size === 0));
}

interface Walk {
  options: IteratorOptions;
  started: boolean;
}

/** Walks a host through a play's tree; returns whether the host ends the play failed. */
export function* iteratePlay(
  body: readonly TaskNode[],
  options: IteratorOptions,
): Generator<NextTask, boolean, TaskReply> {
  const walk: Walk = { options, started: options.startAt === undefined };
  return yield* walkList(body, () => [], walk);
}

function* walkList(
  nodes: readonly TaskNode[],
  after: () => Task[],
  walk: Walk,
): Generator<NextTask, boolean, TaskReply> {
  for (const [index, node] of nodes.entries()) {
    const later = () => [...flattenTasks(nodes.slice(index + 1)), ...after()];
    if (isBlock(node)) {
      if (yield* walkBlock(node, later, walk)) return true;
      continue;
    }
    if (!walk.started) {
      if (isInclude(node) || node.name !== walk.options.startAt) continue;
      walk.started = true;
    }
    if (!walk.options.selected(node)) continue;
    const reply = yield { node, later };
    if (reply.included && reply.included.length > 0 && (yield* walkList(reply.included, later, walk))) return true;
    if (reply.failed) return true;
  }
  return false;
}

function* walkBlock(
  block: Extract<TaskNode, { kind: 'block' }>,
  after: () => Task[],
  walk: Walk,
): Generator<NextTask, boolean, TaskReply> {
  const afterRescue = () => [...flattenTasks(block.always), ...after()];
  let failed = yield* walkList(block.block, () => [...flattenTasks(block.rescue), ...afterRescue()], walk);
  if (failed && block.rescue.length > 0) {
    walk.options.onRescue?.();
    failed = yield* walkList(block.rescue, afterRescue, walk);
  }
  const alwaysFailed = yield* walkList(block.always, after, walk);
  return failed || alwaysFailed;
}

/** Whether a handler was notified (by its name or a `listen` topic). */
export function handlerNotified(handler: Task, notified: ReadonlySet<string>): boolean {
  return [handler.name, ...handler.listen].some((topic) => notified.has(topic));
}
