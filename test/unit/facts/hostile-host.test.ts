/**
 * Issue 17.5: what a managed host says is hostile input. /etc/os-release with ID=constructor aborted
 * the run with a stack trace; ID_LIKE=../x made vars/{{ansible_os_family}}.yml load a file outside
 * vars/; escape sequences in command output reached the terminal; a type error echoed a password.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { Engine } from '../../../src/engine/run.js';
import { parseOsRelease } from '../../../src/facts/os-release.js';
import { ArgError, validateArgs } from '../../../src/modules/args.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { ConsoleReporter } from '../../../src/report/console.js';
import { terminalSafe } from '../../../src/report/terminal-text.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-hostile-host-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('/etc/os-release (issue 17.5)', () => {
  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('ID=%s is an unknown OS, not a crash', (id) => {
    const os = parseOsRelease(`ID=${id}\nVERSION_ID="8.6"\n`);
    expect(os.family).toBe('unknown');
    expect(typeof os.distribution).toBe('string');
  });

  test.each([
    ['ID=weird\nID_LIKE=../x', 'family', 'unknown'],
    ['ID=weird\nID_LIKE="/etc/passwd"', 'family', 'unknown'],
    ['ID=../../x', 'id', 'unknown'],
    ['ID=rhel\nVERSION_ID=../8', 'version', ''],
    ['ID=rhel\nVERSION_ID=8.6', 'version', '8.6'],
    ['ID=sles\nVERSION_ID="15.4"', 'family', 'Suse'],
  ])('%j: %s is %j', (text, field, value) => {
    expect(parseOsRelease(text)[field as 'id']).toBe(value);
  });

  test('PRETTY_NAME keeps its words, loses its escapes', () => {
    expect(parseOsRelease('ID=rhel\nPRETTY_NAME="Red Hat (Ootpa)\u001b]0;x\u0007"').prettyName).toBe(
      'Red Hat (Ootpa)]0;x',
    );
  });
});

describe('a value cannot lead vars_files out of its folder', () => {
  test('vars/{{fam}}.yml with fam=../secret is refused, the file is not read', async () => {
    const dir = join(root, 'pb');
    mkdirSync(join(dir, 'vars'), { recursive: true });
    writeFileSync(join(dir, 'secret.yml'), 'leaked: yes\n');
    writeFileSync(
      join(dir, 'pb.yml'),
      '- hosts: all\n  gather_facts: false\n  vars_files: ["vars/{{fam}}.yml"]\n  tasks:\n    - debug: { msg: "{{leaked}}" }\n',
    );
    const events: EngineEvent[] = [];
    await new Engine(
      {
        playbook: await loadPlaybook(join(dir, 'pb.yml')),
        hostsFor: () => ['local'],
        inventoryVars: () => ({ ansible_connection: 'local', fam: '../secret' }),
        connect: async (host) => LocalConnection.open(host),
        reporter: { emit: (e) => events.push(e) },
      },
      { check: false, diff: false, forks: 1, tags: [], skipTags: [], extraVars: {} },
    ).run();
    const result = events.find((e) => e.type === 'task_result');
    expect(result).toMatchObject({ status: 'failed' });
    expect(result?.type === 'task_result' && result.msg).toMatch(
      /renders to 'vars\/\.\.\/secret\.yml', which leaves its folder/,
    );
  });
});

describe('host output on a terminal', () => {
  const hostile = 'ok\u001b[2J\u001b[1;1Hfake\u001b]0;pwned\u0007 \u001bP+q\u001b\\ end\rX\u009b31m\u0000!';

  test('terminalSafe removes escape sequences and control characters, keeps text, tabs and newlines', () => {
    expect(terminalSafe(hostile)).toBe('okfake  endX!');
    expect(terminalSafe('a\tb\nc é 中')).toBe('a\tb\nc é 中');
  });

  test('the console shows a task result without any escape from the host', () => {
    const lines: string[] = [];
    const reporter = new ConsoleReporter({ verbosity: 1, color: false, out: (t: string) => lines.push(t) } as never);
    reporter.emit({
      type: 'task_result',
      play: 'p',
      task: 't',
      host: 'h',
      status: 'failed',
      handler: false,
      msg: hostile,
      stdout: hostile,
      stderr: hostile,
      diff: `--- a\n+++ b\n+${hostile}`,
      durationMs: 1,
    });
    const text = lines.join('\n');
    expect(text).toContain('okfake');
    const controls = [...text].filter((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      return (c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f);
    });
    expect(controls).toEqual([]);
  });
});

describe('type errors never echo a password', () => {
  test.each([
    [{ chap_password: { type: 'str' as const } }, { chap_password: ['Hunter2Secret'] }],
    [{ password: { type: 'int' as const } }, { password: 'Hunter2Secret' }],
    [{ secret_key: { type: 'str' as const, choices: ['a'] } }, { secret_key: 'Hunter2Secret' }],
    [{ token: { type: 'str' as const, secret: true } }, { token: { v: 'Hunter2Secret' } }],
  ])('%j', (schema, args) => {
    let message = '';
    try {
      validateArgs('m', schema, args);
    } catch (e) {
      expect(e).toBeInstanceOf(ArgError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/value hidden: secret/);
    expect(message).not.toContain('Hunter2Secret');
  });
});
