/** The filters on lists: picking, joining, sorting, de-duplicating, flattening, selecting by test, set operations. */
import { attribute, compare, equal, type Filter, type Kwargs, length, list, param, truthy } from './filter-values.js';
import { runTest } from './jinja-tests.js';
import { pyStr } from './python-values.js';

function flatten(v: unknown[], levels: number | undefined): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    // Ansible's flatten drops None and skips nothing else.
    if (x === null) continue;
    if (Array.isArray(x) && (levels === undefined || levels > 0))
      out.push(...flatten(x, levels === undefined ? undefined : levels - 1));
    else out.push(x);
  }
  return out;
}

function sortList(v: unknown, args: unknown[], kw: Kwargs): unknown[] {
  const reverse = truthy(param(args, kw, 0, 'reverse', false));
  const caseSensitive = truthy(param(args, kw, 1, 'case_sensitive', false));
  const attr = param(args, kw, 2, 'attribute', undefined);
  const key = (x: unknown) => {
    const k = attr === undefined ? x : attribute(x, String(attr));
    return typeof k === 'string' && !caseSensitive ? k.toLowerCase() : k;
  };
  const sorted = [...list(v, 'sort')].sort((a, b) => compare(key(a), key(b)));
  return reverse ? sorted.reverse() : sorted;
}

function uniqueList(v: unknown, args: unknown[], kw: Kwargs): unknown[] {
  const caseSensitive = truthy(param(args, kw, 0, 'case_sensitive', false));
  const attr = param(args, kw, 1, 'attribute', undefined);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const x of list(v, 'unique')) {
    let k = attr === undefined ? x : attribute(x, String(attr));
    if (typeof k === 'string' && !caseSensitive && attr !== undefined) k = k.toLowerCase();
    if (seen.some((s) => equal(s, k))) continue;
    seen.push(k);
    out.push(x);
  }
  return out;
}

function selectItems(v: unknown, args: unknown[], keep: boolean, attr: boolean): unknown[] {
  const [first, ...rest] = args;
  return list(v, 'select').filter((item) => {
    if (attr) {
      const [test, ...testArgs] = rest;
      return runTest(test, attribute(item, String(first)), testArgs) === keep;
    }
    return runTest(first, item, rest) === keep;
  });
}

export const LIST_FILTERS: Record<string, Filter> = {
  length,
  count: length,
  first: (v) => list(v, 'first')[0],
  last: (v) => {
    const l = list(v, 'last');
    return l[l.length - 1];
  },
  join: (v, args, kw) => {
    const sep = pyStr(param(args, kw, 0, 'd', ''));
    const attr = param(args, kw, 1, 'attribute', undefined);
    return list(v, 'join')
      .map((x) => pyStr(attr === undefined ? x : attribute(x, String(attr))))
      .join(sep);
  },
  list: (v) => [...list(v, 'list')],
  unique: uniqueList,
  sort: sortList,
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...list(v, 'reverse')].reverse()),
  flatten: (v, args, kw) => {
    const levels = param(args, kw, 0, 'levels', undefined);
    return flatten(list(v, 'flatten'), levels === undefined || levels === null ? undefined : Number(levels));
  },
  min: (v) => [...list(v, 'min')].sort(compare)[0],
  max: (v) => [...list(v, 'max')].sort(compare).pop(),
  sum: (v, args, kw) =>
    list(v, 'sum').reduce<number>((acc, x) => acc + Number(x), Number(param(args, kw, 1, 'start', 0))),
  // Ansible's extract: map('extract', hostvars, 'key') looks each item up in a container (then a key under it)
  extract: (v, args) => {
    const [container, ...keys] = args;
    let value = (container as Record<string, unknown> | undefined)?.[pyStr(v)];
    for (const k of keys) value = (value as Record<string, unknown> | undefined)?.[pyStr(k)];
    return value;
  },
  select: (v, args) => selectItems(v, args, true, false),
  reject: (v, args) => selectItems(v, args, false, false),
  selectattr: (v, args) => selectItems(v, args, true, true),
  rejectattr: (v, args) => selectItems(v, args, false, true),
  difference: (v, [other]) =>
    uniqueList(
      list(v, 'difference').filter((x) => !list(other, 'difference').some((y) => equal(x, y))),
      [],
      {},
    ),
  intersect: (v, [other]) =>
    uniqueList(
      list(v, 'intersect').filter((x) => list(other, 'intersect').some((y) => equal(x, y))),
      [],
      {},
    ),
  union: (v, [other]) => uniqueList([...list(v, 'union'), ...list(other, 'union')], [], {}),
};
