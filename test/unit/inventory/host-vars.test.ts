import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { groupHosts, hostVars } from '../../../src/inventory/host-vars.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { configError, writeFiles } from './temp-files.js';

describe('hostVars: precedence', () => {
  test('a child group beats its parent, which beats all', async () => {
    const dir = writeFiles({
      'hosts.ini': `[atlanta]
host1
[southeast:children]
atlanta
[usa:children]
southeast
[all:vars]
level=all
only_all=1
[usa:vars]
level=usa
[southeast:vars]
level=southeast
[atlanta:vars]
level=atlanta
`,
    });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    expect(hostVars(inv, 'host1')).toMatchObject({ level: 'atlanta', only_all: 1 });
  });

  test('the deeper group wins even when defined first; same depth: the later name alphabetically', async () => {
    const dir = writeFiles({
      'hosts.yml': `all:
  children:
    zoo:
      vars: { v: zoo, w: zoo }
      children:
        inner: { vars: { v: inner }, hosts: { h: } }
    alpha:
      vars: { w: alpha }
      hosts: { h: }
`,
    });
    const inv = await loadInventory(join(dir, 'hosts.yml'));
    expect(hostVars(inv, 'h')).toMatchObject({ v: 'inner', w: 'zoo' });
  });

  test('ansible_group_priority overrides the alphabetical tiebreak', async () => {
    const dir = writeFiles({ 'hosts.ini': '[a]\nh\n[b]\nh\n[a:vars]\nv=a\nansible_group_priority=5\n[b:vars]\nv=b\n' });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    expect(hostVars(inv, 'h').v).toBe('a');
  });

  test('a group_vars file beats inline group vars, even group_vars/all over an inline child group', async () => {
    const dir = writeFiles({
      'hosts.ini': '[web]\nw1\n[web:vars]\nfrom_web=inline\nfrom_all=inline-web\n[all:vars]\nfrom_all=inline-all\n',
      'group_vars/web.yml': 'from_web: file\n',
      'group_vars/all.yml': 'from_all: file-all\n',
    });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    expect(hostVars(inv, 'w1')).toMatchObject({ from_web: 'file', from_all: 'file-all' });
  });

  test('host vars beat group vars; host_vars files beat inventory host vars', async () => {
    const dir = writeFiles({
      'hosts.ini': '[web]\nw1 a=host b=host\n[web:vars]\na=group\nb=group\nc=group\n',
      'group_vars/web.yml': 'a: group-file\n',
      'host_vars/w1.yml': 'b: host-file\n',
    });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    expect(hostVars(inv, 'w1')).toMatchObject({ a: 'host', b: 'host-file', c: 'group' });
  });

  test('extra vars beat everything, even host_vars files and magic variables', async () => {
    const dir = writeFiles({ 'hosts.ini': '[web]\nw1 a=host\n', 'host_vars/w1.yml': 'b: file\n' });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    const vars = hostVars(inv, 'w1', { a: 'extra', b: 'extra', group_names: ['forced'] });
    expect(vars).toMatchObject({ a: 'extra', b: 'extra', group_names: ['forced'] });
  });

  test('values replace, mappings are not merged (hash_behaviour=replace)', async () => {
    const dir = writeFiles({ 'hosts.yml': 'all:\n  vars: { m: { a: 1, b: 2 } }\n  hosts:\n    h: { m: { a: 9 } }\n' });
    const inv = await loadInventory(join(dir, 'hosts.yml'));
    expect(hostVars(inv, 'h').m).toEqual({ a: 9 });
  });
});

describe('hostVars: magic variables', () => {
  test('inventory_hostname, inventory_hostname_short, group_names and groups', async () => {
    const dir = writeFiles({ 'hosts.ini': 'lone.example.com\n[web]\nw1.example.com\n[prod:children]\nweb\n' });
    const inv = await loadInventory(join(dir, 'hosts.ini'));
    const vars = hostVars(inv, 'w1.example.com');
    expect(vars.inventory_hostname).toBe('w1.example.com');
    expect(vars.inventory_hostname_short).toBe('w1');
    expect(vars.group_names).toEqual(['prod', 'web']);
    expect(vars.groups).toEqual({
      all: ['lone.example.com', 'w1.example.com'],
      ungrouped: ['lone.example.com'],
      web: ['w1.example.com'],
      prod: ['w1.example.com'],
    });
    expect(hostVars(inv, 'lone.example.com').group_names).toEqual([]);
  });

  test('groups is computed once per inventory', async () => {
    const inv = await loadInventory(writeFiles({ hosts: 'a\nb\n' }));
    expect(groupHosts(inv)).toBe(groupHosts(inv));
    expect(hostVars(inv, 'a').groups).toBe(hostVars(inv, 'b').groups);
  });

  test('an unknown host is a ConfigError', async () => {
    const inv = await loadInventory(writeFiles({ hosts: 'a\n' }));
    const e = await configError(() => hostVars(inv, 'zz'));
    expect(e.message).toContain("host 'zz' is not in the inventory");
  });
});
