/**
 * Splits a play's hosts into batches as Ansible's `serial` does: each entry is a count or a percentage
 * of all the play's hosts; the last entry repeats until every host is in a batch. `[1, 5, "25%"]`
 * is a canary host, then five, then a quarter of the fleet at a time.
 */
export function computeBatches<T>(hosts: readonly T[], serial: readonly (number | string)[]): T[][] {
  if (serial.length === 0 || hosts.length === 0) return hosts.length ? [[...hosts]] : [];
  const size = (entry: number | string) => {
    if (typeof entry === 'number') return Math.max(1, Math.floor(entry));
    const pct = Number.parseFloat(entry);
    return Math.max(1, Math.floor((hosts.length * pct) / 100));
  };
  const batches: T[][] = [];
  let at = 0;
  let i = 0;
  while (at < hosts.length) {
    const n = size(serial[Math.min(i, serial.length - 1)] as number | string);
    batches.push(hosts.slice(at, at + n));
    at += n;
    i++;
  }
  return batches;
}

/** Ansible's rule: the play stops when the failed share of a batch is *greater* than the percentage. */
export function batchExceedsFailLimit(
  failed: number,
  batchSize: number,
  maxFailPercentage: number | undefined,
): boolean {
  if (maxFailPercentage === undefined || batchSize === 0) return false;
  return (failed / batchSize) * 100 > maxFailPercentage;
}
