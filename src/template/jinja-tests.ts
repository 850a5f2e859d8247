/** The Jinja2 and Ansible tests (`is defined`, `is match`, ...) and running one by name. */
import { compare, equal, FilterError, isPlainMap, list, pyTruthy, type Test, truthy } from './filter-values.js';
import { pyRegex } from './string-filters.js';

export const TESTS: Record<string, Test> = {
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  mapping: (v) => isPlainMap(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || isPlainMap(v),
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainMap(v),
  true: (v) => v === true,
  false: (v) => v === false,
  truthy: (v) => pyTruthy(v),
  falsy: (v) => !pyTruthy(v),
  even: (v) => Number(v) % 2 === 0,
  odd: (v) => Math.abs(Number(v) % 2) === 1,
  divisibleby: (v, [n]) => Number(v) % Number(n) === 0,
  lower: (v) => String(v) === String(v).toLowerCase(),
  upper: (v) => String(v) === String(v).toUpperCase(),
  eq: (v, [x]) => equal(v, x),
  equalto: (v, [x]) => equal(v, x),
  '==': (v, [x]) => equal(v, x),
  ne: (v, [x]) => !equal(v, x),
  '!=': (v, [x]) => !equal(v, x),
  lt: (v, [x]) => compare(v, x) < 0,
  '<': (v, [x]) => compare(v, x) < 0,
  le: (v, [x]) => compare(v, x) <= 0,
  '<=': (v, [x]) => compare(v, x) <= 0,
  gt: (v, [x]) => compare(v, x) > 0,
  '>': (v, [x]) => compare(v, x) > 0,
  ge: (v, [x]) => compare(v, x) >= 0,
  '>=': (v, [x]) => compare(v, x) >= 0,
  in: (v, [x]) => (typeof x === 'string' ? x.includes(String(v)) : list(x, 'in').some((y) => equal(y, v))),
  contains: (v, [x]) => list(v, 'contains').some((y) => equal(y, x)),
  changed: (v) => truthy((v as { changed?: unknown })?.changed),
  skipped: (v) => truthy((v as { skipped?: unknown })?.skipped),
  failed: (v) => truthy((v as { failed?: unknown })?.failed),
  succeeded: (v) => !truthy((v as { failed?: unknown })?.failed),
  success: (v) => !truthy((v as { failed?: unknown })?.failed),
  // Ansible's match is re.match (anchored at the start), search is re.search, regex either (match_type).
  match: (v, [re]) => String(v).search(pyRegex(String(re))) === 0,
  search: (v, [re]) => pyRegex(String(re)).test(String(v)),
  regex: (v, [re]) => pyRegex(String(re)).test(String(v)),
};

/** Runs a test by name (select, reject, selectattr); `defined` and `undefined` are the evaluator's own. */
export function runTest(name: unknown, v: unknown, args: unknown[]): boolean {
  if (name === undefined) return pyTruthy(v);
  const n = String(name);
  if (n === 'defined') return v !== undefined;
  if (n === 'undefined') return v === undefined;
  const test = Object.hasOwn(TESTS, n) ? TESTS[n] : undefined;
  if (!test) throw new FilterError(`unknown test '${n}'`);
  return test(v, args);
}
