import { describe, expect, test } from 'vitest';
import { InventoryBuilder } from '../../../src/inventory/builder.js';
import { configError } from './temp-files.js';

const here = { file: 'hosts', line: 1, column: 1 };

describe('InventoryBuilder', () => {
  test('all and ungrouped always exist; a host in no group is ungrouped', () => {
    const b = new InventoryBuilder();
    b.addHost('lone', 'all');
    b.addHost('member', 'web');
    const inv = b.build();
    expect(inv.groups.get('all')?.children).toEqual(['ungrouped', 'web']);
    expect(inv.groups.get('all')?.hosts).toEqual([]);
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['lone']);
    expect(inv.hosts.get('lone')?.groups).toEqual(['all', 'ungrouped']);
    expect(inv.hosts.get('member')?.groups).toEqual(['all', 'web']);
  });

  test('a host placed in ungrouped and also in a group is not ungrouped (Ansible reconciles the same)', () => {
    const b = new InventoryBuilder();
    b.addHost('h', 'ungrouped');
    b.addHost('h', 'web');
    expect(b.build().groups.get('ungrouped')?.hosts).toEqual([]);
  });

  test('depth is the longest path from all; groups of a host sort by depth, priority, then name', () => {
    const b = new InventoryBuilder();
    b.addChild('top', 'mid', here);
    b.addChild('mid', 'leaf', here);
    b.addChild('side', 'leaf', here);
    b.addHost('h', 'leaf');
    b.addHost('h', 'zeta');
    b.addHost('h', 'alpha');
    const inv = b.build();
    expect(inv.groups.get('leaf')?.depth).toBe(3);
    expect(inv.groups.get('side')?.depth).toBe(1);
    expect(inv.hosts.get('h')?.groups).toEqual(['all', 'alpha', 'side', 'top', 'zeta', 'mid', 'leaf']);
  });

  test('ansible_group_priority reorders groups of the same depth', () => {
    const b = new InventoryBuilder();
    b.addHost('h', 'a');
    b.addHost('h', 'b');
    b.setGroupVars('a', { ansible_group_priority: '10' }, here);
    const inv = b.build();
    expect(inv.groups.get('a')?.priority).toBe(10);
    expect(inv.hosts.get('h')?.groups).toEqual(['all', 'b', 'a']);
  });

  test('a bad ansible_group_priority is a ConfigError', async () => {
    const b = new InventoryBuilder();
    const e = await configError(() => b.setGroupVars('a', { ansible_group_priority: 'high' }, here));
    expect(e.message).toContain("hosts:1:1: group 'a': ansible_group_priority must be a whole number");
  });

  test('cycles are refused, naming the loop: self, two groups, and all as a child', async () => {
    const b = new InventoryBuilder();
    expect((await configError(() => b.addChild('a', 'a', here))).message).toContain('group cycle: a -> a');
    b.addChild('a', 'b', here);
    expect((await configError(() => b.addChild('b', 'a', here))).message).toContain('group cycle: b -> a -> b');
    expect((await configError(() => b.addChild('b', 'all', here))).message).toContain("group 'all' cannot be a child");
  });

  test('adding the same child twice keeps one link', () => {
    const b = new InventoryBuilder();
    b.addChild('p', 'c', here);
    b.addChild('p', 'c', here);
    const inv = b.build();
    expect(inv.groups.get('p')?.children).toEqual(['c']);
    expect(inv.groups.get('c')?.parents).toEqual(['p']);
  });
});
