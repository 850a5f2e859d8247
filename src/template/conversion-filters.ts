/** The filters that turn a value into a number, a boolean or a type name, and round numbers. */
import { type Filter, type Kwargs, param } from './filter-values.js';

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

export const CONVERSION_FILTERS: Record<string, Filter> = {
  int: toInt,
  float: toFloat,
  // Ansible's bool: True for True, 'yes', 'on', '1', 'true' (any case) and 1; everything else False.
  bool: (v) => (typeof v === 'boolean' ? v : ['yes', 'on', '1', 'true'].includes(String(v).toLowerCase()) || v === 1),
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
};
