export { connectionOf, type HostConnection } from './connection.js';
export { groupHosts, hostVars, MAGIC_VARS } from './host-vars.js';
export { loadInventory } from './load.js';
export {
  describeUnmatched,
  selectHosts,
  selectPlayHosts,
  splitPattern,
  type UnmatchedTerm,
  unmatchedTerms,
} from './patterns.js';
export { type InventoryList, type ListedGroup, renderInventoryGraph, renderInventoryList } from './render.js';
export type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
