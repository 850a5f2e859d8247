import type { Connection, RemoteFile, RemoteStat, RunResult } from '../../../src/connection/types.js';
import { type FactUse, requestKey } from '../../../src/facts/fact.js';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { validateArgs } from '../../../src/modules/args.js';
import type { Module, Plan, PlanContext } from '../../../src/modules/types.js';
import { type Cmd, shellText } from '../../../src/remote-command.js';

/** A file on the fake host: text content (a regular file) or a directory. */
export type FakeFile =
  | string
  | Buffer
  | { content?: string | Buffer; mode?: number; uid?: number; gid?: number; dir?: boolean };

/** What the fake host knows: files by path, and the output of read-only commands by their shell text. */
export interface FakeHost {
  files?: Record<string, FakeFile>;
  commands?: Record<string, Partial<RunResult>>;
  /** A REST API target's resources by path (a read-only procedure: `path {query JSON}`), or a function answering them. */
  api?: Record<string, unknown> | ((path: string, query?: unknown) => unknown);
}

function toRemoteFile(f: FakeFile): RemoteFile {
  const spec = typeof f === 'string' || Buffer.isBuffer(f) ? { content: f } : f;
  const content = spec.dir ? null : Buffer.from(spec.content ?? '');
  const stat: RemoteStat = {
    mode: spec.mode ?? (spec.dir ? 0o755 : 0o644),
    uid: spec.uid ?? 0,
    gid: spec.gid ?? 0,
    size: content?.length ?? 4096,
    isFile: !spec.dir,
    isDirectory: !!spec.dir,
    isSymlink: false,
  };
  return { stat, content };
}

/**
 * A connection that serves canned facts and fails on any write: the structural check-mode guarantee is
 * that planning only ever reads. It implements the *full* Connection so that a module which somehow got
 * hold of the writing methods would be caught, not just fail to compile.
 */
export class ReadOnlyFakeConnection implements Connection {
  readonly host = 'fake-host';
  readonly stats = { execChannels: 0, commands: 0, roundTrips: 0, sftpOps: 0 };
  readonly reads: string[] = [];
  readonly fileReads: string[] = [];
  writeAttempts = 0;

  constructor(private readonly state: FakeHost = {}) {}

  async read(cmds: readonly Cmd[]): Promise<RunResult[]> {
    this.stats.roundTrips++;
    return cmds.map((cmd) => {
      const text = shellText(cmd);
      this.reads.push(text);
      const out = this.state.commands?.[text];
      if (!out) throw new Error(`fake host: no canned output for command: ${text}`);
      return { rc: out.rc ?? 0, stdout: out.stdout ?? '', stderr: out.stderr ?? '' };
    });
  }

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    this.stats.roundTrips++;
    return paths.map((p) => {
      this.fileReads.push(p);
      const f = this.state.files?.[p];
      return f === undefined ? null : toRemoteFile(f);
    });
  }

  async apiRead(path: string, query?: unknown): Promise<unknown> {
    const key = query === undefined ? path : `${path} ${JSON.stringify(query)}`;
    this.reads.push(`api ${key}`);
    const api = this.state.api;
    if (typeof api === 'function') return structuredClone(api(path, query));
    if (!api || !(key in api)) throw new Error(`fake array: no canned answer for ${key}`);
    return structuredClone(api[key]);
  }

  run(cmds: readonly Cmd[]): Promise<RunResult[]> {
    this.writeAttempts++;
    throw new Error(`write during planning: run(${cmds.map(shellText).join('; ')})`);
  }

  runThenRead(chains: readonly { cmds: readonly Cmd[] }[]): Promise<never> {
    this.writeAttempts++;
    const cmds = chains.flatMap((c) => c.cmds);
    throw new Error(`write during planning: runThenRead(${cmds.map(shellText).join('; ')})`);
  }

  writeFile(path: string): Promise<never> {
    this.writeAttempts++;
    throw new Error(`write during planning: writeFile(${path})`);
  }

  close(): Promise<void> {
    this.writeAttempts++;
    throw new Error('close during planning');
  }
}

/**
 * Host facts that remember every read a plan makes, in the words of the fact catalogue's requests, so a test
 * can hold them against what the module declared (`reads`): a read it did not declare is one the read-ahead
 * would miss, a round trip of its own.
 */
