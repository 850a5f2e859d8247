import type { RemoteFile, RunResult } from '../connection/types.js';
import { type Cmd, shellText } from '../remote-command.js';
import type { FactRequest, HostFacts } from './host-facts.js';
import type { ServiceState } from './service-state.js';

/**
 * A fact of the catalogue with its parameters bound: what it reads (the read-ahead fetches exactly this)
 * and how the answer is read back, parsed, through the host's cache. As pyinfra's facts: a fact names
 * its read and parses its output; modules ask for facts, never for raw reads.
 */
export interface FactUse<T> {
  /** The fact's name in the catalogue (`iscsi.nodeTree`), for messages and fixtures. */
  readonly fact: string;
  readonly requests: readonly FactRequest[];
  /**
   * False for state read at its task's turn only: an array's REST API state (each change to an array
   * makes every earlier read of it stale, so reading a later task's state ahead would read it twice).
   */
  readonly ahead: boolean;
  read(facts: HostFacts): Promise<T>;
}

/** A named fact: `of(params)` binds it for one read. */
export interface Fact<P, T> {
  readonly name: string;
  of(params: P): FactUse<T>;
}

/** A fact from its reads and how it reads them back: the builders below are this with one kind of read each. */
function fact<P, T>(
  name: string,
  ahead: boolean,
  requests: (params: P) => FactRequest[],
  read: (facts: HostFacts, params: P) => Promise<T>,
): Fact<P, T> {
  return {
    name,
    of: (params) => ({ fact: name, requests: requests(params), ahead, read: (facts) => read(facts, params) }),
  };
}

/** A fact answered by one of sshplay's own read-only commands. */
export function commandFact<P, T>(spec: {
  name: string;
  command(params: P): Cmd;
  parse(result: RunResult, params: P): T;
}): Fact<P, T> {
  return fact(
    spec.name,
    true,
    (p) => [{ kind: 'command', cmd: spec.command(p) }],
    async (facts, p) => spec.parse(await facts.command(spec.command(p)), p),
  );
}

/** A fact answered by a file on the host (its stat and content; null when absent). */
export function fileFact<P, T>(spec: {
  name: string;
  path(params: P): string;
  parse(file: RemoteFile | null, params: P): T;
}): Fact<P, T> {
  return fact(
    spec.name,
    true,
    (p) => [{ kind: 'file', path: spec.path(p) }],
    async (facts, p) => spec.parse(await facts.file(spec.path(p)), p),
  );
}

/** A systemd unit's state: every unit a read-ahead asks for comes from one `systemctl show` (HostFacts). */
export function serviceFact<T>(spec: { name: string; parse(state: ServiceState, unit: string): T }): Fact<string, T> {
  return fact(
    spec.name,
    true,
    (unit) => [{ kind: 'service', unit }],
    async (facts, unit) => spec.parse(await facts.service(unit), unit),
  );
}

/** A REST API target's resources (GET), or a read-only procedure's answer (`query` given), read at their turn. */
export function apiFact<P, T>(spec: {
  name: string;
  reads(params: P): { path: string; query?: unknown }[];
  parse(answers: unknown[], params: P): T;
}): Fact<P, T> {
  return fact(
    spec.name,
    false,
    (p) => spec.reads(p).map((r) => ({ kind: 'api' as const, ...r })),
    async (facts, p) => spec.parse(await Promise.all(spec.reads(p).map((r) => facts.api(r.path, r.query))), p),
  );
}

/** A request's identity: two requests with the same key are the same read (the cache's own keys). */
export function requestKey(r: FactRequest): string {
  switch (r.kind) {
    case 'file':
      return `file ${r.path}`;
    case 'command':
      return `command ${shellText(r.cmd)}`;
    case 'service':
      return `service ${r.unit}`;
    case 'api':
      return `api ${r.path}${r.query === undefined ? '' : ` ${JSON.stringify(r.query)}`}`;
  }
}
