/**
 * The Jinja2 and Ansible filters and tests that values and conditions may use, each as its
 * documented Python implementation behaves (jinja2/filters.py, jinja2/tests.py,
 * ansible/plugins/filter/core.py, ansible.utils' ipaddr), on the JSON-like values playbooks hold.
 */
import { Document, isCollection, isMap, isSeq, visit, parse as yamlParse, stringify as yamlStringify } from 'yaml';
import { pyJson, pyStr } from './python-values.js';

export class FilterError extends Error {}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  if (typeof v === 'string') return !['', 'false', 'no', 'off', '0'].includes(v.trim().toLowerCase());
  return Boolean(v);
}

/** Python's own truthiness (`select()` with no test, `ternary`, `selectattr('x')`): any non-empty string is true. */
function pyTruthy(v: unknown): boolean {
  if (typeof v === 'string') return v !== '';
  return truthy(v);
}

export type Kwargs = Record<string, unknown>;
type Filter = (v: unknown, args: unknown[], kw: Kwargs) => unknown;
type Test = (v: unknown, args: unknown[]) => boolean;

function list(v: unknown, filter: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v && typeof v === 'object') return Object.keys(v);
  throw new FilterError(`${filter} needs a list, not ${pyStr(v)}`);
}

function mapping(v: unknown, filter: string): Record<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new FilterError(`${filter} needs a mapping (dict), not ${pyStr(v)}`);
}

