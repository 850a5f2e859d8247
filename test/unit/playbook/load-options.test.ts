/**
 * LoadOptions.checkValues: --list-* load a playbook without checking its values' templates, conditions and
 * shell scripts (nothing is rendered), while a run and --syntax-check check them all before any host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { VaultKeyring } from '../../../src/vault/keyring.js';

const dir = mkdtempSync(join(tmpdir(), 'sshplay-load-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases: [string, string][] = [
  ['a template in an argument', `  tasks:\n    - name: t\n      debug: { msg: "{{#if x}}open" }\n`],
  ['a condition', `  tasks:\n    - name: t\n      debug: { msg: hi }\n      when: "x ==="\n`],
  ['a play variable', `  vars:\n    v: "{{#each y}}"\n  tasks:\n    - name: t\n      debug: { msg: hi }\n`],
  ['a block condition', `  tasks:\n    - block:\n        - name: t\n          debug: { msg: hi }\n      when: "("\n`],
];

test.each(cases)('%s with a syntax error: refused by default, listed with checkValues false', async (_, body) => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, `- hosts: all\n${body}`);
  await expect(loadPlaybook(file)).rejects.toBeInstanceOf(ConfigError);
  const listed = await loadPlaybook(file, new VaultKeyring(), { checkValues: false });
  expect(listed.plays[0]?.tasks.map((t) => t.name)).toEqual(['t']);
});

test('checkValues false still refuses what a listing shows: an unknown module, a bad keyword', async () => {
  const file = join(dir, 'structure.yml');
  writeFileSync(file, `- hosts: all\n  tasks:\n    - name: t\n      debgu: { msg: hi }\n`);
  await expect(loadPlaybook(file, new VaultKeyring(), { checkValues: false })).rejects.toThrow(/debgu.*debug/);
});
