import { formatLocation } from '../errors.js';
import type { Playbook } from '../playbook/types.js';

/** How the console reporter finds a task's file:line from a result (results carry the play's and task's names). */
export type TaskPathOf = (play: string, task: string, handler: boolean) => string | undefined;

const key = (play: string, task: string, handler: boolean) => `${play}\u0000${handler ? 'H' : 'T'}\u0000${task}`;

/**
 * `task path: file:line` for -vv, as ansible-playbook prints it under each TASK banner. Two tasks of one play with
 * the same name are both named (a result does not say which of them it is).
 */
export function taskPaths(playbook: Playbook): TaskPathOf {
  const paths = new Map<string, string[]>();
  for (const play of playbook.plays)
    for (const [handler, tasks] of [
      [false, play.tasks],
      [true, play.handlers],
    ] as const)
      for (const t of tasks) {
        const k = key(play.name, t.name, handler);
        const where = formatLocation({ file: t.where.file, line: t.where.line });
        const known = paths.get(k) ?? [];
        if (!known.includes(where)) paths.set(k, [...known, where]);
      }
  return (play, task, handler) => paths.get(key(play, task, handler))?.join(', ');
}

/**
 * What ansible-playbook -vv prints before the first play: `PLAYBOOK: file` and `N plays in file` (imported playbooks'
 * plays counted) for each playbook given, then each task file the plays imported statically (Ansible's "statically
 * imported: file"; roles' task files included), in the order first met.
 */
export function playbookBanner(books: readonly Playbook[]): string[] {
  const lines: string[] = [];
  for (const book of books)
    lines.push(`PLAYBOOK: ${book.file} ${'*'.repeat(40)}`, `${book.plays.length} plays in ${book.file}`);
  const plays = books.flatMap((b) => b.plays);
  const playFiles = new Set(plays.map((p) => p.where.file));
  const imported: string[] = [];
  for (const play of plays)
    for (const t of [...play.tasks, ...play.handlers])
      if (!playFiles.has(t.where.file) && !imported.includes(t.where.file)) imported.push(t.where.file);
  for (const file of imported) lines.push(`statically imported: ${file}`);
  return lines;
}
