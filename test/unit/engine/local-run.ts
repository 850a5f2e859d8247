/**
 * Runs a playbook through the Engine on "hosts" that are LocalConnections (a real /bin/sh on this
 * machine, no root, no sshd), each host writing only under its own temporary folder (its `dir` var).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { Connection } from '../../../src/connection/types.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { Engine, type EngineOptions, type RunSummary } from '../../../src/engine/run.js';
import { ConnectionError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-engine-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

export type TaskResult = Extract<EngineEvent, { type: 'task_result' }>;

export interface LocalRun {
  summary: RunSummary;
  events: EngineEvent[];
  results: TaskResult[];
  dir: (host: string) => string;
  /** The events of one task on one host. */
  resultsOf: (host: string, task: string) => TaskResult[];
}

export interface LocalRunOptions extends Partial<EngineOptions> {
  /** The inventory's hosts, in order (default h1, h2). */
  hosts?: string[];
  /** Groups: name -> hosts; a play's `hosts:` names a group, a host or `all`. */
  groups?: Record<string, string[]>;
  unreachable?: string[];
  hostVars?: Record<string, Record<string, unknown>>;
  /** Ctrl-C, as the CLI signals it. */
  signal?: AbortSignal;
  /** Extra files beside the playbook (name -> content). */
  files?: Record<string, string>;
  /** Sees (and may wrap) each connection the engine opens. */
  opened?: (host: string, conn: Connection) => Connection;
}

export async function runLocal(yaml: string, options: LocalRunOptions = {}, reuse?: string): Promise<LocalRun> {
  const base = reuse ?? join(root, `run${runs++}`);
  const hosts = options.hosts ?? ['h1', 'h2'];
  const groups: Record<string, string[]> = { all: hosts, ...options.groups };
  const dir = (host: string) => join(base, host);
  for (const host of hosts) mkdirSync(dir(host), { recursive: true });
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(join(base, name, '..'), { recursive: true });
    writeFileSync(join(base, name), content);
  }
  const file = join(base, 'site.yml');
  writeFileSync(file, yaml);
  const playbook = await loadPlaybook(file);
  const events: EngineEvent[] = [];
  const hostsFor = (pattern: string) =>
    pattern
      .split(':')
      .flatMap((p) => groups[p] ?? (hosts.includes(p) ? [p] : []))
      .filter((h, i, all) => all.indexOf(h) === i);
  const summary = await new Engine(
    {
      playbook,
      hostsFor,
      inventoryVars: (host) => ({
        dir: dir(host),
        inventory_hostname: host,
        groups,
        group_names: Object.keys(groups).filter((g) => g !== 'all' && groups[g]?.includes(host)),
        ...options.hostVars?.[host],
      }),
      async connect(host) {
        if (options.unreachable?.includes(host)) throw new ConnectionError(host, 'connection refused');
        const conn = await LocalConnection.open(host);
        return options.opened ? options.opened(host, conn) : conn;
      },
      reporter: { emit: (event) => events.push(event) },
      signal: options.signal,
    },
    { check: false, diff: false, forks: 5, tags: [], skipTags: [], extraVars: {}, ...options },
  ).run();
  const results = events.filter((e): e is TaskResult => e.type === 'task_result');
  return {
    summary,
    events,
    results,
    dir,
    resultsOf: (host, task) => results.filter((r) => r.host === host && r.task === task),
  };
}
