import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderInventoryGraph, renderInventoryList } from '../../../src/inventory/list-json.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { FIXTURES, writeFiles } from './temp-files.js';

describe('renderInventoryGraph (ansible-inventory --graph)', () => {
  test('the first documented example', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/hosts.ini'));
    expect(renderInventoryGraph(inv)).toBe(
      [
        '@all:',
        '  |--@ungrouped:',
        '  |  |--mail.example.com',
        '  |--@webservers:',
        '  |  |--foo.example.com',
        '  |  |--bar.example.com',
        '  |--@dbservers:',
        '  |  |--one.example.com',
        '  |  |--two.example.com',
        '  |  |--three.example.com',
      ].join('\n'),
    );
  });

  test('nested groups indent one level per generation; a subtree can be drawn alone', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/groups.yml'));
    expect(renderInventoryGraph(inv, 'southeast')).toBe(
      [
        '@southeast:',
        '  |--@atlanta:',
        '  |  |--host1',
        '  |  |--host2',
        '  |--@raleigh:',
        '  |  |--host2',
        '  |  |--host3',
      ].join('\n'),
    );
    expect(renderInventoryGraph(inv)).toContain('\n  |--@usa:\n  |  |--@southeast:\n  |  |  |--@atlanta:\n');
  });
});

describe('renderInventoryList (ansible-inventory --list)', () => {
  test('the first documented example', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/hosts.ini'));
    expect(renderInventoryList(inv)).toEqual({
      _meta: { hostvars: {} },
      all: { children: ['ungrouped', 'webservers', 'dbservers'] },
      ungrouped: { hosts: ['mail.example.com'] },
      webservers: { hosts: ['foo.example.com', 'bar.example.com'] },
      dbservers: { hosts: ['one.example.com', 'two.example.com', 'three.example.com'] },
    });
  });

  test('group vars under their group, merged host vars under _meta, empty groups left out', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/groups.ini'));
    const list = renderInventoryList(inv);
    expect(list.southeast).toEqual({
      children: ['atlanta', 'raleigh'],
      vars: {
        some_server: 'foo.southeast.example.com',
        halon_system_timeout: 30,
        self_destruct_countdown: 60,
        escape_pods: 2,
      },
    });
    expect(list.usa?.children).toEqual(['southeast', 'northeast', 'southwest', 'northwest']);
    expect('northeast' in list).toBe(false);
    expect('ungrouped' in list).toBe(false);
    expect(list._meta.hostvars.host1).toEqual(list.southeast?.vars);
  });

  test('magic variables are left out; group_vars files show under their group', async () => {
    const dir = writeFiles({ 'hosts.ini': '[web]\nw1 a=1\n', 'group_vars/web.yml': 'b: 2\n' });
    const list = renderInventoryList(await loadInventory(join(dir, 'hosts.ini')));
    expect(list._meta.hostvars).toEqual({ w1: { a: 1, b: 2 } });
    expect(list.web).toEqual({ hosts: ['w1'], vars: { b: 2 } });
  });
});
