/** What the engine's parts share during one run: its input, options, and the per-run state objects. */
import type { Connection } from '../connection/types.js';
import type { Playbook } from '../playbook/types.js';
import type { EngineEvent, HostStats, Reporter } from './events.js';
import type { HostSessions } from './host-sessions.js';
import type { LocalFiles } from './local-files.js';
import type { ReadAhead } from './read-ahead.js';
import type { SecretFinder } from './redaction.js';
import type { Variables } from './variables.js';

export type Vars = Record<string, unknown>;

export interface EngineOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  startAtTask?: string;
  /** Asks before each task (--step); resolves false to skip it. */
  step?: (task: string) => Promise<boolean>;
  /** --task-timeout: seconds a task may run on a host unless its own `timeout` says otherwise (0: no limit). */
  taskTimeoutS?: number;
}

export interface EngineInput {
  playbook: Playbook;
  /** Hosts of a play: its `hosts:` pattern intersected with --limit, in inventory order. */
  hostsFor(pattern: string): string[];
  /** The inventory's variables for a host (precedence already applied), without extra vars. */
  inventoryVars(host: string): Record<string, unknown>;
  connect(host: string, vars: Record<string, unknown>): Promise<Connection>;
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface RunContext {
  readonly input: EngineInput;
  readonly options: EngineOptions;
  readonly sessions: HostSessions;
  readonly variables: Variables;
  readonly readAhead: ReadAhead;
  /** The controller's files tasks read (templates, copy sources), read once while unchanged. */
  readonly localFiles: LocalFiles;
  readonly secrets: SecretFinder;
  emit(event: EngineEvent): void;
  /** The recap counters of a play host. */
  stats(host: string): HostStats;
  /** Ctrl-C: no new task starts. */
  interrupted(): boolean;
}

/** Thrown inside a host's run when it can go no further (unreachable): its run of the play ends. */
export class HostStopped extends Error {}
