/**
 * Issue 17.4: no secret in a diff, old or new. Rotating a CHAP password showed the old
 * `node.session.auth.password = ...` line (not a current secret value) as diff context; a file a
 * no_log task wrote showed its secret content in a later task's diff. The engine runs against the
 * controller itself (`ansible_connection: local`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { Engine } from '../../../src/engine/run.js';
import { maskSecretLines } from '../../../src/engine/vars.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-diff-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
async function diffsOf(yaml: string, files: Record<string, string> = {}, check = false): Promise<string[]> {
  const dir = join(root, `case${++n}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = `${dir}.yml`;
  writeFileSync(file, yaml.replaceAll('DIR', dir));
  const events: EngineEvent[] = [];
  await new Engine(
    {
      playbook: await loadPlaybook(file),
      hostsFor: () => ['local'],
      inventoryVars: () => ({ ansible_connection: 'local' }),
      connect: async (host) => LocalConnection.open(host),
      reporter: { emit: (e) => events.push(e) },
    },
    { check, diff: true, forks: 1, tags: [], skipTags: [], extraVars: {} },
  ).run();
  return events.flatMap((e) => (e.type === 'task_result' && e.diff ? [e.diff] : []));
}

describe('secrets in diffs (issue 17.4)', () => {
  test('rotating a CHAP password: neither the old nor the new value is in the diff', async () => {
    const record = [
      '# BEGIN RECORD 2.1.8',
      'node.name = iqn.x',
      'node.session.auth.authmethod = CHAP',
      'node.session.auth.username = host1',
      'node.session.auth.password = 0ldS3cretValue',
      'node.session.auth.password_in = 0ldInboundValue',
      'node.session.timeo.replacement_timeout = 120',
      '# END RECORD',
      '',
    ].join('\n');
    const diffs = await diffsOf(
      `
- hosts: all
  gather_facts: false
  vars: { chap: { password: N3wS3cretValue } }
  tasks:
    - name: timeout
      lineinfile: { path: DIR/rec, regexp: '^node.session.timeo.replacement_timeout', line: node.session.timeo.replacement_timeout = 20 }
    - name: password
      lineinfile: { path: DIR/rec, regexp: '^node.session.auth.password =', line: 'node.session.auth.password = {{chap.password}}' }
`,
      { rec: record },
    );
    expect(diffs).toHaveLength(2);
    const all = diffs.join('\n');
    expect(all).not.toMatch(/0ldS3cretValue|0ldInboundValue|N3wS3cretValue/);
    expect(all).toContain('-node.session.auth.password = ********');
    expect(all).toContain('+node.session.auth.password = ********');
    expect(all).toContain(' node.session.auth.password_in = ********');
    expect(all).toContain('+node.session.timeo.replacement_timeout = 20');
  });

  test('a file a no_log task wrote: a later diff of it is hidden', async () => {
    const diffs = await diffsOf(`
- hosts: all
  gather_facts: false
  tasks:
    - name: secret file
      copy: { dest: DIR/key.conf, content: "token Zq8vTopSecretToken\\n" }
      no_log: true
    - name: add a line
      lineinfile: { path: DIR/key.conf, line: "other = 1" }
    - name: another file
      copy: { dest: DIR/plain.conf, content: "hello\\n" }
`);
    expect(diffs.join('\n')).not.toContain('Zq8vTopSecretToken');
    expect(diffs[0]).toMatch(/diff hidden: .*key\.conf was written by a no_log task/);
    expect(diffs[1]).toContain('+hello');
  });

  test.each([
    ['node.session.auth.password = x1', 'node.session.auth.password = ********'],
    ['-  password: "x y"', '-  password: ********'],
    ['+#secret=abc', '+#secret=********'],
    [' ansible_become_pass: hunter2', ' ansible_become_pass: ********'],
    ['+node.session.auth.username = host1', '+node.session.auth.username = host1'],
    ['--- /etc/password.conf: before', '--- /etc/password.conf: before'],
  ])('maskSecretLines(%j) = %j', (line, masked) => {
    expect(maskSecretLines(line)).toBe(masked);
  });
});
