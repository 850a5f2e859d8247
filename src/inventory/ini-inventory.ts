import { ConfigError, type Location } from '../errors.js';
import type { InventoryBuilder } from './builder.js';
import { HostEntryError, parseHostEntry } from './host-entry.js';
import { parseIniSectionValue, parseIniValue } from './ini-value.js';
import type { Vars } from './types.js';

/*
 * Ansible's INI inventory:
 *
 *   mail.example.com              # before any section: ungrouped
 *   [webservers]
 *   foo.example.com ansible_port=2222 opensm_port_priorities='[15, 1]'
 *   www[01:50].example.com
 *   [webservers:vars]
 *   ntp_server=ntp.atlanta.example.com
 *   [usa:children]
 *   webservers
 */

type SectionKind = 'hosts' | 'vars' | 'children';

/** A group a `[g:vars]` or `[p:children]` section names before (or without) its own `[g]` section. */
interface PendingGroup {
  kind: 'vars' | 'children';
  parents: { name: string; where: Location }[];
  where: Location;
}

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:[#;].*)?$/;

export function parseIniInventory(file: string, text: string, builder: InventoryBuilder): void {
  const lines = text.split(/\r?\n/);
  let group = 'ungrouped';
  let kind: SectionKind = 'hosts';
  const pending = new Map<string, PendingGroup>();

  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const indent = raw.length - raw.trimStart().length;
    const at = (column = indent + 1): Location => ({ file, line: index + 1, column, excerpt: raw });

    const section = SECTION.exec(line);
    if (section) {
      group = section[1] as string;
      const type = section[2] ?? 'hosts';
      if (type !== 'hosts' && type !== 'vars' && type !== 'children') {
        throw new ConfigError(
          `section [${section[1]}:${type}] has unknown type '${type}' (expected hosts, vars or children)`,
          at(raw.indexOf(':') + 2),
        );
      }
      kind = type;
      if (kind === 'vars') {
        // [g:vars] alone does not declare g: Ansible requires [g] or [g:children] somewhere in the file.
        if (!builder.hasGroup(group) && !pending.has(group)) pending.set(group, { kind, parents: [], where: at() });
        builder.addGroup(group);
      } else {
        builder.addGroup(group);
        declare(group, pending, builder);
      }
      return;
    }
    if (line.startsWith('[')) {
      // No host name starts with '[': this is a section header, malformed or unclosed.
      throw new ConfigError(
        `invalid section header${line.endsWith(']') ? '' : ' (no closing ])'}: expected [group], [group:vars] or [group:children] with no spaces`,
        at(),
      );
    }

    if (kind === 'hosts') {
      readHostLine(raw, group, builder, at);
    } else if (kind === 'vars') {
      const eq = line.indexOf('=');
      const key = eq < 0 ? '' : line.slice(0, eq).trim();
      if (key === '') throw new ConfigError(`expected key=value in [${group}:vars], got '${line}'`, at());
      builder.setGroupVars(group, { [key]: parseIniSectionValue(line.slice(eq + 1).trim()) }, at());
    } else {
      const child = GROUP_NAME.exec(line)?.[1];
      if (child === undefined) throw new ConfigError(`invalid group name in [${group}:children]: '${line}'`, at());
      const waiting = pending.get(child);
      if (builder.hasGroup(child) && !waiting) {
        builder.addChild(group, child, at());
      } else if (waiting) {
        waiting.parents.push({ name: group, where: at() });
      } else {
        pending.set(child, { kind: 'children', parents: [{ name: group, where: at() }], where: at() });
      }
    }
  });

  const [name, unresolved] = [...pending][0] ?? [];
  if (name !== undefined && unresolved) {
    if (unresolved.kind === 'vars') {
      throw new ConfigError(
        `section [${name}:vars] is for an undefined group '${name}' (declare it with a [${name}] section)`,
        unresolved.where,
      );
    }
    const parent = unresolved.parents.at(-1)?.name ?? '';
    throw new ConfigError(
      `section [${parent}:children] includes undefined group '${name}' (declare it with a [${name}] section)`,
      unresolved.where,
    );
  }
}

/** A `[g]` or `[g:children]` header: g now exists, so the sections that named it as a child can take it. */
function declare(group: string, pending: Map<string, PendingGroup>, builder: InventoryBuilder): void {
  const waiting = pending.get(group);
  if (!waiting) return;
  pending.delete(group);
  for (const parent of waiting.parents) builder.addChild(parent.name, group, parent.where);
}

function readHostLine(raw: string, group: string, builder: InventoryBuilder, at: (column?: number) => Location): void {
  const [first, ...rest] = splitShellWords(raw, at);
  if (!first) return;
  let entry: ReturnType<typeof parseHostEntry>;
  try {
    entry = parseHostEntry(first.text);
  } catch (e) {
    if (e instanceof HostEntryError) throw new ConfigError(e.message, at(first.column));
    throw e;
  }
  const vars: Vars = entry.port === undefined ? {} : { ansible_port: entry.port };
  for (const word of rest) {
    const eq = word.text.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(
        `expected key=value host variable after '${first.text}', got '${word.text}'`,
        at(word.column),
      );
    }
    vars[word.text.slice(0, eq)] = parseIniValue(word.text.slice(eq + 1));
  }
  for (const name of entry.names) {
    builder.addHost(name, group);
    builder.setHostVars(name, vars);
  }
}

interface Word {
  text: string;
  /** 1-based column where the word starts. */
  column: number;
}

/**
 * Splits a host line as Python's shlex.split(line, comments=True) does, which is what Ansible uses: quotes group
 * and disappear (`a='[1, 2]'` is the word `a=[1, 2]`), backslash escapes, `#` outside quotes ends the line.
 */
export function splitShellWords(line: string, at: (column?: number) => Location): Word[] {
  const words: Word[] = [];
  let current: Word | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      if (current) words.push(current);
      current = undefined;
      continue;
    }
    if (c === '#') break;
    current ??= { text: '', column: i + 1 };
    if (c === '\\') {
      i++;
      current.text += line[i] ?? '';
    } else if (c === "'" || c === '"') {
      const close = findClosingQuote(line, i, c);
      if (close < 0) throw new ConfigError(`no closing quotation for the ${c} opened here`, at(i + 1));
      const inner = line.slice(i + 1, close);
      current.text += c === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
      i = close;
    } else {
      current.text += c;
    }
  }
  if (current) words.push(current);
  return words;
}

function findClosingQuote(line: string, open: number, quote: string): number {
  for (let i = open + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') i++;
    else if (line[i] === quote) return i;
  }
  return -1;
}
