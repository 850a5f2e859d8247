import type { EngineEvent } from '../engine/events.js';

export type TaskResult = Extract<EngineEvent, { type: 'task_result' }>;

/** Hosts whose result of one task (item, status, message, diff, commands, output) printed the same. */
export interface ResultGroup {
  hosts: string[];
  result: TaskResult;
}

/**
 * One task's results grouped by what they print without the host name, as they come: a result joins the
 * group of an earlier one that printed the same, so what is held grows with the distinct outcomes, not with
 * the fleet (a 2,000-host task that went ok everywhere is one result and a list of names).
 */
export class ResultGrouper {
  private readonly groups = new Map<string, ResultGroup & { named: Set<string> }>();

  /** `printedAs`: what a result prints without its host, or undefined when it prints nothing (not held). */
  constructor(private readonly printedAs: (r: TaskResult) => string | undefined) {}

  add(r: TaskResult): void {
    const key = this.printedAs(r);
    if (key === undefined) return;
    const g = this.groups.get(key);
    if (!g) this.groups.set(key, { hosts: [r.host], result: r, named: new Set([r.host]) });
    else if (!g.named.has(r.host)) {
      g.named.add(r.host);
      g.hosts.push(r.host);
    }
  }

  /** The groups in first-host order, each group's hosts in natural order. */
  list(): ResultGroup[] {
    const list: ResultGroup[] = [...this.groups.values()].map(({ hosts, result }) => ({ hosts, result }));
    for (const g of list) g.hosts.sort(naturalOrder);
    // Hosts finish in any order: sorted by their first host, the output is the same run after run.
    return list.sort((a, b) => naturalOrder(a.hosts[0] as string, b.hosts[0] as string));
  }
}

// One collator for every comparison: localeCompare with options builds a new one per call, and hosts are
// compared on every task printed.
const NATURAL = new Intl.Collator('en', { numeric: true });

/** host2 before host10. */
export function naturalOrder(a: string, b: string): number {
  return NATURAL.compare(a, b);
}

/**
 * The lines of `diff` that differ from `reference` when both have the same shape (same line count,
 * few lines apart: the same file change with a host's own GUIDs or addresses). Undefined when they are
 * too different to show as an exception: then the whole diff is printed.
 */
export function diffExceptions(reference: string, diff: string): string[] | undefined {
  const a = reference.trimEnd().split('\n');
  const b = diff.trimEnd().split('\n');
  if (a.length !== b.length) return undefined;
  const differing = b.filter((line, i) => line !== a[i]);
  return differing.length <= Math.max(3, Math.floor(b.length / 4)) ? differing : undefined;
}
