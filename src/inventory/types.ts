/** Variables as read from an inventory or a vars file: names to YAML/INI values. */
export type Vars = Record<string, unknown>;

/** A host of the inventory, named as the inventory names it (its address may differ: `ansible_host`). */
export interface InventoryHost {
  name: string;
  /** Every group the host belongs to, directly or through a parent, `all` included: lowest precedence first. */
  groups: string[];
  /** The host's own variables from inventory files (host lines, `hosts:` entries). */
  vars: Vars;
  /** The host's variables from `host_vars/` files: they rank above `vars`. */
  fileVars: Vars;
}

export interface InventoryGroup {
  name: string;
  /** Hosts placed directly in this group (not through a child group), in inventory order. */
  hosts: string[];
  children: string[];
  /** Direct parents; every group except `all` has at least one (`all` when no other). */
  parents: string[];
  /** Variables from inventory files (`[group:vars]`, `vars:`). */
  vars: Vars;
  /** Variables from `group_vars/` files: they rank above the `vars` of every group. */
  fileVars: Vars;
  /** Length of the longest path from `all` (0); deeper groups' variables win. */
  depth: number;
  /** `ansible_group_priority` (default 1): breaks ties between groups of the same depth; higher wins. */
  priority: number;
}

export interface Inventory {
  /** In inventory order: the order hosts were first defined. */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** The inventory files read, in the order read. */
  sources: string[];
}
