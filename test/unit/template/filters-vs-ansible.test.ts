/**
 * The documented examples of filters.test.ts, evaluated by ansible-playbook itself (Debian's
 * ansible-core 2.14, Jinja2 3.1) on localhost: each expected value is what Ansible computes.
 * ansible.utils' ipaddr is a collection outside ansible-core, so its examples are not run here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { describeNeeding } from '../../support/prerequisites.js';
import { EXAMPLES, VARS } from './filter-examples.js';

const missing = existsSync('/usr/bin/ansible-playbook') ? null : '/usr/bin/ansible-playbook (install ansible-core)';

describeNeeding(missing)('filters: the same results as ansible-playbook', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshplay-filters-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every documented example', { timeout: 300_000 }, () => {
    // "J" + to_json: a string Ansible will not re-read as a Python literal, decoded here as JSON.
    const tasks = EXAMPLES.map(([src]) => ({ debug: { msg: `J{{ (${src}) | to_json }}` }, ignore_errors: true }));
    const playbook = [{ hosts: 'localhost', gather_facts: false, vars: VARS, tasks }];
    writeFileSync(join(dir, 'p.yml'), JSON.stringify(playbook));
    const out = execFileSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', join(dir, 'p.yml')], {
      env: {
        ...process.env,
        ANSIBLE_STDOUT_CALLBACK: 'default',
        ANSIBLE_CALLBACK_RESULT_FORMAT: 'json',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_LOCALHOST_WARNING: '0',
      },
      maxBuffer: 64 * 1024 * 1024,
    }).toString();
    // the default callback prints each result as JSON (`"msg": "J..."`), a failure's on its `fatal:` line
    const results = out
      .split('\nTASK [')
      .slice(1)
      .map((block) => {
        const m = /"msg": ("(?:[^"\\]|\\.)*")/.exec(block);
        return m ? (JSON.parse(m[1] as string) as string) : `no msg in: ${block}`;
      });
    expect(results).toHaveLength(EXAMPLES.length);
    const differences = EXAMPLES.flatMap(([src, expected], i) => {
      const msg = results[i] as string;
      if (!msg.startsWith('J')) return [`${src}: ansible failed: ${msg}`];
      const got = JSON.parse(msg.slice(1)) as unknown;
      return JSON.stringify(got) === JSON.stringify(expected)
        ? []
        : [`${src}: ansible ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`];
    });
    expect(differences).toEqual([]);
  });
});
