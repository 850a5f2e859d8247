import { hostVars, MAGIC_VARS } from './host-vars.js';
import type { Inventory, Vars } from './types.js';

/** One group in `ansible-inventory --list` JSON; empty fields are left out, as Ansible does. */
export interface ListedGroup {
  hosts?: string[];
  children?: string[];
  vars?: Vars;
}

export type InventoryList = { _meta: { hostvars: Record<string, Vars> } } & Record<string, ListedGroup>;

/**
 * The inventory as `ansible-inventory --list` prints it: each group's direct hosts and children (from `all`,
 * depth first), with group vars shown (as its --export does), and each host's merged variables under
 * `_meta.hostvars`, magic variables left out.
 */
export function renderInventoryList(inventory: Inventory): InventoryList {
  const hostvars: Record<string, Vars> = {};
  for (const name of inventory.hosts.keys()) {
    const vars = hostVars(inventory, name);
    for (const magic of MAGIC_VARS) delete vars[magic];
    if (Object.keys(vars).length > 0) hostvars[name] = vars;
  }
  const list = { _meta: { hostvars } } as InventoryList;
  const visit = (name: string) => {
    const group = inventory.groups.get(name);
    if (!group || name in list) return;
    const listed: ListedGroup = {};
    if (group.hosts.length > 0) listed.hosts = [...group.hosts];
    if (group.children.length > 0) listed.children = [...group.children];
    const vars = { ...group.vars, ...group.fileVars };
    if (Object.keys(vars).length > 0) listed.vars = vars;
    // A group with nothing to show is left out (but still named among its parent's children), as Ansible does.
    if (Object.keys(listed).length > 0) list[name] = listed;
    for (const child of group.children) visit(child);
  };
  visit('all');
  return list;
}

/**
 * The group tree as `ansible-inventory --graph` draws it, children and hosts in inventory order:
 *   @all:
 *     |--@ungrouped:
 *     |  |--mail.example.com
 */
export function renderInventoryGraph(inventory: Inventory, root = 'all'): string {
  const lines: string[] = [];
  const draw = (name: string, depth: number) => {
    const group = inventory.groups.get(name);
    if (!group) return;
    lines.push(indent(`@${name}:`, depth));
    for (const child of group.children) draw(child, depth + 1);
    for (const host of group.hosts) lines.push(indent(host, depth + 1));
  };
  draw(root, 0);
  return lines.join('\n');
}

function indent(text: string, depth: number): string {
  return depth === 0 ? text : `${'  |'.repeat(depth)}--${text}`;
}
