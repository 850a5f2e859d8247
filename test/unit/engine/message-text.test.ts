/** A task's msg that is not text (debug of a number, fail with a list) is shown, never a crash of the reporter. */
import { describe, expect, test } from 'vitest';
import { ConsoleReporter } from '../../../src/report/console.js';
import { runLocal } from './local-run.js';

describe('a msg that is not text', () => {
  test('debug of a number and of a list: the event carries text, the console prints it', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: sum
      debug: { msg: "{{ 2 + 3 }}" }
    - name: list
      debug: { msg: [1, two] }
`,
      { hosts: ['h1'] },
    );
    const [sum] = run.resultsOf('h1', 'sum');
    const [list] = run.resultsOf('h1', 'list');
    expect(sum?.msg).toBe('5');
    expect(list?.msg).toBe('[1,"two"]');
    const lines: string[] = [];
    const reporter = new ConsoleReporter({
      verbosity: 0,
      color: false,
      profile: false,
      out: (t: string) => lines.push(t),
    });
    for (const e of run.events) reporter.emit(e);
    expect(lines.join('')).toContain('=> 5');
  });
});
