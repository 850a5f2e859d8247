/** Batches, fail limits and any_errors_fatal lockstep, on local hosts (no root). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Barrier } from '../../../src/engine/barrier.js';
import { runLocal } from './local-run.js';

describe('scheduler', () => {
  test('any_errors_fatal: a failure stops every host of the batch before its next task, and the run', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - shell: echo one >> {{ dir }}/log
    - command: "false"
      when: inventory_hostname == 'h2'
    - shell: echo two >> {{ dir }}/log
- hosts: all
  gather_facts: false
  tasks:
    - shell: echo next-play >> {{ dir }}/log
`,
      { hosts: ['h1', 'h2', 'h3'], forks: 2 },
    );
    for (const host of ['h1', 'h2', 'h3']) expect(readFileSync(join(run.dir(host), 'log'), 'utf8')).toBe('one\n');
    expect(run.summary.failed).toEqual(['h2']);
    expect(run.summary.stoppedByFatal.sort()).toEqual(['h1', 'h3']);
    expect(run.events.some((e) => e.type === 'warning' && e.msg.includes('any_errors_fatal: h2 failed'))).toBe(true);
  });

  test('serial with max_fail_percentage: the batches after the limit never start, named with the reason', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  tasks:
    - command: "false"
      when: inventory_hostname == 'h2'
    - shell: echo ran >> {{ dir }}/log
`,
      { hosts: ['h1', 'h2', 'h3'] },
    );
    expect(existsSync(join(run.dir('h1'), 'log'))).toBe(true);
    expect(existsSync(join(run.dir('h3'), 'log'))).toBe(false);
    expect(run.summary.notStarted.h3).toMatch(/max_fail_percentage 0% exceeded: 1 of 1 hosts failed in batch 2/);
    expect(run.events.filter((e) => e.type === 'batch_start').length).toBe(2);
  });

  test('an interrupted run starts no new batch', async () => {
    const abort = new AbortController();
    abort.abort();
    const run = await runLocal('- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n', {
      signal: abort.signal,
    });
    expect(run.results).toEqual([]);
    expect(run.summary.interrupted).toBe(true);
  });

  test('barrier: parties meet; a party that leaves is not waited for', async () => {
    const barrier = new Barrier(3);
    const met: string[] = [];
    const a = barrier.arrive().then(() => met.push('a'));
    const b = barrier.arrive().then(() => met.push('b'));
    await new Promise((r) => setTimeout(r, 10));
    expect(met).toEqual([]);
    barrier.leave();
    await Promise.all([a, b]);
    expect(met.sort()).toEqual(['a', 'b']);
  });
});
