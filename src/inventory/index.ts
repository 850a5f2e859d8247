export { connectionOf, type HostConnection } from './connection-vars.js';
export { groupHosts, hostVars, MAGIC_VARS } from './host-vars.js';
export { type InventoryList, type ListedGroup, renderInventoryGraph, renderInventoryList } from './list-json.js';
export { loadInventory } from './load.js';
export {
  describeUnmatched,
  selectHosts,
  selectPlayHosts,
  splitPattern,
  type UnmatchedTerm,
  unmatchedTerms,
} from './patterns.js';
export type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
