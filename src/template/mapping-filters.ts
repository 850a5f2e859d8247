/** The filters on mappings (dicts): combine, and turning a dict into items and back. */
import {
  equal,
  type Filter,
  FilterError,
  isPlainMap,
  type Kwargs,
  list,
  mapping,
  param,
  truthy,
} from './filter-values.js';
import { pyStr } from './python-values.js';

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

export const MAPPING_FILTERS: Record<string, Filter> = {
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
};
