/**
 * How far V8 lets the heap grow before its next full collection. By default it may grow to up to 4 times
 * what was live after the last one (on a machine with enough memory for a heap limit of 2 GB or more), and
 * a run allocates fast (ssh packets, rendered arguments, results) while what it keeps is small: with
 * thousands of hosts most of the peak memory was garbage not yet collected. A factor of 1.2 keeps the peak
 * close to what is live, for a little more collection work: a --check over 1,000 inventory hosts (aliases of
 * 10 simulated hosts, forks 100) peaked at 183 MB resident with 1.2 against 197 MB with 1.5 (at 200 hosts,
 * 147 against 151 MB), for more collection work: the controller's CPU (user and system) was 8% higher at
 * 1,000 hosts and 5% at 200 (one run each). The benchmark's scale section measures both.
 * `--heap-growing-percent` is read at each collection, so setting it as the run starts takes effect.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 20;

type SetFlags = (flags: string) => void;

/**
 * A tuning, never a requirement: a Node whose V8 no longer knows the flag (or refuses to change flags once
 * running) keeps its default growth, and the run goes on. Returns whether the bound was set.
 */
export function boundHeapGrowth(setFlags: SetFlags = setFlagsFromString): boolean {
  try {
    setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    return true;
  } catch {
    return false;
  }
}
