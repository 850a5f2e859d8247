import { readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { closestName } from '../closest-name.js';
import { ConfigError } from '../errors.js';
import { groupHosts } from './host-vars.js';
import type { Inventory } from './types.js';

/*
 * Host patterns as Ansible reads them in a play's `hosts:` and in --limit:
 *   all, *                 every host
 *   webservers, db1        a group (with its descendants' hosts) or a host
 *   web*, *.example.com    globs over group and host names
 *   ~(web|db)\d+           a regular expression (anchored at the start, as Python's re.match)
 *   a:b  a,b               union;  a:&b  intersection;  a:!b  exclusion
 *   webservers[0]  webservers[1:3]  webservers[-1]   one host or an inclusive slice of a group's hosts
 *   @site.retry            the hosts listed in a file, one per line (relative to the working directory)
 */

/** The hosts a pattern selects, in inventory order; none when nothing matches (the caller decides if that's bad). */
export function selectHosts(inventory: Inventory, pattern: string | string[]): string[] {
  const terms = splitPattern(pattern).flatMap(expandRetryFile);
  const union = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const intersections = terms.filter((t) => t.startsWith('&')).map((t) => t.slice(1));
  const exclusions = terms.filter((t) => t.startsWith('!')).map((t) => t.slice(1));

  // Ansible applies unions first, then intersections, then exclusions, wherever they stand in the pattern;
  // a pattern of only `!x` or `&x` starts from all hosts.
  const selected = new Set<string>();
  for (const term of union.length > 0 || terms.length === 0 ? union : ['all']) {
    for (const host of matchTerm(inventory, term)) selected.add(host);
  }
  for (const term of intersections) {
    const keep = new Set(matchTerm(inventory, term));
    for (const host of selected) if (!keep.has(host)) selected.delete(host);
  }
  for (const term of exclusions) for (const host of matchTerm(inventory, term)) selected.delete(host);
  return [...inventory.hosts.keys()].filter((host) => selected.has(host));
}

/** A term of a pattern that selects no host, with the group or host name closest to it (a likely typo). */
export interface UnmatchedTerm {
  term: string;
  closest?: string;
}

/**
 * The terms of a pattern that select nothing on their own (`iser_hosts,hots2` -> hots2), each with the
 * nearest group or host name. Ansible only warns "Could not match supplied host pattern" and drops the term;
 * naming the likely intended name turns a silently smaller run into a visible mistake.
 */
export function unmatchedTerms(inventory: Inventory, pattern: string | string[]): UnmatchedTerm[] {
  const names = [...inventory.groups.keys(), ...inventory.hosts.keys()];
  const unmatched: UnmatchedTerm[] = [];
  for (const raw of splitPattern(pattern).flatMap(expandRetryFile)) {
    const term = raw.startsWith('&') || raw.startsWith('!') ? raw.slice(1) : raw;
    if (matchTerm(inventory, term).length > 0) continue;
    const bare = term.replace(SUBSCRIPT, '$1');
    const closest = term.startsWith('~') ? undefined : closestName(bare, names);
    unmatched.push(closest === undefined || closest === bare ? { term } : { term, closest });
  }
  return unmatched;
}

/** `'hots2' (did you mean 'host2'?)`, for warnings and errors about a pattern. */
export function describeUnmatched(terms: UnmatchedTerm[]): string {
  return terms.map((t) => (t.closest ? `'${t.term}' (did you mean '${t.closest}'?)` : `'${t.term}'`)).join(', ');
}

/** A play's hosts: its `hosts:` pattern narrowed by --limit, as ansible-playbook intersects them. */
export function selectPlayHosts(inventory: Inventory, hosts: string | string[], limit?: string): string[] {
  const selected = selectHosts(inventory, hosts);
  if (limit === undefined || limit.trim() === '') return selected;
  const allowed = new Set(selectHosts(inventory, limit));
  return selected.filter((host) => allowed.has(host));
}

/**
 * Terms of a pattern: split on commas when it has any, else on colons outside brackets (so `web[1:3]` and
 * `db-[a:c]` stay whole), as Ansible's split_host_pattern does.
 */
export function splitPattern(pattern: string | string[]): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(splitPattern);
  const text = pattern.trim();
  if (text.includes(',')) {
    return text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return text.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
}

function expandRetryFile(term: string): string[] {
  if (!term.startsWith('@')) return [term];
  const file = term.slice(1);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the host list named by '${term}': ${(e as Error).message}`, { file });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(-?\d+)?:(-?\d+)?)\]$/;

function matchTerm(inventory: Inventory, term: string): string[] {
  const subscript = term.startsWith('~') ? null : SUBSCRIPT.exec(term);
  const name = subscript ? (subscript[1] as string) : term;
  const hosts = enumerate(inventory, name);
  if (!subscript) return hosts;
  const [, , index, start, end] = subscript;
  if (index !== undefined) {
    const host = hosts.at(Number(index));
    return host === undefined ? [] : [host];
  }
  // Ansible's slices include their end: web[0:1] is two hosts.
  const to = end === undefined || Number(end) === -1 ? hosts.length : Number(end) + 1;
  return hosts.slice(Number(start ?? 0), to);
}

/** Hosts named by one term: the groups it matches (with descendants), and hosts it matches by name. */
function enumerate(inventory: Inventory, term: string): string[] {
  if (term === 'all' || term === '*') return [...inventory.hosts.keys()];
  const members = groupHosts(inventory);
  const isRegex = term.startsWith('~');
  const isGlob = /[.?*[]/.test(term);
  const matches = isRegex || isGlob ? nameMatcher(term) : (name: string) => name === term;
  const found = new Set<string>();
  const groups = [...inventory.groups.keys()].filter(matches);
  for (const group of groups) for (const host of members[group] ?? []) found.add(host);
  // A term naming a group is not also a host name, unless it is a glob or regex that can be both.
  if (groups.length === 0 || isRegex || isGlob) {
    for (const host of inventory.hosts.keys()) if (matches(host)) found.add(host);
  }
  return [...inventory.hosts.keys()].filter((host) => found.has(host));
}

function nameMatcher(term: string): (name: string) => boolean {
  if (term.startsWith('~')) {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${term.slice(1)})`);
    } catch (e) {
      throw new ConfigError(`invalid regular expression in host pattern '${term}': ${(e as Error).message}`);
    }
    return (name) => regex.test(name);
  }
  const glob = picomatch(term, { dot: true, noextglob: true, nonegate: true });
  return (name) => glob(name);
}
