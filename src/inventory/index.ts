export { connectionOf, type HostConnection } from './connection.js';
export { groupHosts, hostVars, MAGIC_VARS } from './host-vars.js';
export { loadInventory } from './load.js';
export { selectHosts, selectPlayHosts, splitPattern } from './patterns.js';
export { type InventoryList, type ListedGroup, renderInventoryGraph, renderInventoryList } from './render.js';
export type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
