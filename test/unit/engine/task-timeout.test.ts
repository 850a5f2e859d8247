/**
 * Ansible's task keyword `timeout` and --task-timeout (EngineOptions.taskTimeoutS): parsed at load, enforced
 * per host by the engine on LocalConnections (a real /bin/sh), the host going on to its rescue as on any failure.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { Engine, type EngineOptions } from '../../../src/engine/run.js';
import { ConfigError, UsageError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { parseTimeoutSeconds } from '../../../src/playbook/task-timeout.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-timeout-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function play(yaml: string, options: Partial<EngineOptions> = {}, hostVars: Record<string, object> = {}) {
  const base = join(root, `run${n++}`);
  const hosts = ['h1', 'h2'];
  const dir = (h: string) => join(base, h);
  for (const h of hosts) mkdirSync(dir(h), { recursive: true });
  writeFileSync(join(base, 'site.yml'), yaml);
  const playbook = await loadPlaybook(join(base, 'site.yml'));
  const events: EngineEvent[] = [];
  const started = Date.now();
  const summary = await new Engine(
    {
      playbook,
      hostsFor: () => hosts,
      inventoryVars: (h) => ({ dir: dir(h), inventory_hostname: h, ...hostVars[h] }),
      connect: async (h) => LocalConnection.open(h),
      reporter: { emit: (e) => events.push(e) },
    },
    { check: false, diff: false, forks: 5, tags: [], skipTags: [], extraVars: {}, ...options },
  ).run();
  const results = events.filter((e): e is Extract<EngineEvent, { type: 'task_result' }> => e.type === 'task_result');
  return { summary, results, dir, seconds: (Date.now() - started) / 1000 };
}

describe('parseTimeoutSeconds', () => {
  test.each([
    [10, 10],
    ['10', 10],
    [' 7 ', 7],
    [0, 0],
    ['0', 0],
  ])('%j is %d s', (value, seconds) => {
    expect(parseTimeoutSeconds(value)).toEqual({ seconds });
  });
  test.each([-1, 1.5, 'abc', '10s', '', true, null, [3]])('%j is refused, saying what it takes', (value) => {
    expect(parseTimeoutSeconds(value)).toEqual({
      error: `must be a whole number of seconds (0: no limit), not ${JSON.stringify(value)}`,
    });
  });
});

describe('the timeout keyword at load', () => {
  test('a number of seconds is kept on the task; absent stays undefined', async () => {
    const file = join(root, 'kw.yml');
    writeFileSync(file, '- hosts: all\n  tasks:\n    - command: "true"\n      timeout: 5\n    - command: "true"\n');
    const pb = await loadPlaybook(file);
    expect(pb.plays[0]?.tasks.map((t) => t.timeout)).toEqual([5, undefined]);
  });
  test('a bad value is refused naming file:line:column', async () => {
    const file = join(root, 'bad.yml');
    writeFileSync(file, '- hosts: all\n  tasks:\n    - command: "true"\n      timeout: soon\n');
    const err = await loadPlaybook(file).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(
      `${file}:4:16: 'timeout' must be a whole number of seconds (0: no limit), not "soon"`,
    );
  });
});

describe('the engine enforces it', () => {
  const BLOCK = `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: slow
          command: "sleep {{ nap }}"
          timeout: 1
      rescue:
        - name: rescued
          command: "touch {{ dir }}/rescued"
    - name: after
      command: "touch {{ dir }}/after"
`;
  test('a task past its timeout fails naming its command; the host runs its rescue in a new shell; the other host is untouched', async () => {
    const o = await play(BLOCK, {}, { h1: { nap: 30 }, h2: { nap: 0 } });
    const slow = o.results.find((r) => r.host === 'h1' && r.task === 'slow');
    expect(slow).toMatchObject({ status: 'failed', msg: 'timed out after 1 s in sleep 30' });
    expect(o.seconds).toBeLessThan(10);
    expect(existsSync(join(o.dir('h1'), 'rescued'))).toBe(true);
    expect(existsSync(join(o.dir('h1'), 'after'))).toBe(true);
    expect(existsSync(join(o.dir('h2'), 'rescued'))).toBe(false);
    expect(o.summary.stats.h1).toMatchObject({ failed: 0, rescued: 1, unreachable: 0 });
    expect(o.summary.stats.h2).toMatchObject({ failed: 0, rescued: 0 });
  });

  test('--task-timeout applies to every task; a task timeout of 0 lifts it; a timed-out host stops without rescue', async () => {
    const yaml = `
- hosts: all
  gather_facts: false
  tasks:
    - name: unlimited
      command: sleep 2
      timeout: 0
    - name: limited
      command: "sleep {{ nap }}"
    - name: after
      command: "touch {{ dir }}/after"
`;
    const o = await play(yaml, { taskTimeoutS: 1 }, { h1: { nap: 30 }, h2: { nap: 0 } });
    expect(o.results.filter((r) => r.task === 'unlimited').map((r) => r.status)).toEqual(['changed', 'changed']);
    expect(o.results.find((r) => r.host === 'h1' && r.task === 'limited')).toMatchObject({
      status: 'failed',
      msg: 'timed out after 1 s in sleep 30',
    });
    expect(o.summary.failed).toEqual(['h1']);
    expect(existsSync(join(o.dir('h1'), 'after'))).toBe(false);
    expect(existsSync(join(o.dir('h2'), 'after'))).toBe(true);
    expect(o.seconds).toBeLessThan(12);
  });
});

describe('the run-wide default', () => {
  test('--task-timeout with a bad value is a usage error naming the option, before anything is read', async () => {
    const { runPlaybookCommand } = await import('../../../src/cli/run-command.js');
    const err = await runPlaybookCommand(['none.yml'], { taskTimeout: '5m' } as never).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--task-timeout must be a whole number of seconds (0: no limit), not "5m"');
  });
  test("ansible.cfg's task_timeout is read from [defaults], as Ansible's TASK_TIMEOUT", async () => {
    const { loadAnsibleConfig } = await import('../../../src/cli/ansible-config.js');
    const file = join(root, 'ansible.cfg');
    writeFileSync(file, '[defaults]\ntask_timeout = 7\n');
    const saved = process.env.ANSIBLE_CONFIG;
    process.env.ANSIBLE_CONFIG = file;
    try {
      expect((await loadAnsibleConfig())?.taskTimeout).toBe('7');
    } finally {
      if (saved === undefined) delete process.env.ANSIBLE_CONFIG;
      else process.env.ANSIBLE_CONFIG = saved;
    }
  });
});
