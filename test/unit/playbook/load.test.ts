import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** Writes files into a fresh folder; returns the path of the first one. */
function fixture(files: Record<string, string>): string {
  const dir = join(root, `case${++n}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return join(dir, Object.keys(files)[0] as string);
}

async function configError(files: Record<string, string>): Promise<ConfigError> {
  const file = fixture(files);
  try {
    await loadPlaybook(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadPlaybook: a valid playbook', () => {
  test('plays, tasks, handlers and keywords are read', async () => {
    const file = fixture({
      'site.yml': `- name: iSER hosts
  hosts: iser_hosts
  serial: [1, "25%"]
  max_fail_percentage: 20
  vars: { startup: automatic }
  tasks:
    - name: startup
      lineinfile:
        path: /etc/iscsi/iscsid.conf
        regexp: '^node\\.startup'
        line: "node.startup = {{ startup }}"
      when: ansible_check_mode or startup is defined
      notify: restart iscsid
      register: r
    - command: iscsiadm -m session
      check_mode: false
      changed_when: false
  handlers:
    - name: restart iscsid
      service: { name: iscsid, state: restarted }
`,
    });
    const pb = await loadPlaybook(file);
    expect(pb.plays).toHaveLength(1);
    const play = pb.plays[0];
    expect(play?.name).toBe('iSER hosts');
    expect(play?.hosts).toBe('iser_hosts');
    expect(play?.serial).toEqual([1, '25%']);
    expect(play?.maxFailPercentage).toBe(20);
    expect(play?.tasks.map((t) => [t.name, t.module.name])).toEqual([
      ['startup', 'lineinfile'],
      ['command', 'command'],
    ]);
    expect(play?.tasks[0]?.when).toEqual(['ansible_check_mode or startup is defined']);
    expect(play?.tasks[0]?.notify).toEqual(['restart iscsid']);
    expect(play?.tasks[0]?.register).toBe('r');
    expect(play?.tasks[0]?.where.line).toBe(7);
    expect(play?.tasks[1]?.args).toEqual({ cmd: 'iscsiadm -m session' });
    expect(play?.tasks[1]?.checkMode).toBe(false);
    expect(play?.tasks[1]?.changedWhen).toEqual(['false']);
    expect(play?.handlers.map((h) => h.name)).toEqual(['restart iscsid']);
  });

  test('`when: "{{ expr }}"` is accepted as the bare expression', async () => {
    const pb = await loadPlaybook(
      fixture({ 'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      when: "{{ x == 1 }}"\n' }),
    );
    expect(pb.plays[0]?.tasks[0]?.when).toEqual([' x == 1 ']);
  });

  test('ansible.builtin. names are the same modules', async () => {
    const pb = await loadPlaybook(
      fixture({ 'p.yml': '- hosts: all\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n' }),
    );
    expect(pb.plays[0]?.tasks[0]?.module.name).toBe('debug');
  });

  test('import_playbook composes files in order, relative to the importing file', async () => {
    const file = fixture({
      'site.yml':
        '- import_playbook: sub/first.yml\n- hosts: all\n  name: main\n  tasks: []\n- import_playbook: second.yml\n',
      'second.yml': '- hosts: web\n  name: second\n  tasks:\n    - debug: { msg: two }\n',
    });
    mkdirSync(join(file, '..', 'sub'));
    writeFileSync(
      join(file, '..', 'sub', 'first.yml'),
      '- hosts: db\n  name: first\n  tasks:\n    - debug: { msg: one }\n',
    );
    const pb = await loadPlaybook(file);
    expect(pb.plays.map((p) => p.name)).toEqual(['first', 'main', 'second']);
    expect(pb.plays[0]?.baseDir).toBe(join(file, '..', 'sub'));
  });
});

describe('loadPlaybook: errors point at file:line:column and show the line', () => {
  test('malformed YAML', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n  - name: a\n     copy: {}\n' });
    // At the offending key (copy, indented 5 under a task whose keys are at 4), with a caret, in plain words.
    expect(e.where?.line).toBe(4);
    expect(e.where?.column).toBe(6);
    expect(e.message.replace(/^.*?p\.yml/, 'p.yml')).toBe(
      "p.yml:4:6: YAML syntax error: 'copy' is indented 5 spaces, deeper than 'name' on line 3 (at 4): YAML reads it as the rest of name's value; the keys of one mapping start in the same column\n         copy: {}\n         ^",
    );
  });

  test('duplicate keys are a YAML error', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  hosts: web\n' });
    expect(e.message).toMatch(
      /p\.yml:2:3: YAML syntax error: 'hosts' is set twice in the same mapping \(first at line 1\): YAML would keep only one/,
    );
  });

  test('unknown module: the closest name', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - name: t\n      templat:\n        src: a\n        dest: b\n',
    });
    expect(e.message).toMatch(
      /p\.yml:4:7: unknown module 'templat' \(did you mean 'template'\?\); modules: template, copy/,
    );
    expect(e.where?.excerpt).toBe('      templat:');
  });

  test('a misspelt task keyword next to a module', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      whn: x\n' });
    expect(e.message).toMatch(/p\.yml:4:7: unknown task keyword or module 'whn' \(did you mean 'when'\?\)/);
  });

  test('a task naming two modules', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      fail: { msg: x }\n',
    });
    expect(e.message).toContain('task names two modules: debug, fail');
  });

  test('a task without a module', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - name: nothing\n' });
    expect(e.message).toMatch(/p\.yml:3:7: task has no module/);
  });

  test('unknown argument: at the argument, with the closest name', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - copy:\n        dest: /x\n        contnet: a\n',
    });
    expect(e.message).toMatch(
      /p\.yml:5:9: module 'copy' has no argument 'contnet' \(did you mean 'content'\?\); valid: dest, content/,
    );
    expect(e.where?.excerpt).toBe('        contnet: a');
  });

  test('wrong type: mode: [1]', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - copy:\n        dest: /x\n        content: a\n        mode: [1]\n',
    });
    expect(e.message).toMatch(/p\.yml:6:9: argument 'mode': expected a file mode such as '0644', received list \[1\]/);
  });

  test('missing required argument', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - copy: { content: a }\n' });
    expect(e.message).toMatch(/p\.yml:3:13: module 'copy' needs argument 'dest'/);
  });

  test('a templated value is not type-checked at load', async () => {
    const file = fixture({
      'p.yml': '- hosts: all\n  tasks:\n    - copy: { dest: /x, content: a, mode: "{{ m }}" }\n',
    });
    await expect(loadPlaybook(file)).resolves.toBeDefined();
  });

  test('bad `when` syntax', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      when: x ==\n' });
    expect(e.message).toMatch(/p\.yml:4:13: 'when': unexpected end of expression: x == in: x ==/);
  });

  test('bad `failed_when` in a list', async () => {
    const e = await configError({
      'p.yml':
        '- hosts: all\n  tasks:\n    - command: "true"\n      failed_when:\n        - rc == 1\n        - rc @ 2\n',
    });
    expect(e.message).toMatch(/'failed_when': unexpected character '@' at column 4 in: rc @ 2/);
  });

  test('a `when` that is a mapping', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      when: { a: 1 }\n',
    });
    expect(e.message).toContain("'when' must be an expression or a list of them, not a mapping");
  });

  test('bad template syntax in an argument', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: "{{#if x}}" }\n' });
    expect(e.message).toMatch(/p\.yml:3:22: template syntax error/);
  });

  test('unknown play keyword', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  taks: []\n' });
    expect(e.message).toMatch(/p\.yml:2:3: unknown play keyword 'taks' \(did you mean 'tags'\?\)/);
  });

  test('a play without hosts', async () => {
    const e = await configError({ 'p.yml': '- name: x\n  tasks: []\n' });
    expect(e.message).toContain("a play needs 'hosts'");
  });

  test('bad serial and max_fail_percentage', async () => {
    expect((await configError({ 'p.yml': '- hosts: all\n  serial: [1, "25%", 0]\n' })).message).toMatch(
      /p\.yml:2:11: 'serial' entries must be positive numbers or percentages like "25%", not 0/,
    );
    expect((await configError({ 'p.yml': '- hosts: all\n  max_fail_percentage: 150\n' })).message).toContain(
      "'max_fail_percentage' must be a number from 0 to 100, not 150",
    );
  });

  test('not a list of plays', async () => {
    const e = await configError({ 'p.yml': 'hosts: all\n' });
    expect(e.message).toMatch(/p\.yml:1:1: a playbook must be a list of plays, found a mapping/);
  });

  test('unsupported keywords say so', async () => {
    const e = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - include_role: { name: r }\n' });
    expect(e.message).toContain("'include_role' is not supported by sshplay (yet)");
    const b = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - async: 10\n      debug: {}\n' });
    expect(b.message).toContain("'async' is not supported by sshplay (yet)");
  });

  test('delegate_to and run_once are task keywords', async () => {
    const file = fixture({
      'p.yml':
        '- hosts: all\n  tasks:\n    - debug: {}\n      delegate_to: localhost\n      run_once: true\n    - debug: {}\n',
    });
    const tasks = (await loadPlaybook(file)).plays[0]?.tasks ?? [];
    expect(tasks.map((t) => [t.delegateTo, t.runOnce])).toEqual([
      ['localhost', true],
      [undefined, false],
    ]);
    const bad = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - debug: {}\n      run_once: maybe\n' });
    expect(bad.message).toMatch(/p\.yml:4:17: 'run_once' must be true or false/);
  });

  test('include_tasks: a node of the tree; a fixed file is read at load, a missing one refused there', async () => {
    const file = fixture({
      'p.yml':
        '- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n      loop: [1, 2]\n      loop_control: { loop_var: n }\n      vars: { x: 1 }\n    - include_tasks: "{{ which }}.yml"\n',
      'inc.yml': '- debug: { msg: "{{ n }}" }\n',
    });
    const play = (await loadPlaybook(file)).plays[0];
    expect(play?.body).toMatchObject([
      { kind: 'include_tasks', file: 'inc.yml', loop: [1, 2], loopVar: 'n', vars: { x: 1 } },
      { kind: 'include_tasks', file: '{{ which }}.yml' },
    ]);
    // included tasks are known only when a host reaches the include
    expect(play?.tasks).toEqual([]);
    const missing = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - include_tasks: nope.yml\n' });
    expect(missing.message).toMatch(/p\.yml:3:22: include_tasks: cannot read .*nope\.yml: ENOENT/);
    const broken = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n',
      'inc.yml': '- debugg: {}\n',
    });
    expect(broken.message).toMatch(/inc\.yml:1:3: unknown module 'debugg'/);
    const kw = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - include_tasks: x.yml\n      register: r\n',
    });
    expect(kw.message).toMatch(/p\.yml:4:7: 'register' cannot go with include_tasks/);
    const handler = await configError({ 'p.yml': '- hosts: all\n  handlers:\n    - include_tasks: x.yml\n' });
    expect(handler.message).toContain('a handler cannot include tasks');
  });

  test('import_tasks: a file of tasks in place, each with its own file:line and the import when/tags/vars/become', async () => {
    const file = fixture({
      'p.yml':
        '- hosts: all\n  tasks:\n    - debug: { msg: first }\n    - import_tasks: tasks/iscsi.yml\n      when: do_it\n      tags: [iscsi]\n      vars: { a: 1 }\n      become: true\n    - debug: { msg: last }\n  handlers:\n    - import_tasks: tasks/handlers.yml\n',
    });
    mkdirSync(join(file, '../tasks'));
    writeFileSync(
      join(file, '../tasks/iscsi.yml'),
      '- name: one\n  debug: { msg: "{{a}}" }\n  tags: [own]\n- import_tasks: nested.yml\n',
    );
    writeFileSync(
      join(file, '../tasks/nested.yml'),
      '- name: two\n  command: "true"\n  when: other\n  vars: { a: 2 }\n',
    );
    writeFileSync(join(file, '../tasks/handlers.yml'), '- name: restart x\n  service: { name: x, state: restarted }\n');
    const pb = await loadPlaybook(file);
    const tasks = pb.plays[0]?.tasks ?? [];
    expect(tasks.map((t) => t.name)).toEqual(['debug', 'one', 'two', 'debug']);
    expect(tasks[1]).toMatchObject({ when: ['do_it'], tags: ['iscsi', 'own'], vars: { a: 1 }, become: true });
    expect(tasks[1]?.where).toMatchObject({ file: join(file, '../tasks/iscsi.yml'), line: 1 });
    expect(tasks[2]).toMatchObject({ when: ['do_it', 'other'], vars: { a: 2 }, become: true });
    expect(tasks[2]?.where).toMatchObject({ file: join(file, '../tasks/nested.yml'), line: 1 });
    expect(pb.plays[0]?.handlers.map((h) => h.name)).toEqual(['restart x']);
  });

  test('roles: tasks (named "role : task") after pre_tasks, handlers, defaults, vars, the entry keywords', async () => {
    const file = fixture({
      'site.yml':
        '- hosts: all\n  pre_tasks:\n    - debug: { msg: pre }\n  roles:\n    - common\n    - role: iscsi\n      vars: { port: 3261 }\n      when: use_iscsi\n      tags: [iscsi]\n  tasks:\n    - debug: { msg: own }\n',
    });
    const roles = join(file, '../roles');
    for (const [path, text] of Object.entries({
      'common/tasks/main.yml': '- name: base\n  debug: { msg: base }\n',
      'iscsi/tasks/main.yml':
        '- name: conf\n  template: { src: iscsid.conf.hbs, dest: /etc/x }\n  notify: restart iscsid\n',
      'iscsi/handlers/main.yml': '- name: restart iscsid\n  service: { name: iscsid, state: restarted }\n',
      'iscsi/defaults/main.yml': 'port: 3260\ntimeout: 20\n',
      'iscsi/vars/main.yml': 'service_name: iscsid\n',
      'iscsi/meta/main.yml': 'galaxy_info: {}\ndependencies: []\n',
    })) {
      mkdirSync(dirname(join(roles, path)), { recursive: true });
      writeFileSync(join(roles, path), text);
    }
    const play = (await loadPlaybook(file)).plays[0];
    expect(play?.tasks.map((t) => t.name)).toEqual(['debug', 'common : base', 'iscsi : conf', 'debug']);
    const conf = play?.tasks[2];
    expect(conf).toMatchObject({ when: ['use_iscsi'], tags: ['iscsi'] });
    expect(conf?.role).toEqual({
      name: 'iscsi',
      dir: join(roles, 'iscsi'),
      defaults: { port: 3260, timeout: 20 },
      vars: { service_name: 'iscsid', port: 3261 },
    });
    expect(conf?.where).toMatchObject({ file: join(roles, 'iscsi/tasks/main.yml'), line: 1 });
    expect(play?.handlers.map((h) => h.name)).toEqual(['restart iscsid']);
  });

  test('role dependencies run first and once per play; a cycle is an error naming the chain', async () => {
    const file = fixture({ 'site.yml': '- hosts: all\n  roles: [app, web]\n' });
    const roles = join(file, '../roles');
    for (const [path, text] of Object.entries({
      'app/meta/main.yml': 'dependencies:\n  - common\n',
      'app/tasks/main.yml': '- name: app\n  debug: {}\n',
      'web/meta/main.yml': 'dependencies:\n  - role: common\n',
      'web/tasks/main.yml': '- name: web\n  debug: {}\n',
      'common/tasks/main.yml': '- name: base\n  debug: {}\n',
      'common/handlers/main.yml': '- name: reload\n  debug: {}\n',
    })) {
      mkdirSync(dirname(join(roles, path)), { recursive: true });
      writeFileSync(join(roles, path), text);
    }
    const play = (await loadPlaybook(file)).plays[0];
    expect(play?.tasks.map((t) => t.name)).toEqual(['common : base', 'app : app', 'web : web']);
    expect(play?.handlers.map((h) => h.name)).toEqual(['reload']);
    mkdirSync(join(roles, 'common/meta'));
    writeFileSync(join(roles, 'common/meta/main.yml'), 'dependencies: [app]\n');
    const cycle = await loadPlaybook(file).catch((e: Error) => e);
    expect((cycle as Error).message).toMatch(/role dependency cycle: .*roles\/app -> .*roles\/common -> .*roles\/app/);
  });

  test('import_role: the role tasks in place (tasks_from too), its handlers join the play, not deduplicated', async () => {
    const file = fixture({
      'site.yml':
        '- hosts: all\n  roles: [svc]\n  tasks:\n    - debug: { msg: before }\n    - import_role: { name: svc, tasks_from: extra }\n      vars: { port: 1 }\n      when: ready\n    - import_role: { name: svc }\n  handlers:\n    - name: own\n      debug: {}\n',
    });
    const roles = join(file, '../roles');
    for (const [path, text] of Object.entries({
      'svc/tasks/main.yml': '- name: main\n  debug: {}\n',
      'svc/tasks/extra.yml': '- name: extra\n  debug: {}\n',
      'svc/handlers/main.yml': '- name: restart svc\n  debug: {}\n',
    })) {
      mkdirSync(dirname(join(roles, path)), { recursive: true });
      writeFileSync(join(roles, path), text);
    }
    const play = (await loadPlaybook(file)).plays[0];
    expect(play?.tasks.map((t) => t.name)).toEqual(['svc : main', 'debug', 'svc : extra', 'svc : main']);
    expect(play?.tasks[2]).toMatchObject({ when: ['ready'], role: { vars: { port: 1 } } });
    // the role's handler once, however often the role is used
    expect(play?.handlers.map((h) => h.name)).toEqual(['restart svc', 'own']);
    writeFileSync(file, '- hosts: all\n  tasks:\n    - import_role: { name: svc, tasks_from: nope }\n');
    const missing = await loadPlaybook(file).catch((e: Error) => e);
    expect((missing as Error).message).toMatch(/site\.yml:3:7: role 'svc' has no tasks\/nope\.yml \(tasks_from\)/);
    const bad = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - import_role: svc\n' });
    expect(bad.message).toMatch(/p\.yml:3:20: import_role takes a mapping with 'name'/);
  });

  test('role errors: not found (where it looked, also for a dependency), unknown keyword', async () => {
    const missing = await configError({ 'p.yml': '- hosts: all\n  roles: [nope]\n' });
    expect(missing.message).toMatch(/p\.yml:2:11: role 'nope' not found \(looked in .*roles\/nope/);
    const file = fixture({ 'p.yml': '- hosts: all\n  roles:\n    - role: r\n      delegate_to: x\n' });
    mkdirSync(join(file, '../roles/r/meta'), { recursive: true });
    const kw = await loadPlaybook(file).catch((e: Error) => e);
    expect((kw as Error).message).toMatch(/p\.yml:4:7: 'delegate_to' is not a role keyword/);
    writeFileSync(join(file, '../roles/r/meta/main.yml'), 'dependencies:\n  - role: ghost\n');
    writeFileSync(file, '- hosts: all\n  roles: [r]\n');
    const deps = await loadPlaybook(file).catch((e: Error) => e);
    expect((deps as Error).message).toMatch(/meta\/main\.yml:2:5: role 'ghost' not found/);
  });

  test('block/rescue/always: a tree (blocks in blocks), tasks listed in order; keywords apply to each task', async () => {
    const file = fixture({
      'p.yml':
        '- hosts: all\n  tasks:\n    - name: guarded\n      when: ready\n      tags: [b]\n      block:\n        - command: "true"\n        - command: "false"\n      rescue:\n        - debug: { msg: rescue }\n      always:\n        - debug: { msg: always }\n    - block:\n        - block:\n            - debug: { msg: inner }\n          when: deep\n          rescue:\n            - debug: { msg: inner rescue }\n        - debug: { msg: plain }\n',
    });
    const play = (await loadPlaybook(file)).plays[0];
    const tasks = play?.tasks ?? [];
    expect(tasks.map((t) => t.args.msg ?? t.args.cmd)).toEqual([
      'true',
      'false',
      'rescue',
      'always',
      'inner',
      'inner rescue',
      'plain',
    ]);
    expect(tasks[0]).toMatchObject({ when: ['ready'], tags: ['b'] });
    expect(tasks[3]).toMatchObject({ when: ['ready'], tags: ['b'] });
    expect(tasks[4]).toMatchObject({ when: ['deep'] });
    expect(tasks[6]?.when).toEqual([]);
    expect(play?.body).toMatchObject([
      { kind: 'block', block: [{}, {}], rescue: [{}], always: [{}] },
      { kind: 'block', block: [{ kind: 'block', block: [{}], rescue: [{}], always: [] }, {}], rescue: [] },
    ]);
  });

  test('block errors: rescue without block, block in handlers, unknown keyword', async () => {
    const lone = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - rescue: []\n      debug: {}\n' });
    expect(lone.message).toContain("'rescue' belongs to a block");
    const handler = await configError({ 'p.yml': '- hosts: all\n  handlers:\n    - block: []\n' });
    expect(handler.message).toContain('a handler cannot be a block');
    const kw = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - block: []\n      loop: [1]\n' });
    expect(kw.message).toMatch(/p\.yml:4:7: 'loop' cannot go with block/);
  });

  test('import_tasks errors: missing file, templated name, cycle, bad content, other keywords', async () => {
    const missing = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - import_tasks: nope.yml\n' });
    expect(missing.message).toMatch(/p\.yml:3:21: import_tasks: cannot read .*nope\.yml: ENOENT/);
    const templated = await configError({ 'p.yml': '- hosts: all\n  tasks:\n    - import_tasks: "{{f}}.yml"\n' });
    expect(templated.message).toContain('import_tasks takes a fixed file name');
    const cycle = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - import_tasks: a.yml\n',
      'a.yml': '- import_tasks: a.yml\n',
    });
    expect(cycle.message).toMatch(/a\.yml:1:\d+: import_tasks cycle: .*a\.yml -> .*a\.yml/);
    const bad = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - import_tasks: b.yml\n',
      'b.yml': '- copyy: {}\n',
    });
    expect(bad.message).toMatch(/b\.yml:1:3: unknown module 'copyy'/);
    const loop = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - import_tasks: b.yml\n      loop: [1]\n',
      'b.yml': '[]\n',
    });
    expect(loop.message).toMatch(/p\.yml:4:7: 'loop' cannot go with import_tasks/);
  });

  test('check_mode must be a boolean', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      check_mode: maybe\n',
    });
    expect(e.message).toMatch(/p\.yml:4:19: 'check_mode' must be true or false \(or yes\/no\), not "maybe"/);
  });

  test('an error in an imported file names that file', async () => {
    const e = await configError({
      'site.yml': '- import_playbook: bad.yml\n',
      'bad.yml': '- hosts: all\n  tasks:\n    - templte: {}\n',
    });
    expect(e.where?.file).toMatch(/bad\.yml$/);
    expect(e.message).toMatch(/bad\.yml:3:7: unknown module 'templte' \(did you mean 'template'\?\)/);
  });

  test('a missing imported file: at the import line', async () => {
    const e = await configError({ 'site.yml': '- hosts: all\n  tasks: []\n- import_playbook: nope.yml\n' });
    expect(e.message).toMatch(/site\.yml:3:20: import_playbook: cannot read .*nope\.yml/);
  });

  test('an import cycle names the chain', async () => {
    const e = await configError({ 'a.yml': '- import_playbook: b.yml\n', 'b.yml': '- import_playbook: a.yml\n' });
    expect(e.message).toMatch(/import_playbook cycle: .*a\.yml -> .*b\.yml -> .*a\.yml/);
  });

  test('a file importing itself', async () => {
    const e = await configError({ 'a.yml': '- hosts: all\n- import_playbook: ./a.yml\n' });
    expect(e.message).toMatch(/import_playbook cycle: .*a\.yml -> .*a\.yml/);
  });

  test('importing the same file twice (not a cycle) is fine', async () => {
    const file = fixture({
      'site.yml': '- import_playbook: common.yml\n- import_playbook: common.yml\n',
      'common.yml': '- hosts: all\n  name: common\n',
    });
    expect((await loadPlaybook(file)).plays.map((p) => p.name)).toEqual(['common', 'common']);
  });

  test('a missing playbook file', async () => {
    await expect(loadPlaybook(join(root, 'does-not-exist.yml'))).rejects.toThrow(/cannot read file/);
  });
});

describe('loadPlaybook: Jinja that sshplay does not take is refused at load, at file:line:column', () => {
  test('{% for %} in a value names it and what to write instead', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - debug:\n        msg: "{% for p in pkgs %}{{ p }}{% endfor %}"\n',
    });
    expect(e.message).toMatch(
      /p\.yml:4:15: \{% for %\} \(a Jinja loop\) is not supported in a value: put loop: on the task/,
    );
  });

  test('{% if %} in a block scalar, at its own line', async () => {
    const e = await configError({
      'p.yml':
        '- hosts: all\n  tasks:\n    - copy:\n        dest: /etc/x\n        content: |\n          a\n          {% if x %}b{% endif %}\n',
    });
    expect(e.message).toMatch(/p\.yml:7:11: \{% if %\} is not supported in a value: use when: on the task/);
  });

  test('an unknown filter, with the closest known one', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - debug:\n        msg: "{{ pkgs | join(\',\') | uppr }}"\n',
    });
    expect(e.message).toMatch(
      /p\.yml:4:15: in \{\{ pkgs \| join\(','\) \| uppr \}\}: unknown filter 'uppr' \(did you mean 'upper'\?\)/,
    );
  });

  test('an unknown filter in a when', async () => {
    const e = await configError({
      'p.yml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      when: x | bol\n',
    });
    expect(e.message).toMatch(/'when': unknown filter 'bol' \(did you mean 'bool'\?\)/);
  });

  test('a .j2 file given to template: refused for its Jinja, not for its name', async () => {
    const file = fixture({
      'p.yml':
        '- hosts: all\n  tasks:\n    - template:\n        src: iscsid.conf.j2\n        dest: /etc/iscsi/iscsid.conf\n',
    });
    mkdirSync(join(dirname(file), 'templates'));
    // plain substitutions render alike in Jinja and Handlebars: accepted
    writeFileSync(join(dirname(file), 'templates', 'iscsid.conf.j2'), 'node.startup = {{ startup }}\n');
    await expect(loadPlaybook(file)).resolves.toBeDefined();
    writeFileSync(
      join(dirname(file), 'templates', 'iscsid.conf.j2'),
      '{% for p in portals %}\nportal = {{ p }}\n{% endfor %}\n',
    );
    const e = await loadPlaybook(file).then(
      () => null,
      (x: unknown) => x as Error,
    );
    expect(e?.message).toMatch(/iscsid\.conf\.j2:1:\d+: .*\{% for %\}/);
  });

  test('a template file with Jinja inside, at the file line and column', async () => {
    const file = fixture({
      'p.yml': '- hosts: all\n  tasks:\n    - template:\n        src: conf.hbs\n        dest: /etc/x\n',
    });
    mkdirSync(join(dirname(file), 'templates'));
    writeFileSync(join(dirname(file), 'templates', 'conf.hbs'), '# conf\nnode = {{ name | upper }}\n');
    const e = await loadPlaybook(file).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect(e?.message).toMatch(
      /templates\/conf\.hbs:2:8: \{\{ name \| upper \}\} is a Jinja expression; template files are Handlebars here.*\(given to template: at .*p\.yml:4:14\)/,
    );
  });

  test('Jinja values that parse are accepted', async () => {
    const file = fixture({
      'p.yml':
        '- hosts: all\n  vars:\n    pkgs: [a, b]\n  tasks:\n    - debug:\n        msg: "{{ pkgs | join(\',\') | upper }}"\n',
    });
    await expect(loadPlaybook(file)).resolves.toBeDefined();
  });
});

describe('loadPlaybook: Jinja in vars is checked at load too', () => {
  test.each([
    [
      'play vars',
      '- hosts: all\n  vars:\n    joined: "{{ pkgs | jion(\',\') }}"\n  tasks: []\n',
      /p\.yml:3:14: .*unknown filter 'jion' \(did you mean 'join'\?\)/,
    ],
    [
      'task vars',
      '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      vars:\n        x: "{% if a %}b{% endif %}"\n',
      /p\.yml:5:13: \{% if %\} is not supported in a value/,
    ],
  ])('%s', async (_name, text, message) => {
    const e = await configError({ 'p.yml': text });
    expect(e.message).toMatch(message);
  });
});
