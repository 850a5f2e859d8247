/**
 * Values as Python (and so Jinja and Ansible) prints and compares them: `str()` of a list is
 * `['a', 'b']`, of True is `True`, of None is `None`; `json.dumps` puts a space after `,` and `:`.
 * Filters and Jinja values in text use these, so a message reads as ansible-playbook would print it.
 */

/** Python's repr() of a string: single quotes unless the text holds one and no double quote. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

function reprItem(v: unknown): string {
  return typeof v === 'string' ? pyRepr(v) : pyStr(v);
}

/** Python's str(): what `{{ value }}` prints and what `join`, `string` and `~` make of a value. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return `[${v.map(reprItem).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyRepr(k)}: ${reprItem(x)}`)
      .join(', ')}}`;
  return String(v);
}

/** A float as Python prints it (1.0, not 1). Only for values known to be floats. */
export function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/**
 * json.dumps as Ansible's to_json calls it: ', ' and ': ' separators, non-ASCII escaped (ensure_ascii);
 * with an indent, items end with ',' and a newline (Python's separators once indent is set).
 */
export function pyJson(v: unknown, indent?: number, sortKeys = false, level = 0): string {
  const pad = (n: number) => (indent === undefined ? '' : `\n${' '.repeat(indent * n)}`);
  const sep = indent === undefined ? ', ' : ',';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((x) => pad(level + 1) + pyJson(x, indent, sortKeys, level + 1)).join(sep)}${pad(level)}]`;
  }
  if (v && typeof v === 'object') {
    let entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    if (sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${pad(level + 1)}${asciiJson(k)}: ${pyJson(x, indent, sortKeys, level + 1)}`).join(sep)}${pad(level)}}`;
  }
  if (v === undefined) return 'null';
  return typeof v === 'string' ? asciiJson(v) : JSON.stringify(v);
}

function asciiJson(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
