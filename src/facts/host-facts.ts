import type { RanThenRead, ReadOnlyConnection, ReadsAfter, RemoteFile, RunResult } from '../connection/types.js';
import { TaskError } from '../errors.js';
import { type Cmd, shellText } from '../remote-command.js';
import {
  parseServiceState,
  parseServiceStates,
  type ServiceState,
  serviceStateCmd,
  serviceStatesCmd,
} from './service-state.js';
import { sharedContent } from './shared-content.js';

/** What a module's plan will read, known from its arguments before the play runs. */
export type FactRequest =
  | { kind: 'file'; path: string }
  /** One of sshplay's own read-only commands (a module's facts, never a task's command). */
  | { kind: 'command'; cmd: Cmd }
  | { kind: 'service'; unit: string }
  /** A REST API target's resource (GET), or a read-only procedure's answer when `query` is given. */
  | { kind: 'api'; path: string; query?: unknown };

/**
 * What a host's cache had read, settled, kept while its connection is let go between plays: a host that waits
 * for its next play is not changed by the run meanwhile (as a host kept open keeps its cache), so its next play
 * need not read it again. API answers are not kept: an array is changed by other hosts' plays.
 */
export interface KeptReads {
  files: Map<string, RemoteFile | null>;
  commands: Map<string, RunResult>;
  services: Map<string, ServiceState>;
}

const PENDING: unique symbol = Symbol('pending');

/** One round trip's reads: files, and shell commands keyed by their text (the units' one among them). */
interface ReadBatch {
  paths: string[];
  units: string[];
  cmds: Map<string, Cmd>;
  unitsCmd: Cmd | null;
}

/**
 * A host's state as read during one run, cached: every module reads through here, and the engine
 * prefetches what a whole play wants in one round trip (files over SFTP and read-only commands in one
 * shell batch, side by side). A change the engine applies invalidates what it touched.
 */
export class HostFacts {
  private readonly files = new Map<string, Promise<RemoteFile | null>>();
  private readonly commands = new Map<string, Promise<RunResult>>();
  private readonly services = new Map<string, Promise<ServiceState>>();
  private readonly apiReads = new Map<string, Promise<unknown>>();
  /**
   * `conn`: the host's connection. `simulated`: check mode's would-be files, which outlive invalidation since
   * nothing on the host really changes; passed in so they also outlive this cache (a host reconnected in a later
   * play still sees what an earlier play would have written).
   */
  constructor(
    private readonly conn: ReadOnlyConnection,
    private readonly simulated = new Map<string, RemoteFile>(),
    kept?: KeptReads,
  ) {
    if (!kept) return;
    for (const [path, file] of kept.files) this.files.set(path, Promise.resolve(file));
    for (const [key, result] of kept.commands) this.commands.set(key, Promise.resolve(result));
    for (const [unit, state] of kept.services) this.services.set(unit, Promise.resolve(state));
  }

  /**
   * What was read and has settled, for a host let go between plays (reads still in flight or failed are left
   * to be read again). File contents are shared with hosts that read the same (most hosts' iscsid.conf is alike).
   */
  async kept(): Promise<KeptReads> {
    const kept: KeptReads = { files: new Map(), commands: new Map(), services: new Map() };
    // Listed first, an already settled read wins the race against the sentinel; one still in flight loses.
    const settled = <T>(p: Promise<T>): Promise<T | typeof PENDING> =>
      Promise.race<T | typeof PENDING>([p, Promise.resolve(PENDING)]).catch((): typeof PENDING => PENDING);
    for (const [path, p] of this.files) {
      const file = await settled(p);
      if (file === PENDING) continue;
      kept.files.set(path, file?.content ? { ...file, content: sharedContent(file.content) } : file);
    }
    for (const [key, p] of this.commands) {
      const result = await settled(p);
      if (result !== PENDING) kept.commands.set(key, result);
    }
    for (const [unit, p] of this.services) {
      const state = await settled(p);
      if (state !== PENDING) kept.services.set(unit, state);
    }
    return kept;
  }

  /**
   * Cached reads are promises that a task may never await (the run stopped first); a failed read must
   * not surface as an unhandled rejection, only where it is awaited.
   */
  private static cached<T>(p: Promise<T>): Promise<T> {
    p.catch(() => undefined);
    return p;
  }

