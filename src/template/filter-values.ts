/**
 * What the filters and tests share: the Python truthiness, equality and ordering they judge values by,
 * and how they read their arguments (a list, a mapping, a positional-or-keyword parameter, an attribute path).
 */
import { pyStr } from './python-values.js';

export class FilterError extends Error {}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  if (typeof v === 'string') return !['', 'false', 'no', 'off', '0'].includes(v.trim().toLowerCase());
  return Boolean(v);
}

/** Python's own truthiness (`select()` with no test, `ternary`, `selectattr('x')`): any non-empty string is true. */
export function pyTruthy(v: unknown): boolean {
  if (typeof v === 'string') return v !== '';
  return truthy(v);
}

export type Kwargs = Record<string, unknown>;
export type Filter = (v: unknown, args: unknown[], kw: Kwargs) => unknown;
export type Test = (v: unknown, args: unknown[]) => boolean;

export function list(v: unknown, filter: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v && typeof v === 'object') return Object.keys(v);
  throw new FilterError(`${filter} needs a list, not ${pyStr(v)}`);
}

export function mapping(v: unknown, filter: string): Record<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new FilterError(`${filter} needs a mapping (dict), not ${pyStr(v)}`);
}

/** `arg` positional or keyword, as Python binds them. */
export function param(args: unknown[], kw: Kwargs, index: number, name: string, fallback: unknown): unknown {
  if (Object.hasOwn(kw, name)) return kw[name];
  return index < args.length ? args[index] : fallback;
}

/** An attribute path as Jinja's make_attrgetter reads it: dots separate keys, integer parts index lists. */
export function attribute(item: unknown, path: string): unknown {
  let value = item;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = Array.isArray(value) && /^\d+$/.test(part) ? Number(part) : part;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

export function length(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  throw new FilterError(`length of ${pyStr(v)}, which has none`);
}

export function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** Python's ordering for the values sort/min/max meet: numbers by value, strings by code point. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
