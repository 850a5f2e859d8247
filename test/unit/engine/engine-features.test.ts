/** Nested blocks, include_tasks, delegate_to and run_once through the Engine on local hosts (no root). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runLocal } from './local-run.js';

const read = (path: string) => readFileSync(path, 'utf8');

describe('nested blocks', () => {
  test('an inner failure runs the inner always, then the outer rescue; the host goes on, counted rescued', async () => {
    const run = await runLocal(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - block:
            - name: breaks
              command: "false"
            - name: never
              shell: echo never >> {{ dir }}/log
          always:
            - shell: echo inner-always >> {{ dir }}/log
        - name: after inner
          shell: echo after-inner >> {{ dir }}/log
      rescue:
        - shell: echo outer-rescue >> {{ dir }}/log
      always:
        - shell: echo outer-always >> {{ dir }}/log
    - shell: echo next >> {{ dir }}/log
`);
    for (const host of ['h1', 'h2']) {
      expect(read(join(run.dir(host), 'log'))).toBe('inner-always\nouter-rescue\nouter-always\nnext\n');
      expect(run.summary.stats[host]).toMatchObject({ failed: 0, rescued: 1 });
    }
    expect(run.summary.failed).toEqual([]);
  });
});

describe('include_tasks', () => {
  test('per loop item with loop_var, its vars, its when; the file found beside the file that includes it', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: tasks/outer.yml
`,
      {
        files: {
          'tasks/outer.yml': `
- include_tasks: "{{ which }}.yml"
  loop: [a, b, c]
  loop_control: { loop_var: letter, index_var: at }
  vars: { which: inner, prefix: "p-{{ inventory_hostname }}" }
  when: letter != 'b'
`,
          'tasks/inner.yml': `
- shell: echo {{ prefix }}-{{ letter }}-{{ at }} >> {{ dir }}/log
`,
        },
      },
    );
    expect(run.summary.failed).toEqual([]);
    expect(read(join(run.dir('h1'), 'log'))).toBe('p-h1-a-0\np-h1-c-2\n');
    expect(read(join(run.dir('h2'), 'log'))).toBe('p-h2-a-0\np-h2-c-2\n');
    const inner = run.resultsOf('h1', 'include_tasks: {{ which }}.yml');
    expect(inner.map((r) => r.status)).toEqual(['ok', 'skipped', 'ok']);
    expect(inner[0]?.msg).toMatch(/included: .*tasks\/inner\.yml$/);
  });

  test('a missing file fails the host at the include (rescue can take it), naming the file', async () => {
    const run = await runLocal(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - include_tasks: "{{ inventory_hostname }}.yml"
      rescue:
        - shell: echo rescued >> {{ dir }}/log
`);
    expect(read(join(run.dir('h1'), 'log'))).toBe('rescued\n');
    const [include] = run.resultsOf('h1', 'include_tasks: {{ inventory_hostname }}.yml');
    expect(include?.status).toBe('failed');
    expect(include?.msg).toMatch(/include_tasks: cannot read .*h1\.yml: ENOENT/);
  });

  test('a file that includes itself stops with an error instead of running forever', async () => {
    const run = await runLocal(
      `
- hosts: h1
  gather_facts: false
  tasks:
    - include_tasks: "{{ 'self' }}.yml"
`,
      { hosts: ['h1'], files: { 'self.yml': `- include_tasks: "{{ 'self' }}.yml"\n` } },
    );
    expect(run.summary.failed).toEqual(['h1']);
    expect(run.results.at(-1)?.msg).toContain('include_tasks nested 64 deep');
  });
});

describe('delegate_to', () => {
  test("runs on the delegated host's connection with the original host's variables; it is not in the recap", async () => {
    const run = await runLocal(
      `
- hosts: web
  gather_facts: false
  tasks:
    - name: on the helper
      shell: echo {{ inventory_hostname }} >> {{ dir }}/log
      delegate_to: helper
      register: out
    - name: seen
      debug: { msg: "{{ out.delegated_to }}" }
`,
      { hosts: ['h1', 'h2', 'helper'], groups: { web: ['h1', 'h2'] } },
    );
    expect(run.summary.failed).toEqual([]);
    // the original host's variables: its own dir, its own name
    expect(read(join(run.dir('h1'), 'log'))).toBe('h1\n');
    expect(read(join(run.dir('h2'), 'log'))).toBe('h2\n');
    expect(run.summary.connectionStats.helper?.roundTrips).toBeGreaterThan(0);
    expect(run.summary.connectionStats.h1).toBeUndefined();
    expect(Object.keys(run.summary.stats).sort()).toEqual(['h1', 'h2']);
    expect(run.resultsOf('h1', 'seen')[0]?.msg).toBe('helper');
  });

  test('an unreachable delegate makes the host unreachable, naming the delegate', async () => {
    const run = await runLocal(
      `
- hosts: h1
  gather_facts: false
  tasks:
    - command: "true"
      delegate_to: down
`,
      { hosts: ['h1', 'down'], unreachable: ['down'] },
    );
    expect(run.summary.unreachable).toEqual(['h1']);
    expect(run.resultsOf('h1', 'connect')[0]?.msg).toContain('delegate_to down: ');
  });

  test('a delegate that is no inventory host is refused, naming it', async () => {
    const run = await runLocal(
      `
- hosts: h1
  gather_facts: false
  tasks:
    - command: "true"
      delegate_to: "{{ 'nowhere' }}"
`,
      { hosts: ['h1'] },
    );
    expect(run.summary.failed).toEqual(['h1']);
    expect(run.results.at(-1)?.msg).toContain("delegate_to: 'nowhere' is not a host of the inventory (nor localhost)");
  });
});

describe('run_once', () => {
  test('runs for the first host of the batch; every host registers its result and is notified', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - name: once
      shell: echo {{ inventory_hostname }} >> {{ dir }}/once
      register: said
      run_once: true
      notify: handler
    - name: write
      copy: { dest: "{{ dir }}/seen", content: "{{ said.cmd }}" }
  handlers:
    - name: handler
      shell: echo handled >> {{ dir }}/handled
`,
      { hosts: ['h1', 'h2', 'h3'] },
    );
    expect(run.summary.failed).toEqual([]);
    // batch 1 (h1, h2) ran it on h1; batch 2 (h3) on h3
    expect(read(join(run.dir('h1'), 'once'))).toBe('h1\n');
    expect(existsSync(join(run.dir('h2'), 'once'))).toBe(false);
    expect(read(join(run.dir('h3'), 'once'))).toBe('h3\n');
    expect(read(join(run.dir('h2'), 'seen'))).toContain(join(run.dir('h1'), 'once'));
    for (const host of ['h1', 'h2', 'h3']) expect(read(join(run.dir(host), 'handled'))).toBe('handled\n');
    expect(run.resultsOf('h2', 'once')).toEqual([]);
  });

  test('a failure fails every host of the batch; with fewer forks than hosts nobody waits forever', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  tasks:
    - command: "false"
      run_once: true
    - shell: echo never >> {{ dir }}/log
`,
      { hosts: ['h1', 'h2', 'h3'], forks: 1 },
    );
    expect(run.summary.failed.sort()).toEqual(['h1', 'h2', 'h3']);
    for (const host of ['h1', 'h2', 'h3']) expect(existsSync(join(run.dir(host), 'log'))).toBe(false);
    expect(run.resultsOf('h2', 'command')[0]?.msg).toBe('run_once: the task failed on h1');
  });

  test('with delegate_to localhost: one controller-side step for the play', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: controller step
      command: echo from-the-controller
      delegate_to: localhost
      run_once: true
      register: step
      changed_when: false
    - copy: { dest: "{{ dir }}/step", content: "{{ step.stdout }}" }
`,
    );
    expect(run.summary.failed).toEqual([]);
    for (const host of ['h1', 'h2']) expect(read(join(run.dir(host), 'step'))).toBe('from-the-controller');
    expect(run.summary.connectionStats.localhost?.roundTrips).toBeGreaterThan(0);
  });
});
