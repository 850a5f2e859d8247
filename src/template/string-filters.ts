/** The filters on text: case, trimming, replacing, Python regular expressions, splitting, paths and shell quoting. */
import { type Filter, FilterError, type Kwargs, param, truthy } from './filter-values.js';
import { pyStr } from './python-values.js';

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

export function regexFlags(kw: Kwargs, extra = ''): string {
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

export const STRING_FILTERS: Record<string, Filter> = {
  string: (v) => pyStr(v),
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
  basename: (v) => basename(pyStr(v)),
  dirname: (v) => dirname(pyStr(v)),
  quote: (v) => shlexQuote(pyStr(v)),
};
