/**
 * The Jinja2 and Ansible filters and tests that values and conditions may use, each as its
 * documented Python implementation behaves (jinja2/filters.py, jinja2/tests.py,
 * ansible/plugins/filter/core.py, ansible.utils' ipaddr), on the JSON-like values playbooks hold.
 */
import { ADDRESS_FILTERS } from './address-filters.js';
import { CONVERSION_FILTERS } from './conversion-filters.js';
import { ENCODING_FILTERS } from './encoding-filters.js';
import { attribute, type Filter, FilterError, list, pyTruthy } from './filter-values.js';
import { LIST_FILTERS } from './list-filters.js';
import { MAPPING_FILTERS } from './mapping-filters.js';
import { pyStr } from './python-values.js';
import { STRING_FILTERS } from './string-filters.js';

/** The filters about filtering itself: map (which applies another by name), ternary, mandatory. */
const OWN_FILTERS: Record<string, Filter> = {
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
  ternary: (v, args) => (v === null && args.length > 2 ? args[2] : pyTruthy(v) ? args[0] : args[1]),
  mandatory: (v) => v,
};

const BY_FAMILY: Record<string, Filter> = {
  ...CONVERSION_FILTERS,
  ...STRING_FILTERS,
  ...LIST_FILTERS,
  ...MAPPING_FILTERS,
  ...ENCODING_FILTERS,
  ...ADDRESS_FILTERS,
  ...OWN_FILTERS,
};

/** Every filter by name, in the order messages list them. */
const ORDER = [
  'length',
  'count',
  'int',
  'float',
  'string',
  'bool',
  'lower',
  'upper',
  'capitalize',
  'trim',
  'replace',
  'regex_replace',
  'regex_search',
  'regex_findall',
  'regex_escape',
  'first',
  'last',
  'join',
  'split',
  'lines',
  'list',
  'unique',
  'sort',
  'reverse',
  'flatten',
  'min',
  'max',
  'sum',
  'abs',
  'round',
  'map',
  'extract',
  'select',
  'reject',
  'selectattr',
  'rejectattr',
  'combine',
  'dict2items',
  'items2dict',
  'items',
  'difference',
  'intersect',
  'union',
  'ternary',
  'to_json',
  'to_nice_json',
  'from_json',
  'to_yaml',
  'to_nice_yaml',
  'from_yaml',
  'b64encode',
  'b64decode',
  'basename',
  'dirname',
  'quote',
  'type_debug',
  'ipaddr',
  'ipv4',
  'mandatory',
];

export const FILTERS: Record<string, Filter> = Object.fromEntries(
  ORDER.map((name) => [name, BY_FAMILY[name] as Filter]),
);

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
