import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadInventory } from '../../../src/inventory/load.js';
import { readVarsFile } from '../../../src/inventory/vars-files.js';
import { configError, writeFiles } from './temp-files.js';

describe('group_vars/ and host_vars/', () => {
  test('name, name.yml, name.yaml and name.json are found; the first wins as Ansible picks one', async () => {
    const dir = writeFiles({
      'hosts.ini': '[a]\nh1\n[b]\nh2\n[c]\nh3\n',
      'group_vars/a.yaml': 'from: a.yaml\n',
      'group_vars/b.json': '{"from": "b.json"}',
      'group_vars/c': 'from: c\n',
      'group_vars/c.yml': 'from: c.yml\n',
    });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    expect(inv.groups.get('a')?.fileVars).toEqual({ from: 'a.yaml' });
    expect(inv.groups.get('b')?.fileVars).toEqual({ from: 'b.json' });
    expect(inv.groups.get('c')?.fileVars).toEqual({ from: 'c' });
  });

  test('a directory of vars files is read recursively in name order, skipping hidden files and backups', async () => {
    const dir = writeFiles({
      'hosts.ini': 'h1\n',
      'host_vars/h1/b.yml': 'x: b\ny: b\n',
      'host_vars/h1/a.yml': 'x: a\n',
      'host_vars/h1/c/deeper.yml': 'y: deeper\n',
      'host_vars/h1/.swap.yml': 'x: hidden\n',
      'host_vars/h1/d.yml~': 'x: backup\n',
      'host_vars/h1/notes.txt': 'x: text\n',
    });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    expect(inv.hosts.get('h1')?.fileVars).toEqual({ x: 'b', y: 'deeper' });
  });

  test('vars files for groups and hosts not in the inventory are ignored', async () => {
    const dir = writeFiles({ 'hosts.ini': 'h1\n', 'group_vars/ghost.yml': 'a: 1\n', 'host_vars/nobody.yml': 'b: 2\n' });
    const inv = await loadInventory(dir);
    expect(inv.groups.has('ghost')).toBe(false);
    expect(inv.hosts.has('nobody')).toBe(false);
    expect(inv.hosts.get('h1')?.fileVars).toEqual({});
  });

  test('an empty vars file is no variables', async () => {
    const dir = writeFiles({ 'empty.yml': '# nothing\n' });
    expect(await readVarsFile(join(dir, 'empty.yml'))).toEqual({});
  });

  test('a vars file that is not a mapping, or not YAML, is a ConfigError at file:line:column', async () => {
    const dir = writeFiles({
      'hosts.ini': '[web]\nw1\n',
      'group_vars/web.yml': '# web settings\n- port: 80\n',
      'host_vars/w1.yml': 'a: [1, 2\n',
    });
    const list = await configError(() => loadInventory(dir));
    expect(list.message).toContain(`${join(dir, 'group_vars/web.yml')}:2:1: a vars file must be a mapping`);
    const syntax = await configError(() => readVarsFile(join(dir, 'host_vars/w1.yml')));
    expect(syntax.message).toMatch(/host_vars\/w1\.yml:\d+:\d+: YAML syntax error/);
  });

  test('an Ansible Vault file without a vault password says how to give one', async () => {
    const dir = writeFiles({ 'vault.yml': '$ANSIBLE_VAULT;1.1;AES256\n6162\n' });
    const e = await configError(() => readVarsFile(join(dir, 'vault.yml')));
    expect(e.message).toContain('vault.yml:1:1: encrypted with ansible-vault, but no vault password was given');
  });
});
