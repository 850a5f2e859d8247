import { UsageError } from '../errors.js';
import { describeUnmatched, type Inventory, selectHosts, unmatchedTerms } from '../inventory/index.js';

/**
 * --limit before anything connects: a limit selecting no host is an error; a part of it that selects nothing
 * (`iser_hosts,hots2`) is named with the closest group or host, since running on fewer hosts than the user
 * typed is a mistake they should see before the run, not in the recap.
 */
export function checkLimit(
  inventory: Inventory,
  limit: string,
  inventorySourceList: string[],
  warn: (message: string) => void = (m) => process.stderr.write(`[WARNING] ${m}\n`),
): void {
  const unmatched = unmatchedTerms(inventory, limit);
  if (selectHosts(inventory, limit).length === 0) {
    const parts =
      unmatched.length > 0
        ? `: ${describeUnmatched(unmatched)} match${unmatched.length === 1 ? 'es' : ''} nothing`
        : '';
    throw new UsageError(
      `--limit '${limit}' matches no host of the inventory (${inventorySourceList.join(', ')})${parts}`,
    );
  }
  if (unmatched.length > 0)
    warn(
      `--limit '${limit}': ${describeUnmatched(unmatched)} match${unmatched.length === 1 ? 'es' : ''} no host or group; the rest of the limit applies`,
    );
}
