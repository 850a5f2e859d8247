/**
 * The engine end to end without root or sshd: real playbooks (loaded as the CLI loads them) run by the
 * Engine on "hosts" that are LocalConnections (a real /bin/sh on this machine, the same scripts and
 * atomic writes as over SSH), each host writing only under its own temporary folder. What is checked
 * is what a user sees: the events, the recap counts and the files on disk.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { Connection } from '../../../src/connection/types.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { Engine, type EngineOptions, type RunSummary } from '../../../src/engine/run.js';
import { ConnectionError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-engine-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

interface Outcome {
  summary: RunSummary;
  events: EngineEvent[];
  results: Extract<EngineEvent, { type: 'task_result' }>[];
  dir: (host: string) => string;
}

/** Runs `yaml` (a playbook) on hosts h1.. (each `dir` var its own folder) through LocalConnections. */
async function play(
  yaml: string,
  options: Partial<EngineOptions> & {
    hosts?: string[];
    unreachable?: string[];
    hostVars?: Record<string, Record<string, unknown>>;
  } = {},
  reuse?: string,
): Promise<Outcome> {
  const base = reuse ?? join(root, `run${n++}`);
  const hosts = options.hosts ?? ['h1', 'h2'];
  const dir = (h: string) => join(base, h);
  for (const h of hosts) mkdirSync(dir(h), { recursive: true });
  const file = join(base, 'site.yml');
  writeFileSync(file, yaml);
  const playbook = await loadPlaybook(file);
  const events: EngineEvent[] = [];
  const opened: Connection[] = [];
  const summary = await new Engine(
    {
      playbook,
      hostsFor: () => hosts,
      inventoryVars: (h) => ({ dir: dir(h), inventory_hostname: h, ...options.hostVars?.[h] }),
      async connect(h) {
        if (options.unreachable?.includes(h)) throw new ConnectionError(h, 'connection refused');
        const c = LocalConnection.open(h);
        opened.push(c);
        return c;
      },
      reporter: { emit: (e) => events.push(e) },
    },
    {
      check: false,
      diff: false,
      forks: 5,
      tags: [],
      skipTags: [],
      extraVars: {},
      ...options,
    },
  ).run();
  return {
    summary,
    events,
    results: events.filter((e): e is Extract<EngineEvent, { type: 'task_result' }> => e.type === 'task_result'),
    dir,
  };
}

const statsOf = (o: Outcome, h: string) => o.summary.stats[h];
const resultOf = (o: Outcome, h: string, task: string) => o.results.filter((r) => r.host === h && r.task === task);