export class RecordingHostFacts extends HostFacts {
  readonly asked: string[] = [];

  override file(path: string) {
    this.asked.push(requestKey({ kind: 'file', path }));
    return super.file(path);
  }

  override command(cmd: Cmd) {
    this.asked.push(requestKey({ kind: 'command', cmd }));
    return super.command(cmd);
  }

  override service(unit: string) {
    this.asked.push(requestKey({ kind: 'service', unit }));
    return super.service(unit);
  }

  override api(path: string, query?: unknown) {
    this.asked.push(requestKey({ kind: 'api', path, query }));
    return super.api(path, query);
  }

  /** The reads made that the module does not declare for these arguments. */
  undeclared(module: Module<never>, args: unknown, vars: Record<string, unknown>): string[] {
    const declared = new Set((module.reads?.(args as never, vars) ?? []).map(requestKey));
    return [...new Set(this.asked.filter((k) => !declared.has(k)))];
  }
}

export interface FakeContext {
  ctx: PlanContext;
  conn: ReadOnlyFakeConnection;
  facts: RecordingHostFacts;
}

export function fakeContext(
  host: FakeHost = {},
  options: {
    vars?: Record<string, unknown>;
    check?: boolean;
    diff?: boolean;
    templates?: Record<string, string>;
    localFiles?: Record<string, string | Buffer>;
  } = {},
): FakeContext {
  const conn = new ReadOnlyFakeConnection(host);
  const facts = new RecordingHostFacts(conn);
  const ctx: PlanContext = {
    host: 'fake-host',
    vars: options.vars ?? {},
    facts,
    check: options.check ?? true,
    diff: options.diff,
    async readLocal(path) {
      const content = options.localFiles?.[path];
      if (content === undefined) throw new Error(`no local file ${path}`);
      return { path: `/playbook/files/${path}`, content: Buffer.from(content) };
    },
    async renderTemplate(path) {
      const text = options.templates?.[path];
      if (text === undefined) throw new Error(`no template ${path}`);
      return text;
    },
  };
  return { ctx, conn, facts };
}

/**
 * Validates raw arguments as the engine does (defaults, aliases, coercion), then plans; asserts nothing was
 * written and nothing was read that the module does not declare (every module test checks both).
 */
export async function planWith<A>(
  module: Module<A>,
  raw: Record<string, unknown>,
  host: FakeHost = {},
  options: Parameters<typeof fakeContext>[1] = {},
): Promise<Plan & { conn: ReadOnlyFakeConnection }> {
  const { ctx, conn, facts } = fakeContext(host, options);
  const args = (module.anyArgs ? raw : validateArgs(module.name, module.schema, raw)) as A;
  const plan = await module.plan(ctx, args);
  if (conn.writeAttempts > 0) throw new Error('the plan tried to write');
  const undeclared = facts.undeclared(module as Module<never>, args, ctx.vars);
  if (undeclared.length) throw new Error(`${module.name} read what it does not declare: ${undeclared.join('; ')}`);
  return { ...plan, conn };
}

/** A compact, comparable view of a plan's changes. */
export function describeChanges(plan: Plan): unknown[] {
  return plan.changes.map((c) =>
    c.kind === 'exec'
      ? { exec: shellText(c.cmd), ...(c.okCodes ? { okCodes: c.okCodes } : {}) }
      : c.kind === 'api'
        ? { api: `${c.method} ${c.path}`, ...(c.body !== undefined ? { body: c.body } : {}) }
        : {
            write: c.path,
            content: c.content.toString('utf8'),
            ...(c.mode !== undefined ? { mode: c.mode } : {}),
            ...(c.uid !== undefined ? { uid: c.uid } : {}),
            ...(c.gid !== undefined ? { gid: c.gid } : {}),
            ...(c.backup ? { backup: true } : {}),
          },
  );
}

/** The shell text of the command a fact reads: fake hosts answer commands by their text. */
export function commandOf(use: FactUse<unknown>): string {
  const [request] = use.requests;
  if (request?.kind !== 'command') throw new Error(`${use.fact} is not read by a command`);
  return shellText(request.cmd);
}
