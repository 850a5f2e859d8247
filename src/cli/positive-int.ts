import { UsageError } from '../errors.js';

/** A count option (--forks, --timeout, or its ansible.cfg twin) as a whole number above zero, named when it is not. */
export function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} expects a positive whole number, got '${value}'`);
  return n;
}
