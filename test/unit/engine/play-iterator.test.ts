/** The play iterator alone: which task a host runs next, given what each task did. No hosts involved. */
import { describe, expect, test } from 'vitest';
import { type IteratorOptions, iteratePlay, taskSelected } from '../../../src/engine/play-iterator.js';
import type { Block, IncludeTasks, Play, Task, TaskNode } from '../../../src/playbook/types.js';

const task = (name: string, tags: string[] = []): Task => ({ name, tags }) as unknown as Task;
const block = (parts: Partial<Pick<Block, 'block' | 'rescue' | 'always'>>): Block => ({
  kind: 'block',
  block: [],
  rescue: [],
  always: [],
  where: { file: 'p.yml' },
  ...parts,
});

/** Walks `body`, failing the tasks named in `failing` (and expanding includes): the names run, in order, and the end. */
function walk(
  body: TaskNode[],
  {
    failing = [],
    includes = {},
    ...options
  }: Partial<IteratorOptions> & {
    failing?: string[];
    includes?: Record<string, TaskNode[]>;
  } = {},
) {
  const ran: string[] = [];
  const laters: Record<string, string[]> = {};
  const iterator = iteratePlay(body, { selected: () => true, ...options });
  let next = iterator.next({ failed: false });
  while (!next.done) {
    const { node, later } = next.value;
    ran.push(node.name);
    laters[node.name] = later().map((t) => t.name);
    next = iterator.next({ failed: failing.includes(node.name), included: includes[node.name] });
  }
  return { ran, failed: next.value, laters };
}

describe('play iterator', () => {
  test('a failure in a nested block without rescue runs its always, then the outer rescue and always', () => {
    const body = [
      task('first'),
      block({
        block: [
          block({ block: [task('inner 1'), task('inner 2')], always: [task('inner always')] }),
          task('outer after inner'),
        ],
        rescue: [task('outer rescue')],
        always: [task('outer always')],
      }),
      task('last'),
    ];
    const run = walk(body, { failing: ['inner 1'] });
    expect(run.ran).toEqual(['first', 'inner 1', 'inner always', 'outer rescue', 'outer always', 'last']);
    expect(run.failed).toBe(false);
  });

  test('rescue at the inner level handles it: the outer block goes on and its rescue does not run', () => {
    let rescued = 0;
    const body = [
      block({
        block: [block({ block: [task('a')], rescue: [task('inner rescue')] }), task('b')],
        rescue: [task('outer rescue')],
      }),
    ];
    const run = walk(body, { failing: ['a'], onRescue: () => rescued++ });
    expect(run.ran).toEqual(['a', 'inner rescue', 'b']);
    expect(rescued).toBe(1);
  });

  test('a failing rescue, or a failing always, fails the host after the always ran', () => {
    const body = [block({ block: [task('a')], rescue: [task('r')], always: [task('w')] }), task('never')];
    expect(walk(body, { failing: ['a', 'r'] })).toMatchObject({ ran: ['a', 'r', 'w'], failed: true });
    expect(walk(body, { failing: ['w'] })).toMatchObject({ ran: ['a', 'w'], failed: true });
  });

  test('a failure outside any block ends the walk, failed', () => {
    expect(walk([task('a'), task('b')], { failing: ['a'] })).toMatchObject({ ran: ['a'], failed: true });
  });

  test('three levels deep, each with its own always', () => {
    const body = [
      block({
        block: [block({ block: [block({ block: [task('deep')], always: [task('a3')] })], always: [task('a2')] })],
        always: [task('a1')],
      }),
    ];
    expect(walk(body, { failing: ['deep'] })).toMatchObject({ ran: ['deep', 'a3', 'a2', 'a1'], failed: true });
  });

  test('--start-at-task passes over what comes before, inside blocks too', () => {
    const body = [task('a'), block({ block: [task('b'), task('c')], always: [task('d')] }), task('e')];
    expect(walk(body, { startAt: 'c' }).ran).toEqual(['c', 'd', 'e']);
  });

  test('tasks not selected are passed over; an include hands back tasks that run in its place', () => {
    const include = { kind: 'include_tasks', name: 'inc', tags: [] } as unknown as IncludeTasks;
    const body = [task('a', ['skip']), include, task('z')];
    const run = walk(body, {
      selected: (node) => !node.tags.includes('skip'),
      includes: { inc: [task('i1'), block({ block: [task('i2')] })] },
    });
    expect(run.ran).toEqual(['inc', 'i1', 'i2', 'z']);
    expect(walk([include, task('z')], { failing: ['inc'] })).toMatchObject({ ran: ['inc'], failed: true });
  });

  test('later: what may come after a task, rescue and always included, for the read-ahead', () => {
    const body = [block({ block: [task('a'), task('b')], rescue: [task('r')], always: [task('w')] }), task('z')];
    expect(walk(body).laters).toEqual({ a: ['b', 'r', 'w', 'z'], b: ['r', 'w', 'z'], w: ['z'], z: [] });
  });

  test('tags as Ansible selects them', () => {
    const play = { tags: ['p'] } as unknown as Play;
    const select = (tags: string[], options: { tags?: string[]; skipTags?: string[] }) =>
      taskSelected({ tags }, play, { tags: options.tags ?? [], skipTags: options.skipTags ?? [] });
    expect(select(['x'], {})).toBe(true);
    expect(select(['never'], {})).toBe(false);
    expect(select(['never', 'x'], { tags: ['x'] })).toBe(true);
    expect(select(['always'], { tags: ['y'] })).toBe(true);
    expect(select(['always'], { skipTags: ['always'] })).toBe(false);
    expect(select(['x'], { skipTags: ['p'] })).toBe(false);
    expect(select([], { tags: ['p'] })).toBe(true);
    expect(taskSelected({ tags: [] }, { tags: [] } as unknown as Play, { tags: ['untagged'], skipTags: [] })).toBe(
      true,
    );
  });
});