/** `arg` positional or keyword, as Python binds them. */
function param(args: unknown[], kw: Kwargs, index: number, name: string, fallback: unknown): unknown {
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

function length(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  throw new FilterError(`length of ${pyStr(v)}, which has none`);
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** Python's ordering for the values sort/min/max meet: numbers by value, strings by code point. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A Python regular expression as JavaScript reads it: named groups `(?P<n>...)` and backreferences
 * `(?P=n)`, `\A` and `\Z` anchors. Everything else playbooks write reads the same in both.
 */
export function pyRegex(pattern: string, flags = ''): RegExp {
  const source = pattern
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new FilterError(`bad regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

function regexFlags(kw: Kwargs, extra = ''): string {
  return `${extra}${truthy(kw.ignorecase) ? 'i' : ''}${truthy(kw.multiline) ? 'm' : ''}`;
}

/** re.sub's replacement (`\1`, `\g<1>`, `\g<name>`) as String.replace's (`$1`, `$<name>`). */
function pyReplacement(text: string): string {
  return text
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\d+)>/g, '$$$1')
    .replace(/\\g<([A-Za-z_]\w*)>/g, '$$<$1>')
    .replace(/\\(\d+)/g, '$$$1')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
}

// --- ipaddr: IPv4 only, the queries the iSER playbooks need ------------------------------------------
// Semantics from ansible.utils' ipaddr filter ("Using the ipaddr filter",
// https://docs.ansible.com/ansible/latest/collections/ansible/utils/docsite/filters_ipaddr.html):
// with no query the value itself when it is an address or network, else False; 'address' the host
// address (False for a network's own address, so '192.168.32.0/24' | ipaddr('address') is False);
// 'network' the network address; 'netmask' the dotted mask; 'prefix' the prefix length as a number;
// 'network/prefix' and 'host/prefix' (host/prefix False for a network's own address); 'broadcast'.

interface Ipv4 {
  ip: number;
  prefix: number;
}

function parseIpv4(v: unknown): Ipv4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(String(v).trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { ip: octets.reduce((n, o) => n * 256 + o, 0), prefix };
}

function ipString(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function ipaddr(v: unknown, args: unknown[]): unknown {
  if (typeof v !== 'string' || v.includes(':')) {
    if (typeof v === 'string' && /^[0-9a-fA-F:]+(\/\d+)?$/.test(v) && v.includes(':'))
      throw new FilterError(`ipaddr: IPv6 addresses are not supported (${v})`);
    return false;
  }
  const net = parseIpv4(v);
  if (!net) return false;
  const size = 2 ** (32 - net.prefix);
  const network = Math.floor(net.ip / size) * size;
  const isNetworkAddress = size > 1 && net.ip === network;
  const query = args.length === 0 ? '' : String(args[0]);
  switch (query) {
    case '':
      return v;
    case 'address':
      return isNetworkAddress ? false : ipString(net.ip);
    case 'network':
      return ipString(network);
    case 'netmask':
      return ipString(2 ** 32 - size);
    case 'prefix':
      return net.prefix;
    case 'network/prefix':
    case 'net':
      return `${ipString(network)}/${net.prefix}`;
    case 'host/prefix':
      return isNetworkAddress ? false : `${ipString(net.ip)}/${net.prefix}`;
    case 'broadcast':
      return size > 1 ? ipString(network + size - 1) : false;
    default:
      throw new FilterError(
        `ipaddr('${query}') is not supported; supported queries: address, network, netmask, prefix, network/prefix, host/prefix, broadcast`,
      );
  }
}

// --- YAML as Ansible's to_yaml writes it (PyYAML, default_flow_style=None) --------------------------

/** PyYAML with default_flow_style=None writes a collection of scalars only in flow style, others in block. */
function pyYaml(v: unknown, indent: number, flowLeaves: boolean): string {
  if (v === null || typeof v !== 'object') {
    return yamlStringify(v, { lineWidth: 0 }).replace(/\n$/, '\n');
  }
  const doc = new Document(v);
  if (flowLeaves) {
    visit(doc, {
      Collection(_, node) {
        const items = isMap(node) ? node.items.map((p) => p.value) : isSeq(node) ? node.items : [];
        if (!items.some((i) => isCollection(i))) node.flow = true;
      },
    });
  }
  return doc.toString({ indent, indentSeq: false, lineWidth: 0, flowCollectionPadding: false });
}

/** Python's os.path.basename / dirname on POSIX paths. */
function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
function dirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return head && head !== '/'.repeat(head.length) ? head.replace(/\/+$/, '') : head;
}

/** shlex.quote, as Ansible's `quote` filter calls it. */
function shlexQuote(s: string): string {
  if (s === '') return "''";
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

function toInt(v: unknown, args: unknown[], kw: Kwargs): unknown {
  const fallback = param(args, kw, 0, 'default', 0);
  const base = Number(param(args, kw, 1, 'base', 10));
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return Math.trunc(v);
  const text = String(v).trim().replace(/_/g, '');
  if (base !== 10) {
    const digits = text.replace(base === 16 ? /^0x/i : base === 8 ? /^0o/i : base === 2 ? /^0b/i : /^$/, '');
    const n = Number.parseInt(digits, base);
    return Number.isNaN(n) || !/^[-+]?[0-9a-z]+$/i.test(digits) ? fallback : n;
  }
  // jinja2's do_int: int(value), else int(float(value)), else the default.
  if (/^[-+]?\d+$/.test(text)) return Number.parseInt(text, 10);
  const f = Number(text);
  return text !== '' && Number.isFinite(f) ? Math.trunc(f) : fallback;
}

function toFloat(v: unknown, args: unknown[], kw: Kwargs): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  const text = String(v).trim();
  const f = Number(text);
  return text !== '' && !Number.isNaN(f) ? f : param(args, kw, 0, 'default', 0);
}

function combine(v: unknown, args: unknown[], kw: Kwargs): unknown {
  const recursive = truthy(kw.recursive ?? false);
  const listMerge = String(kw.list_merge ?? 'replace');
  if (!['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'].includes(listMerge))
    throw new FilterError(`combine: list_merge must be one of replace, keep, append, prepend, append_rp, prepend_rp`);
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, bv] of Object.entries(b)) {
      const av = out[k];
      const bothMaps = isPlainMap(av) && isPlainMap(bv);
      if (recursive && bothMaps) out[k] = merge(av, bv);
      else if (Array.isArray(av) && Array.isArray(bv) && listMerge !== 'replace') {
        if (listMerge === 'keep') out[k] = av;
        else if (listMerge === 'append') out[k] = [...av, ...bv];
        else if (listMerge === 'prepend') out[k] = [...bv, ...av];
        else if (listMerge === 'append_rp') out[k] = [...av.filter((x) => !bv.some((y) => equal(x, y))), ...bv];
        else out[k] = [...bv, ...av.filter((x) => !bv.some((y) => equal(x, y)))];
      } else out[k] = bv;
    }
    return out;
  };
  const dicts = [v, ...args].flatMap((d) => (Array.isArray(d) ? d : [d]));
  return dicts.reduce<Record<string, unknown>>((acc, d) => merge(acc, mapping(d, 'combine')), {});
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

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
function runTest(name: unknown, v: unknown, args: unknown[]): boolean {
  if (name === undefined) return pyTruthy(v);
  const n = String(name);
  if (n === 'defined') return v !== undefined;
  if (n === 'undefined') return v === undefined;
  const test = Object.hasOwn(TESTS, n) ? TESTS[n] : undefined;
  if (!test) throw new FilterError(`unknown test '${n}'`);
  return test(v, args);
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

export const FILTERS: Record<string, Filter> = {
  length,
  count: length,
  int: toInt,
  float: toFloat,
  string: (v) => pyStr(v),
  // Ansible's bool: True for True, 'yes', 'on', '1', 'true' (any case) and 1; everything else False.
  bool: (v) => (typeof v === 'boolean' ? v : ['yes', 'on', '1', 'true'].includes(String(v).toLowerCase()) || v === 1),
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  capitalize: (v) => {
    const s = pyStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (v, args, kw) => {
    const chars = param(args, kw, 0, 'chars', undefined);
    const s = pyStr(v);
    if (chars === undefined || chars === null) return s.trim();
    const set = new Set(String(chars));
    let a = 0;
    let b = s.length;
    while (a < b && set.has(s[a] as string)) a++;
    while (b > a && set.has(s[b - 1] as string)) b--;
    return s.slice(a, b);
  },
  replace: (v, args, kw) => {
    const [old, replacement] = [String(args[0]), pyStr(args[1] ?? '')];
    const count = param(args, kw, 2, 'count', undefined);
    let s = pyStr(v);
    if (count === undefined || count === null) return s.split(old).join(replacement);
    for (let i = 0; i < Number(count) && s.includes(old); i++) s = s.replace(old, () => replacement);
    return s;
  },
  regex_replace: (v, args, kw) => {
    const pattern = String(param(args, kw, 0, 'regex', ''));
    const replacement = String(param(args, kw, 1, 'replace', ''));
    const count = Number(kw.count ?? 0);
    const re = pyRegex(pattern, regexFlags(kw, 'g'));
    if (count <= 0) return pyStr(v).replace(re, pyReplacement(replacement));
    let n = 0;
    const js = pyReplacement(replacement);
    return pyStr(v).replace(re, (...m) => {
      if (++n > count) return m[0] as string;
      return (m[0] as string).replace(pyRegex(pattern, regexFlags(kw)), js);
    });
  },
  regex_search: (v, args, kw) => {
    const [pattern, ...groups] = args;
    const m = pyRegex(String(pattern), regexFlags(kw)).exec(pyStr(v));
    if (!m) return null;
    if (groups.length === 0) return m[0];
    return groups.map((g) => {
      const ref = String(g);
      const named = /^\\g<(\S+)>$/.exec(ref);
      if (named) return /^\d+$/.test(named[1] as string) ? m[Number(named[1])] : m.groups?.[named[1] as string];
      const numbered = /^\\(\d+)$/.exec(ref);
      if (numbered) return m[Number(numbered[1])] ?? null;
      throw new FilterError(`regex_search: unknown argument ${JSON.stringify(ref)} (write '\\\\1' or '\\\\g<name>')`);
    });
  },
  regex_findall: (v, args, kw) => {
    const re = pyRegex(String(args[0]), regexFlags(kw, 'g'));
    return [...pyStr(v).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? m[1] : m.slice(1)));
  },
  regex_escape: (v) => pyStr(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
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
  split: (v, args) => {
    const s = pyStr(v);
    // Python's str.split() without a separator splits on runs of whitespace and drops empty ends.
    if (args[0] === undefined || args[0] === null) return s.split(/\s+/).filter((w) => w !== '');
    return s.split(String(args[0]));
  },
  lines: (v) =>
    String(v)
      .split('\n')
      .filter((l) => l !== ''),
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
  abs: (v) => Math.abs(Number(v)),
  round: (v, args, kw) => {
    const precision = Number(param(args, kw, 0, 'precision', 0));
    const method = String(param(args, kw, 1, 'method', 'common'));
    const f = 10 ** precision;
    const n = Number(v) * f;
    const r =
      method === 'ceil' ? Math.ceil(n) : method === 'floor' ? Math.floor(n) : Math.sign(n) * Math.round(Math.abs(n));
    return r / f;
  },
  map: (v, args, kw) => {
    const items = list(v, 'map');
    if (Object.hasOwn(kw, 'attribute')) {
      const attr = String(kw.attribute);
      return items.map((x) => {
        const value = attribute(x, attr);
        if (value !== undefined) return value;
        if (Object.hasOwn(kw, 'default')) return kw.default;
        throw new FilterError(`map(attribute='${attr}'): an item has no '${attr}': ${pyStr(x)}`);
      });
    }
    const [name, ...rest] = args;
    if (name === undefined) throw new FilterError(`map needs a filter name or attribute='...'`);
    const filter = Object.hasOwn(FILTERS, String(name)) ? FILTERS[String(name)] : undefined;
    if (!filter) throw new FilterError(`map: unknown filter '${String(name)}'`);
    return items.map((x) => filter(x, rest, {}));
  },
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
  combine,
  dict2items: (v, args, kw) => {
    const k = String(param(args, kw, 0, 'key_name', 'key'));
    const val = String(param(args, kw, 1, 'value_name', 'value'));
    return Object.entries(mapping(v, 'dict2items')).map(([a, b]) => ({ [k]: a, [val]: b }));
  },
  items2dict: (v, args, kw) => {
    const k = String(param(args, kw, 0, 'key_name', 'key'));
    const val = String(param(args, kw, 1, 'value_name', 'value'));
    const out: Record<string, unknown> = {};
    for (const item of list(v, 'items2dict')) {
      const m = mapping(item, 'items2dict');
      if (!Object.hasOwn(m, k) || !Object.hasOwn(m, val))
        throw new FilterError(`items2dict: an item lacks '${k}' or '${val}': ${pyStr(item)}`);
      out[pyStr(m[k])] = m[val];
    }
    return out;
  },
  items: (v) => Object.entries(mapping(v, 'items')),
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
  ternary: (v, args) => (v === null && args.length > 2 ? args[2] : pyTruthy(v) ? args[0] : args[1]),
  to_json: (v, _args, kw) =>
    pyJson(v, kw.indent === undefined ? undefined : Number(kw.indent), truthy(kw.sort_keys ?? false)),
  to_nice_json: (v, _args, kw) => pyJson(v, Number(kw.indent ?? 4), true),
  from_json: (v) => {
    try {
      return JSON.parse(String(v));
    } catch (e) {
      throw new FilterError(`from_json: ${(e as Error).message}`);
    }
  },
  to_yaml: (v, _args, kw) => pyYaml(v, Number(kw.indent ?? 2), true),
  to_nice_yaml: (v, _args, kw) => pyYaml(v, Number(kw.indent ?? 4), false),
  from_yaml: (v) => yamlParseSafe(String(v)),
  b64encode: (v) => Buffer.from(pyStr(v), 'utf8').toString('base64'),
  b64decode: (v) => Buffer.from(pyStr(v), 'base64').toString('utf8'),
  basename: (v) => basename(pyStr(v)),
  dirname: (v) => dirname(pyStr(v)),
  quote: (v) => shlexQuote(pyStr(v)),
  type_debug: (v) =>
    v === null
      ? 'NoneType'
      : Array.isArray(v)
        ? 'list'
        : typeof v === 'object'
          ? 'dict'
          : typeof v === 'boolean'
            ? 'bool'
            : typeof v === 'number'
              ? Number.isInteger(v)
                ? 'int'
                : 'float'
              : 'str',
  ipaddr: (v, args) => ipaddr(v, args),
  ipv4: (v, args) => ipaddr(v, args),
  mandatory: (v) => v,
};

function yamlParseSafe(text: string): unknown {
  try {
    return yamlParse(text);
  } catch (e) {
    throw new FilterError(`from_yaml: ${(e as Error).message}`);
  }
}

/**
 * Jinja's own filters, which ansible-core 2.14 knows by their bare names only (`ansible.builtin.join`
 * fails there with "Could not load"); Ansible's own (to_json, regex_replace, unique, split, ...) take
 * the `ansible.builtin.` prefix too, ipaddr/ipv4 `ansible.utils.` (and the older `ansible.netcommon.`).
 */
const JINJA_BUILTINS = new Set([
  'default',
  'd',
  'join',
  'upper',
  'lower',
  'capitalize',
  'trim',
  'replace',
  'int',
  'float',
  'string',
  'length',
  'count',
  'first',
  'last',
  'list',
  'sort',
  'reverse',
  'min',
  'max',
  'sum',
  'abs',
  'round',
  'map',
  'select',
  'reject',
  'selectattr',
  'rejectattr',
  'items',
]);
const COLLECTION_FILTERS = new Set(['ipaddr', 'ipv4']);

/** The filter a written name means, or why the name is wrong: `ansible.utils.ipaddr` is ipaddr. */
export function canonicalFilterName(written: string): { name: string } | { error: string } {
  const m = /^ansible\.(builtin|utils|netcommon)\.(.+)$/.exec(written);
  if (!m) return { name: written };
  const [, collection, name] = m as unknown as [string, string, string];
  if (collection === 'builtin' && JINJA_BUILTINS.has(name))
    return {
      error: `'${written}': Jinja's own filter '${name}' has no ansible.builtin. name (ansible-core refuses it too); write | ${name}`,
    };
  if (collection === 'builtin' && !COLLECTION_FILTERS.has(name) && name !== 'lines') return { name };
  if (collection !== 'builtin' && COLLECTION_FILTERS.has(name)) return { name };
  return {
    error: `unknown filter '${written}'${COLLECTION_FILTERS.has(name) ? ` (write ansible.utils.${name})` : ''}`,
  };
}

/** For messages: every name a value may use, `default`/`d` (the evaluator's own) included. */
export const FILTER_NAMES = ['default', 'd', ...Object.keys(FILTERS)];
