import { ConfigError, type Location } from '../errors.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';

interface GroupDraft {
  name: string;
  hosts: Set<string>;
  children: string[];
  parents: string[];
  vars: Vars;
  fileVars: Vars;
  priority: number;
}

interface HostDraft {
  name: string;
  groups: Set<string>;
  vars: Vars;
  fileVars: Vars;
}

/**
 * Collects what the inventory files declare, in any order and across files, then settles what Ansible derives at
 * the end: `all` above every parentless group, `ungrouped` for hosts in no group, depths and each host's groups.
 */
export class InventoryBuilder {
  private readonly groups = new Map<string, GroupDraft>();
  private readonly hosts = new Map<string, HostDraft>();
  readonly sources: string[] = [];

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  hasHost(name: string): boolean {
    return this.hosts.has(name);
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  addGroup(name: string): void {
    if (this.groups.has(name)) return;
    this.groups.set(name, {
      name,
      hosts: new Set(),
      children: [],
      parents: [],
      vars: {},
      fileVars: {},
      priority: 1,
    });
  }

  /** Defines the host (first definition fixes its inventory order) and, unless `all`/`ungrouped`, puts it in `group`. */
  addHost(name: string, group: string): void {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, groups: new Set(), vars: {}, fileVars: {} };
      this.hosts.set(name, host);
    }
    // Membership of all and ungrouped is derived in build(), as Ansible's reconcile step does.
    if (group === 'all' || group === 'ungrouped') return;
    this.addGroup(group);
    host.groups.add(group);
    this.groups.get(group)?.hosts.add(name);
  }

  addChild(parent: string, child: string, where: Location): void {
    if (child === 'all')
      throw new ConfigError(`group 'all' cannot be a child of '${parent}': it contains every group`, where);
    this.addGroup(parent);
    this.addGroup(child);
    const p = this.group(parent);
    const c = this.group(child);
    if (p.children.includes(child)) return;
    const loop = parent === child ? [child] : this.pathDown(child, parent);
    if (loop) {
      throw new ConfigError(
        `group cycle: ${[parent, ...loop].join(' -> ')} (a group cannot be its own ancestor)`,
        where,
      );
    }
    p.children.push(child);
    c.parents.push(parent);
  }

  setGroupVars(name: string, vars: Vars, where: Location): void {
    this.addGroup(name);
    const group = this.group(name);
    Object.assign(group.vars, vars);
    // Ansible reads the priority from inventory files only (not group_vars), so it is settled here.
    if ('ansible_group_priority' in vars) group.priority = groupPriority(name, vars.ansible_group_priority, where);
  }

  setGroupFileVars(name: string, vars: Vars): void {
    const group = this.groups.get(name);
    if (group) Object.assign(group.fileVars, vars);
  }

  setHostVars(name: string, vars: Vars): void {
    const host = this.hosts.get(name);
    if (host) Object.assign(host.vars, vars);
  }

  setHostFileVars(name: string, vars: Vars): void {
    const host = this.hosts.get(name);
    if (host) Object.assign(host.fileVars, vars);
  }

  build(): Inventory {
    for (const group of this.groups.values()) {
      if (group.name !== 'all' && group.parents.length === 0) group.parents.push('all');
    }
    const all = this.group('all');
    all.children = [...this.groups.values()].filter((g) => g.parents.includes('all')).map((g) => g.name);

    const ungrouped = this.group('ungrouped');
    for (const host of this.hosts.values()) if (host.groups.size === 0) ungrouped.hosts.add(host.name);

    const order = new Map([...this.hosts.keys()].map((name, i) => [name, i]));
    const byInventoryOrder = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
    const depths = new Map<string, number>();
    const depthOf = (name: string): number => {
      let depth = depths.get(name);
      if (depth === undefined) {
        depth = Math.max(-1, ...this.group(name).parents.map(depthOf)) + 1;
        depths.set(name, depth);
      }
      return depth;
    };

    const groups = new Map<string, InventoryGroup>();
    for (const g of this.groups.values()) {
      groups.set(g.name, {
        name: g.name,
        hosts: g.name === 'all' ? [] : [...g.hosts].sort(byInventoryOrder),
        children: [...g.children],
        parents: [...g.parents],
        vars: g.vars,
        fileVars: g.fileVars,
        depth: depthOf(g.name),
        priority: g.priority,
      });
    }

    const hosts = new Map<string, InventoryHost>();
    for (const h of this.hosts.values()) {
      const direct = h.groups.size > 0 ? [...h.groups] : ['ungrouped'];
      hosts.set(h.name, {
        name: h.name,
        groups: sortGroups(this.ancestorsOf(direct), groups),
        vars: h.vars,
        fileVars: h.fileVars,
      });
    }
    return { hosts, groups, sources: [...this.sources] };
  }

  private group(name: string): GroupDraft {
    const group = this.groups.get(name);
    if (!group) throw new Error(`bug: group '${name}' used before it was added`);
    return group;
  }

  /** The chain of groups from `from` down to `to` through children, if `to` is below `from`. */
  private pathDown(from: string, to: string, seen = new Set<string>()): string[] | undefined {
    if (seen.has(from)) return undefined;
    seen.add(from);
    for (const child of this.group(from).children) {
      if (child === to) return [from, to];
      const rest = this.pathDown(child, to, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  }

  private ancestorsOf(direct: string[]): Set<string> {
    const found = new Set<string>();
    const stack = [...direct];
    for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
      if (found.has(name)) continue;
      found.add(name);
      stack.push(...this.group(name).parents);
    }
    found.add('all');
    return found;
  }
}

/** Ansible's order of group variables: shallow first, then by priority, then by name; later ones win. */
export function sortGroups(names: Iterable<string>, groups: Map<string, InventoryGroup>): string[] {
  const key = (name: string) => groups.get(name) ?? { depth: 0, priority: 1 };
  return [...names].sort(
    (a, b) => key(a).depth - key(b).depth || key(a).priority - key(b).priority || (a < b ? -1 : a > b ? 1 : 0),
  );
}

function groupPriority(group: string, value: unknown, where: Location): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new ConfigError(
      `group '${group}': ansible_group_priority must be a whole number, got ${JSON.stringify(value)}`,
      where,
    );
  }
  return n;
}