  file(path: string): Promise<RemoteFile | null> {
    const simulated = this.simulated.get(path);
    if (simulated) return Promise.resolve(simulated);
    let p = this.files.get(path);
    if (!p) {
      p = HostFacts.cached(this.conn.readFiles([path]).then((r) => r[0] ?? null));
      this.files.set(path, p);
    }
    return p;
  }

  /** Output of a read-only command, run once per run unless invalidated. */
  command(cmd: Cmd): Promise<RunResult> {
    const key = shellText(cmd);
    let p = this.commands.get(key);
    if (!p) {
      p = HostFacts.cached(this.conn.read([cmd]).then((r) => r[0] as RunResult));
      this.commands.set(key, p);
    }
    return p;
  }

  /**
   * A resource of a REST API target (an E-Series array), read once per run unless a change invalidated it. A
   * read-only procedure's answer (`query` given: getIscsiSessions) is live state other hosts change (their logins),
   * so it is asked each time, never cached. A host reached over ssh has no such API: the module is told so (and the
   * load-time check refuses such tasks earlier).
   */
  api(path: string, query?: unknown): Promise<unknown> {
    const read = this.conn.apiRead?.bind(this.conn);
    const ask = () =>
      HostFacts.cached(
        read
          ? read(path, query)
          : Promise.reject(
              new Error(
                `${this.conn.host} has no REST API to read ${path} from: array modules need ansible_connection: eseries_api`,
              ),
            ),
      );
    if (query !== undefined) return ask();
    let p = this.apiReads.get(path);
    if (!p) {
      p = ask();
      this.apiReads.set(path, p);
    }
    return p;
  }

  /** After a change sent to a REST API target: everything read from it may be stale. */
  invalidateApi(): void {
    this.apiReads.clear();
  }

  /** A systemd unit's state (every unit a prefetch asked for comes from one `systemctl show`). */
  service(unit: string): Promise<ServiceState> {
    let p = this.services.get(unit);
    if (!p) {
      p = this.readServices([unit])[0] as Promise<ServiceState>;
      this.services.set(unit, p);
    }
    return p;
  }

  private readServices(units: readonly string[], batch?: Promise<RunResult>): Promise<ServiceState>[] {
    const shown = (batch ?? this.conn.read([serviceStatesCmd(units)]).then((r) => r[0] as RunResult)).then((r) =>
      r.rc === 0 ? parseServiceStates(r.stdout, units.length) : null,
    );
    return units.map((unit, i) =>
      HostFacts.cached(
        shown.then(async (states) => {
          if (states) return states[i] as ServiceState;
          const [r] = await this.conn.read([serviceStateCmd(unit)]);
          return parseServiceState(r?.stdout ?? '');
        }),
      ),
    );
  }

  /** Reads everything not yet cached in one round trip of each kind, both at once. */
  async prefetch(requests: readonly FactRequest[]): Promise<void> {
    const batch = this.batchOf(requests, (r) => {
      if (r.kind === 'file') return !this.files.has(r.path);
      if (r.kind === 'service') return !this.services.has(r.unit);
      return r.kind === 'command' && !this.commands.has(shellText(r.cmd));
    });
    const fileBatch = batch.paths.length ? this.conn.readFiles(batch.paths) : Promise.resolve([]);
    const cmds = [...batch.cmds.values()];
    const cmdBatch = cmds.length ? this.conn.read(cmds) : Promise.resolve([]);
    this.keep(batch, fileBatch, cmdBatch);
    const apiReads = requests.flatMap((r) => (r.kind === 'api' ? [this.api(r.path, r.query)] : []));
    await Promise.all([fileBatch, cmdBatch, ...batch.units.map((u) => this.services.get(u)), ...apiReads]);
  }

