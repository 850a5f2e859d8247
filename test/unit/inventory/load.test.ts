import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hostVars } from '../../../src/inventory/host-vars.js';
import { loadInventory, sniffFormat } from '../../../src/inventory/load.js';
import { configError, FIXTURES, writeFiles } from './temp-files.js';

const SITE = join(FIXTURES, 'site');

describe('loadInventory: a directory', () => {
  test('reads every inventory file in name order, subdirectories too, and skips the rest', async () => {
    const inv = await loadInventory(SITE);
    expect(inv.sources).toEqual([join(SITE, 'databases.yml'), join(SITE, 'hosts'), join(SITE, 'more/extra.ini')]);
    expect([...inv.hosts.keys()]).toEqual([
      'one.example.com',
      'two.example.com',
      'foo.example.com',
      'bar.example.com',
      'mon.example.com',
    ]);
    // README.md, site.retry, hosts.orig, .hidden and group_vars/ are not inventories.
    for (const skipped of ['nothing', 'stale', 'hidden']) expect(inv.groups.has(skipped)).toBe(false);
    expect(inv.hosts.has('here')).toBe(false);
  });

  test('group_vars/ and host_vars/ inside the directory apply, whichever file defined the group', async () => {
    const inv = await loadInventory(SITE);
    expect(hostVars(inv, 'foo.example.com')).toMatchObject({
      ntp_server: 'ntp.example.com',
      role_name: 'web',
      tier: 'web-file',
      http_port: 9090,
      ansible_host: '192.0.2.10',
    });
    expect(hostVars(inv, 'bar.example.com')).toMatchObject({ tier: 'web-file', http_port: 80 });
    // group_vars/dbservers/ is a directory: its files in name order, the later overriding.
    expect(hostVars(inv, 'one.example.com')).toMatchObject({ db_port: 5432, db_name: 'override' });
  });

  test('a file given directly: its group_vars/ beside it apply', async () => {
    const inv = await loadInventory(join(SITE, 'hosts'));
    expect(inv.sources).toEqual([join(SITE, 'hosts')]);
    expect(hostVars(inv, 'foo.example.com').http_port).toBe(9090);
    expect(hostVars(inv, 'foo.example.com').ntp_server).toBe('ntp.example.com');
  });

  test('several sources merge; later ones add hosts and override values', async () => {
    const dir = writeFiles({
      'a.ini': '[web]\nw1 color=red\n',
      'b.yml': 'web:\n  hosts:\n    w1: { color: blue }\n    w2:\n',
    });
    const inv = await loadInventory([join(dir, 'a.ini'), join(dir, 'b.yml')]);
    expect(inv.groups.get('web')?.hosts).toEqual(['w1', 'w2']);
    expect(inv.hosts.get('w1')?.vars).toEqual({ color: 'blue' });
  });

  test('a comma-separated host list, as ansible -i "db1,db2:2222,"', async () => {
    const inv = await loadInventory('db1,db2:2222,');
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['db1', 'db2']);
    expect(inv.hosts.get('db2')?.vars).toEqual({ ansible_port: 2222 });
  });

  test('a missing path is a ConfigError naming it', async () => {
    const e = await configError(() => loadInventory('/no/such/inventory'));
    expect(e.message).toContain('/no/such/inventory: inventory not found');
    await expect(loadInventory([])).rejects.toThrow(/no inventory given/);
  });

  test('an error in one file of a directory names that file', async () => {
    const dir = writeFiles({ 'good.yml': 'web:\n  hosts: { w1: }\n', 'bad.ini': '[web]\nw2 novalue\n' });
    const e = await configError(() => loadInventory(dir));
    expect(e.message).toContain(`${join(dir, 'bad.ini')}:2:4: expected key=value`);
  });
});

describe('sniffFormat: files without an extension', () => {
  test.each([
    ['all:\n  hosts:\n', 'yaml'],
    ['# comment\n---\nweb: {}\n', 'yaml'],
    ['web: { hosts: { w1: } }\n', 'yaml'],
    ['{"all": {}}', 'yaml'],
    ['[web]\nw1\n', 'ini'],
    ['mail.example.com\n', 'ini'],
    ['db1:2222 ansible_user=x\n', 'ini'],
    ['fe80::1\n', 'ini'],
    ['', 'ini'],
  ])('%j is %s', (text, format) => {
    expect(sniffFormat(text)).toBe(format);
  });
});
