/**
 * Issue 17.2: what a task does happens at its turn. A `changed_when: false` command is not a read to
 * run early: it may have side effects, and it must see what every task before it (in any play) did.
 * The engine runs against the controller itself (`ansible_connection: local`, a real /bin/sh).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { Engine } from '../../../src/engine/run.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-read-ahead-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
async function runPlaybook(yaml: string, check = false) {
  const dir = join(root, `case${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'kept'), 'kept');
  const file = `${dir}.yml`;
  writeFileSync(file, yaml.replaceAll('DIR', dir));
  const events: EngineEvent[] = [];
  const summary = await new Engine(
    {
      playbook: await loadPlaybook(file),
      hostsFor: () => ['local'],
      inventoryVars: () => ({ ansible_connection: 'local' }),
      connect: async (host) => LocalConnection.open(host),
      reporter: { emit: (e) => events.push(e) },
    },
    { check, diff: false, forks: 1, tags: [], skipTags: [], extraVars: {} },
  ).run();
  return { dir, summary, events };
}

const results = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'task_result' ? [`${e.task}: ${e.status}`] : []));

describe('tasks run in the playbook order (issue 17.2)', () => {
  test("play 2's changed_when: false command sees the file play 1 wrote", async () => {
    const { summary, events } = await runPlaybook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: already as wanted (may change the host, does not)
      copy: { dest: DIR/kept, content: "kept" }
    - name: write (says it changes nothing)
      shell: printf hi > DIR/f
      changed_when: false
- hosts: all
  gather_facts: false
  tasks:
    - name: read
      command: cat DIR/f
      changed_when: false
      register: r
    - name: saw it
      assert: { that: ["r.stdout == 'hi'"] }
`);
    expect(results(events)).toContain('saw it: ok');
    expect(summary.failed).toEqual([]);
  });

  test('a changed_when: false command runs once, at its turn, after the task before it', async () => {
    const { dir, summary } = await runPlaybook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      shell: mkdir -p DIR && echo first >> DIR/log
    - name: second (says it changes nothing)
      shell: echo second >> DIR/log
      changed_when: false
- hosts: all
  gather_facts: false
  tasks:
    - name: third
      shell: echo third >> DIR/log
      changed_when: false
    - name: third again (same command)
      shell: echo third >> DIR/log
      changed_when: false
`);
    expect(summary.failed).toEqual([]);
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('first\nsecond\nthird\nthird\n');
  });

  test('a file a changed_when: false command wrote is read fresh by a later task', async () => {
    const { dir, events } = await runPlaybook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: prepare
      command: mkdir -p DIR
      changed_when: false
    - name: look
      copy: { dest: DIR/conf, content: "new" }
      check_mode: true
    - name: touch up
      shell: printf new > DIR/conf
      changed_when: false
    - name: keep
      copy: { dest: DIR/conf, content: "new" }
`);
    expect(readFileSync(join(dir, 'conf'), 'utf8')).toBe('new');
    expect(results(events)).toContain('keep: ok');
  });
});