describe('Engine through LocalConnection', () => {
  const SITE = `
- hosts: all
  gather_facts: false
  tasks:
    - name: startup
      lineinfile: { path: "{{ dir }}/iscsid.conf", regexp: "^node.startup", line: "node.startup = automatic", create: true, mode: "0600" }
      notify: reload
    - name: timeout
      lineinfile: { path: "{{ dir }}/iscsid.conf", regexp: "^node.session.timeo", line: "node.session.timeo.replacement_timeout = 20" }
      notify: reload
    - name: read back
      command: cat {{ dir }}/iscsid.conf
      register: conf
      changed_when: false
    - name: only when automatic
      copy: { dest: "{{ dir }}/seen", content: "{{ conf.stdout }}" }
      when: "'automatic' in conf.stdout"
  handlers:
    - name: reload
      shell: echo reloaded >> {{ dir }}/handler.log
`;
  const CONF = 'node.startup = automatic\nnode.session.timeo.replacement_timeout = 20\n';

  test('a first run changes every host, runs the handler once; a second run changes nothing', async () => {
    const first = await play(SITE);
    for (const h of ['h1', 'h2']) {
      expect(statsOf(first, h)).toMatchObject({ failed: 0, unreachable: 0, changed: 4 });
      expect(readFileSync(join(first.dir(h), 'iscsid.conf'), 'utf8')).toBe(CONF);
      expect(statSync(join(first.dir(h), 'iscsid.conf')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(first.dir(h), 'seen'), 'utf8')).toBe(CONF.trimEnd());
      expect(readFileSync(join(first.dir(h), 'handler.log'), 'utf8')).toBe('reloaded\n');
    }
    expect(first.summary.failed).toEqual([]);
    const base = join(first.dir('h1'), '..');
    const second = await play(SITE, {}, base);
    for (const h of ['h1', 'h2']) {
      expect(statsOf(second, h)).toMatchObject({ changed: 0, failed: 0 });
      expect(readFileSync(join(second.dir(h), 'handler.log'), 'utf8')).toBe('reloaded\n');
    }
  });

  test('--check changes nothing on disk, yet later tasks see what earlier ones would write', async () => {
    const o = await play(SITE, { check: true, diff: true });
    for (const h of ['h1', 'h2']) {
      expect(existsSync(join(o.dir(h), 'iscsid.conf')), h).toBe(false);
      expect(existsSync(join(o.dir(h), 'handler.log')), h).toBe(false);
      const [startup] = resultOf(o, h, 'startup');
      expect(startup?.status).toBe('changed');
      expect(startup?.diff).toContain('+node.startup = automatic');
      // the second edit is planned on the file the first would have written: its line is context
      const [timeout] = resultOf(o, h, 'timeout');
      expect(timeout?.status).toBe('changed');
      expect(timeout?.diff).toContain('\n node.startup = automatic\n+node.session.timeo.replacement_timeout = 20');
    }
  });

  test('block/rescue/always: a failure runs rescue, always runs, the host goes on and is counted rescued', async () => {
    const o = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: boom
          command: "false"
        - name: never
          file: { path: "{{ dir }}/never", state: touch }
      rescue:
        - name: rescued
          file: { path: "{{ dir }}/rescued", state: touch }
      always:
        - name: always
          file: { path: "{{ dir }}/always", state: touch }
    - name: after
      file: { path: "{{ dir }}/after", state: touch }
`);
    for (const h of ['h1', 'h2']) {
      expect(statsOf(o, h)).toMatchObject({ failed: 0, rescued: 1 });
      expect(existsSync(join(o.dir(h), 'never'))).toBe(false);
      for (const f of ['rescued', 'always', 'after']) expect(existsSync(join(o.dir(h), f)), f).toBe(true);
    }
    expect(o.summary.failed).toEqual([]);
  });

  test('a failing host stops; the others finish; ignore_errors, failed_when and changed_when are honoured', async () => {
    const o = await play(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: ignored
      command: "false"
      ignore_errors: true
    - name: judged
      shell: echo WARN; exit 0
      register: judged
      failed_when: "'WARN' in judged.stdout and inventory_hostname == 'h2'"
      changed_when: false
    - name: last
      file: { path: "{{ dir }}/last", state: touch }
`,
    );
    expect(statsOf(o, 'h1')).toMatchObject({ failed: 0, ignored: 1 });
    expect(existsSync(join(o.dir('h1'), 'last'))).toBe(true);
    expect(statsOf(o, 'h2')).toMatchObject({ failed: 1 });
    expect(existsSync(join(o.dir('h2'), 'last'))).toBe(false);
    expect(o.summary.failed).toEqual(['h2']);
    expect(resultOf(o, 'h1', 'judged')[0]?.status).toBe('ok');
  });

  test("a registered result holds the command's fields, and each command's cmd and rc only when it ran several", async () => {
    const o = await play(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: one command
      shell: echo one; echo two; echo err >&2
      register: one
    - name: two commands (mkdir, then chmod)
      file: { path: "{{ dir }}/made", state: directory, mode: "0750" }
      register: made
    - name: keep them
      copy: { dest: "{{ dir }}/registered.json", content: "{{ [one, made] | to_json }}" }
`,
      { hosts: ['h1'] },
    );
    expect(o.summary.failed).toEqual([]);
    const [one, made] = JSON.parse(readFileSync(join(o.dir('h1'), 'registered.json'), 'utf8'));
    expect(Object.keys(one).sort()).toEqual(
      ['changed', 'cmd', 'failed', 'rc', 'stderr', 'stderr_lines', 'stdout', 'stdout_lines'].sort(),
    );
    expect(one).toMatchObject({ rc: 0, stdout: 'one\ntwo', stdout_lines: ['one', 'two'], stderr_lines: ['err'] });
    expect(made.commands.map((c: { rc: number }) => c.rc)).toEqual([0, 0]);
    expect(JSON.stringify(made.commands)).toMatch(/mkdir.*chmod/);
    expect(made.rc).toBe(0);
  });

  test('an unreachable host is reported with its reason; the others run', async () => {
    const o = await play(
      `
- hosts: all
  gather_facts: false
  tasks:
    - file: { path: "{{ dir }}/ran", state: touch }
`,
      { unreachable: ['h2'] },
    );
    expect(o.summary.unreachable).toEqual(['h2']);
    expect(statsOf(o, 'h2')?.unreachable).toBe(1);
    expect(JSON.stringify(o.events)).toContain('h2: connection refused');
    expect(existsSync(join(o.dir('h1'), 'ran'))).toBe(true);
    expect(existsSync(join(o.dir('h2'), 'ran'))).toBe(false);
  });

  test('loop with loop_control, tags and --skip-tags, --start-at-task', async () => {
    const yaml = `
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      file: { path: "{{ dir }}/first", state: touch }
      tags: [one]
    - name: items
      file: { path: "{{ dir }}/{{ idx }}-{{ port }}", state: touch }
      loop: [ib0, ib1]
      loop_control: { loop_var: port, index_var: idx }
      tags: [two]
`;
    const all = await play(yaml, { hosts: ['h1'] });
    expect(['first', '0-ib0', '1-ib1'].map((f) => existsSync(join(all.dir('h1'), f)))).toEqual([true, true, true]);
    const onlyTwo = await play(yaml, { hosts: ['h1'], tags: ['two'] });
    expect(['first', '0-ib0'].map((f) => existsSync(join(onlyTwo.dir('h1'), f)))).toEqual([false, true]);
    const skipTwo = await play(yaml, { hosts: ['h1'], skipTags: ['two'] });
    expect(['first', '0-ib0'].map((f) => existsSync(join(skipTwo.dir('h1'), f)))).toEqual([true, false]);
    const fromItems = await play(yaml, { hosts: ['h1'], startAtTask: 'items' });
    expect(['first', '1-ib1'].map((f) => existsSync(join(fromItems.dir('h1'), f)))).toEqual([false, true]);
  });

  test('when on a looped task is evaluated per item, with the item bound (as Ansible does)', async () => {
    const o = await play(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: per item
      file: { path: "{{ dir }}/{{ item.name }}", state: touch }
      loop:
        - { name: with-x, x: 1 }
        - { name: without-x }
        - { name: idx-skipped, x: 2 }
      loop_control: { index_var: i }
      when: item.x is defined and i < 2
    - name: whole loop skipped by a condition that does not read the item
      file: { path: "{{ dir }}/{{ item }}", state: touch }
      loop: "{{ undefined_list }}"
      when: undefined_list is defined
`,
      { hosts: ['h1'] },
    );
    expect(['with-x', 'without-x', 'idx-skipped'].map((f) => existsSync(join(o.dir('h1'), f)))).toEqual([
      true,
      false,
      false,
    ]);
    expect(resultOf(o, 'h1', 'per item').map((r) => r.status)).toEqual(['changed', 'skipped', 'skipped']);
    expect(
      resultOf(o, 'h1', 'whole loop skipped by a condition that does not read the item').map((r) => r.status),
    ).toEqual(['skipped']);
    expect(statsOf(o, 'h1')?.failed).toBe(0);
  });

  test('serial batches run in order and max_fail_percentage stops the play after a failed batch', async () => {
    const o = await play(
      `
- hosts: all
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  tasks:
    - name: fail on h1
      command: "false"
      when: inventory_hostname == 'h1'
    - file: { path: "{{ dir }}/ran", state: touch }
`,
      { hosts: ['h1', 'h2', 'h3'] },
    );
    const batches = o.events.filter((e) => e.type === 'batch_start').map((e) => (e as { hosts: string[] }).hosts);
    expect(batches).toEqual([['h1']]);
    expect(o.summary.failed).toEqual(['h1']);
    expect(existsSync(join(o.dir('h2'), 'ran'))).toBe(false);
    expect(existsSync(join(o.dir('h3'), 'ran'))).toBe(false);
  });
});
