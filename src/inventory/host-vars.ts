import { ConfigError } from '../errors.js';
import type { Inventory, Vars } from './types.js';

/**
 * A host's variables merged as Ansible ranks them, lowest first:
 *   1. inventory-file group vars, group by group: `all`, then parents before children (depth), then
 *      ansible_group_priority, then name
 *   2. group_vars/ files, in the same group order (so group_vars/all.yml beats an inline [web:vars])
 *   3. the host's inventory-file vars, 4. its host_vars/ files
 *   5. magic variables: inventory_hostname, inventory_hostname_short, group_names, groups
 *   6. extra vars (-e), over everything
 * Merging replaces whole values (Ansible's default hash_behaviour=replace), it does not merge mappings.
 */
export function hostVars(inventory: Inventory, hostName: string, extraVars: Vars = {}): Vars {
  const host = inventory.hosts.get(hostName);
  if (!host) throw new ConfigError(`host '${hostName}' is not in the inventory (${inventory.sources.join(', ')})`);
  const vars: Vars = {};
  for (const name of host.groups) Object.assign(vars, inventory.groups.get(name)?.vars);
  for (const name of host.groups) Object.assign(vars, inventory.groups.get(name)?.fileVars);
  Object.assign(vars, host.vars, host.fileVars);
  Object.assign(vars, {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    group_names: host.groups.filter((g) => g !== 'all' && g !== 'ungrouped').sort(),
    groups: groupHosts(inventory),
  });
  return Object.assign(vars, extraVars);
}

/** Magic variables hostVars adds; `renderInventoryList` leaves them out as ansible-inventory does. */
export const MAGIC_VARS = ['inventory_hostname', 'inventory_hostname_short', 'group_names', 'groups'];

const groupHostsCache = new WeakMap<Inventory, Record<string, string[]>>();

/**
 * The `groups` magic variable: every group's hosts, including those of its descendants, in inventory order.
 * Computed once per inventory (every host's vars share it), so treat it as read-only.
 */
export function groupHosts(inventory: Inventory): Record<string, string[]> {
  const cached = groupHostsCache.get(inventory);
  if (cached) return cached;
  const members = new Map<string, Set<string>>([...inventory.groups.keys()].map((g) => [g, new Set()]));
  for (const host of inventory.hosts.values()) for (const g of host.groups) members.get(g)?.add(host.name);
  // Hosts are visited in inventory order, so each set is already in that order.
  const result = Object.fromEntries([...members].map(([g, hosts]) => [g, [...hosts]]));
  groupHostsCache.set(inventory, result);
  return result;
}
