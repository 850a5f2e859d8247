/**
 * A host as an inventory line or `hosts:` key names it: `db1`, `db1:2222`, `web[01:50].example.com`,
 * `db-[a:f].example.com`, `www[1:9:2]`; ranges expand to many hosts, a trailing `:port` sets ansible_port.
 */
export interface HostEntry {
  names: string[];
  port?: number;
}

/** A malformed host entry; the parser that read it adds the file and line. */
export class HostEntryError extends Error {}

// Python's string.ascii_letters: Ansible's alphabetic ranges run over it, so [x:B] is valid.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function parseHostEntry(text: string): HostEntry {
  const { name, port } = splitPort(text);
  if (name === '') throw new HostEntryError(`empty host name in '${text}'`);
  return port === undefined ? { names: expandHostRange(name) } : { names: expandHostRange(name), port };
}

/** `name:port` when exactly one colon stands outside brackets; more colons mean an IPv6 address, kept whole. */
function splitPort(text: string): { name: string; port?: number } {
  let depth = 0;
  const colons: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ':' && depth === 0) colons.push(i);
  }
  if (colons.length !== 1) return { name: text };
  const at = colons[0] as number;
  const portText = text.slice(at + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new HostEntryError(`invalid port '${portText}' in host '${text}' (expected 1 to 65535)`);
  }
  return { name: text.slice(0, at), port };
}

/**
 * The most hosts one inventory entry may name. Ansible has no bound and `web[0:99999999999]` would exhaust
 * the controller's memory before any error; a fleet this tool drives is far below it.
 */
export const MAX_HOSTS_PER_ENTRY = 100_000;

/** Expands the first `[begin:end(:step)]` range, then the rest of the name recursively, as Ansible does. */
export function expandHostRange(name: string): string[] {
  return expandWithin(name, name, { left: MAX_HOSTS_PER_ENTRY });
}

function tooMany(entry: string): HostEntryError {
  return new HostEntryError(
    `host range in '${entry}' names more than ${MAX_HOSTS_PER_ENTRY.toLocaleString('en')} hosts; split it into smaller entries`,
  );
}

function expandWithin(name: string, entry: string, budget: { left: number }): string[] {
  const open = name.indexOf('[');
  const close = name.indexOf(']', open);
  if (open < 0 || close < 0 || !name.slice(open, close).includes(':')) {
    budget.left -= 1;
    if (budget.left < 0) throw tooMany(entry);
    return [name];
  }
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length > 3) throw new HostEntryError(`host range must be [begin:end] or [begin:end:step] in '${name}'`);
  const [beginText = '', endText = '', stepText = '1'] = bounds;
  const begin = beginText === '' ? '0' : beginText;
  if (endText === '') throw new HostEntryError(`host range has no end value in '${name}'`);
  const step = Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new HostEntryError(`host range step must be 1 or more in '${name}'`);

  let items: string[];
  if (LETTERS.includes(begin) && begin.length === 1 && endText.length === 1 && LETTERS.includes(endText)) {
    const from = LETTERS.indexOf(begin);
    const to = LETTERS.indexOf(endText);
    if (from > to) throw new HostEntryError(`host range must have begin <= end in '${name}'`);
    items = [];
    for (let i = from; i <= to; i += step) items.push(LETTERS[i] as string);
  } else {
    if (!/^\d+$/.test(begin) || !/^\d+$/.test(endText)) {
      throw new HostEntryError(`host range must be numbers or single letters in '${name}'`);
    }
    // A leading zero fixes the width: web[01:50] gives web01 ... web50.
    const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
    if (width && width !== endText.length) {
      throw new HostEntryError(`host range must have begin and end of equal width in '${name}'`);
    }
    const from = Number(begin);
    const to = Number(endText);
    if (from > to) throw new HostEntryError(`host range must have begin <= end in '${name}'`);
    if (Math.floor((to - from) / step) + 1 > budget.left) throw tooMany(entry);
    items = [];
    for (let i = from; i <= to; i += step) items.push(String(i).padStart(width, '0'));
  }
  return items.flatMap((item) => expandWithin(`${head}${item}${tail}`, entry, budget));
}
