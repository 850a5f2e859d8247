import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { ConsoleReporter } from '../../../src/report/console.js';
import { playbookBanner, taskPaths } from '../../../src/report/verbose-playbook.js';

async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), 'sshplay-vv-'));
  await writeFile(join(dir, 'extra.yml'), '- name: imported\n  command: echo b\n');
  await writeFile(
    join(dir, 'site.yml'),
    '- name: p\n  hosts: all\n  tasks:\n    - name: first\n      command: echo a\n    - import_tasks: extra.yml\n  handlers:\n    - name: first\n      command: echo h\n',
  );
  return { dir, playbook: await loadPlaybook(join(dir, 'site.yml')) };
}

describe('-vv: playbook banner and task paths', () => {
  test('PLAYBOOK, the number of plays and each statically imported task file', async () => {
    const { dir, playbook } = await fixture();
    expect(playbookBanner([playbook])).toEqual([
      `PLAYBOOK: ${playbook.file} ${'*'.repeat(40)}`,
      `1 plays in ${playbook.file}`,
      `statically imported: ${join(dir, 'extra.yml')}`,
    ]);
  });

  test('file:line of each task, handlers apart from tasks of the same name', async () => {
    const { dir, playbook } = await fixture();
    const path = taskPaths(playbook);
    expect(path('p', 'first', false)).toBe(`${join(dir, 'site.yml')}:4`);
    expect(path('p', 'imported', false)).toBe(`${join(dir, 'extra.yml')}:1`);
    expect(path('p', 'first', true)).toBe(`${join(dir, 'site.yml')}:8`);
    expect(path('p', 'nope', false)).toBeUndefined();
  });

  test('the console prints the task path above the results from -vv only, and <host> notes at once', async () => {
    const { playbook } = await fixture();
    const printed = (verbosity: number) => {
      const lines: string[] = [];
      const r = new ConsoleReporter({
        verbosity,
        color: false,
        profile: false,
        taskPath: taskPaths(playbook),
        out: (t) => lines.push(t),
      });
      r.note('h1', 'ESTABLISH SSH CONNECTION FOR USER: root');
      r.emit({
        type: 'task_result',
        play: 'p',
        task: 'first',
        host: 'h1',
        status: 'ok',
        handler: false,
        durationMs: 1,
      });
      r.close();
      return lines.join('\n');
    };
    expect(printed(1)).toBe('<h1> ESTABLISH SSH CONNECTION FOR USER: root\nok: [h1] first');
    expect(printed(2)).toBe(
      `<h1> ESTABLISH SSH CONNECTION FOR USER: root\ntask path: ${playbook.file}:4\nok: [h1] first`,
    );
  });
});