  /**
   * A task's commands sent by `send` (the engine's apply, the only writer) with the reads the next tasks want
   * in the same round trip, taken after the commands. Nothing read before the commands holds any more (a
   * command may change anything); what was read after them is kept as fresh. API reads are not shell reads:
   * they are left to the next prefetch.
   */
  async afterCommands(
    requests: readonly FactRequest[],
    send: (reads: ReadsAfter) => Promise<RanThenRead>,
  ): Promise<RunResult[][]> {
    const batch = this.batchOf(requests, (r) => r.kind !== 'file' || !this.simulated.has(r.path));
    let ran: RanThenRead;
    try {
      ran = await send({ cmds: [...batch.cmds.values()], paths: batch.paths });
    } finally {
      this.invalidateAll();
    }
    this.keep(batch, Promise.resolve(ran.files), Promise.resolve(ran.reads));
    return ran.runs;
  }

  /** The shell commands (every unit in one `systemctl show`) and files that read the requests `take` keeps. */
  private batchOf(requests: readonly FactRequest[], take: (r: FactRequest) => boolean): ReadBatch {
    const wanted = requests.filter(take);
    const paths = [...new Set(wanted.flatMap((r) => (r.kind === 'file' ? [r.path] : [])))];
    const units = [...new Set(wanted.flatMap((r) => (r.kind === 'service' ? [r.unit] : [])))];
    const cmds = new Map<string, Cmd>();
    for (const r of wanted) {
      if (r.kind !== 'command') continue;
      cmds.set(shellText(r.cmd), r.cmd);
    }
    const unitsCmd = units.length ? serviceStatesCmd(units) : null;
    if (unitsCmd) cmds.set(shellText(unitsCmd), unitsCmd);
    return { paths, units, cmds, unitsCmd };
  }

  /** A batch's answers (as they come) into the cache: each file, command and unit state on its own. */
  private keep(
    batch: ReadBatch,
    fileBatch: Promise<readonly (RemoteFile | null | Error)[]>,
    cmdBatch: Promise<readonly RunResult[]>,
  ): void {
    batch.paths.forEach((path, i) => {
      const file = fileBatch.then((r) => {
        const f = r[i] ?? null;
        if (f instanceof Error) throw new TaskError(`reading ${path}: ${f.message}`);
        return f;
      });
      this.files.set(path, HostFacts.cached(file));
    });
    [...batch.cmds.keys()].forEach((key, i) => {
      this.commands.set(key, HostFacts.cached(cmdBatch.then((r) => r[i] as RunResult)));
    });
    if (batch.unitsCmd) {
      const key = shellText(batch.unitsCmd);
      const shown = this.commands.get(key) as Promise<RunResult>;
      this.commands.delete(key);
      this.readServices(batch.units, shown).forEach((p, i) => {
        this.services.set(batch.units[i] as string, p);
      });
    }
  }

  /**
   * Check mode: later tasks see a file as an earlier task would have written it, so their diffs show
   * the cumulative effect instead of failing on a file that only a change would create.
   */
  simulateWrite(path: string, content: Buffer, mode = 0o644): void {
    const stat = { mode, uid: 0, gid: 0, size: content.length, isFile: true, isDirectory: false, isSymlink: false };
    // Kept for the rest of the run: shared with the hosts that would write the same.
    this.simulated.set(path, { stat, content: sharedContent(content) });
  }

  /** After a write: the file. */
  invalidateFile(path: string): void {
    this.files.delete(path);
  }

  /** The file as read and still held, without reading it (undefined: not held, or its read failed). */
  async heldFile(path: string): Promise<RemoteFile | null | undefined> {
    const held = this.files.get(path);
    return held ? held.catch(() => undefined) : undefined;
  }

  /**
   * After a write: the file as the host gave it back (read after the write), or, not read back, to be read
   * again. What commands said before may no longer hold: their output can depend on the file (a unit's state
   * on its unit file, `multipath -t` on multipath.conf), so it is read again when a later task wants it.
   * Other files stay as read: a write replaces one file.
   */
  fileWritten(path: string, written: RemoteFile | undefined): void {
    if (written) this.files.set(path, Promise.resolve(written));
    else this.invalidateFile(path);
    this.invalidateCommands();
  }

  /** After a command changed the host, any command output read before may be stale. */
  invalidateCommands(): void {
    this.commands.clear();
    this.services.clear();
  }

  invalidateAll(): void {
    this.files.clear();
    this.apiReads.clear();
    this.invalidateCommands();
  }
}
