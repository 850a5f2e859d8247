import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { sessionBecome } from '../../../src/playbook/become.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-become-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
async function plan(yaml: string, groups: Record<string, string[]> = { all: ['a', 'b'], web: ['b'] }) {
  const file = join(root, `pb${++n}.yml`);
  writeFileSync(file, yaml);
  const pb = await loadPlaybook(file);
  return { file, plan: sessionBecome(pb, (pattern) => groups[pattern] ?? []) };
}

describe('become keywords', () => {
  test('yes/no words are booleans; anything else is an error at the keyword', async () => {
    const { plan: p } = await plan('- hosts: all\n  become: yes\n  tasks: []\n');
    expect(p.get('a')).toEqual({ become: true, becomeUser: undefined });
    const file = join(root, 'bad.yml');
    writeFileSync(file, '- hosts: all\n  become: sure\n  tasks: []\n');
    const e = await loadPlaybook(file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/bad\.yml:2:\d+: 'become' must be true or false \(or yes\/no\), not "sure"/);
  });

  test('gather_facts: no and ignore_errors: yes are read as Ansible reads them, not silently ignored', async () => {
    const file = join(root, 'words.yml');
    writeFileSync(
      file,
      '- hosts: all\n  gather_facts: no\n  tasks:\n    - command: "false"\n      ignore_errors: yes\n      no_log: on\n',
    );
    const pb = await loadPlaybook(file);
    expect(pb.plays[0]?.gatherFacts).toBe(false);
    expect(pb.plays[0]?.tasks[0]).toMatchObject({ ignoreErrors: true, noLog: true });
  });
});

describe('one session per host: who it runs as', () => {
  test('a play with become: true makes its hosts sudo; hosts of no such play are left to the inventory', async () => {
    const { plan: p } = await plan('- hosts: web\n  become: true\n  become_user: oracle\n  tasks: []\n');
    expect(p.get('b')).toEqual({ become: true, becomeUser: 'oracle' });
    expect(p.has('a')).toBe(false);
  });

  test('a task-level become: true counts for the host', async () => {
    const { plan: p } = await plan('- hosts: all\n  tasks:\n    - command: id\n      become: true\n');
    expect(p.get('a')?.become).toBe(true);
  });

  test('become: false beside become: true for the same host is refused, naming both places', async () => {
    const yaml =
      '- hosts: all\n  become: true\n  tasks: []\n- hosts: web\n  tasks:\n    - name: plain\n      become: false\n      command: id\n';
    const e = await plan(yaml).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(
      /pb\d+\.yml:6:\d+: become: false, but .*pb\d+\.yml:1:\d+ asks become: true for host b/,
    );
  });

  test('become: false for hosts that no become: true play reaches is fine', async () => {
    const yaml = '- hosts: web\n  become: true\n  tasks: []\n- hosts: all\n  become: false\n  tasks: []\n';
    await expect(plan(yaml, { web: ['b'], all: ['a'] })).resolves.toBeDefined();
  });

  test('two become users for one host are refused', async () => {
    const yaml =
      '- hosts: all\n  become: true\n  tasks: []\n- hosts: web\n  become: true\n  become_user: oracle\n  tasks: []\n';
    await expect(plan(yaml)).rejects.toThrow(/become_user oracle, but .* asks become: true for host b/);
  });
});
