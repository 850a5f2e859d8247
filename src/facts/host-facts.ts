import type { ReadOnlyConnection, RemoteFile, RunResult } from '../connection/types.js';
import { type Cmd, shellText } from '../shell.js';

/** What a module's plan will read, known from its arguments before the play runs. */
export type FactRequest = { kind: 'file'; path: string } | { kind: 'command'; cmd: Cmd };

/**
 * A host's state as read during one run, cached: every module reads through here, and the engine
 * prefetches what a whole play wants in one round trip (files over SFTP and read-only commands in one
 * shell batch, side by side). A change the engine applies invalidates what it touched.
 */
export class HostFacts {
  private readonly files = new Map<string, Promise<RemoteFile | null>>();
  private readonly commands = new Map<string, Promise<RunResult>>();
  /** Check mode's would-be files: they outlive invalidation, since nothing on the host really changes. */
  private readonly simulated = new Map<string, RemoteFile>();

  constructor(private readonly conn: ReadOnlyConnection) {}

  file(path: string): Promise<RemoteFile | null> {
    const simulated = this.simulated.get(path);
    if (simulated) return Promise.resolve(simulated);
    let p = this.files.get(path);
    if (!p) {
      p = this.conn.readFiles([path]).then((r) => r[0] ?? null);
      this.files.set(path, p);
    }
    return p;
  }

  /** Output of a read-only command, run once per run unless invalidated. */
  command(cmd: Cmd): Promise<RunResult> {
    const key = shellText(cmd);
    let p = this.commands.get(key);
    if (!p) {
      p = this.conn.read([cmd]).then((r) => r[0] as RunResult);
      this.commands.set(key, p);
    }
    return p;
  }

  /** Reads everything not yet cached in one round trip of each kind, both at once. */
  async prefetch(requests: readonly FactRequest[]): Promise<void> {
    const paths = [...new Set(requests.flatMap((r) => (r.kind === 'file' && !this.files.has(r.path) ? [r.path] : [])))];
    const cmds = new Map<string, Cmd>();
    for (const r of requests) {
      if (r.kind === 'command' && !this.commands.has(shellText(r.cmd))) cmds.set(shellText(r.cmd), r.cmd);
    }
    const fileBatch = paths.length ? this.conn.readFiles(paths) : Promise.resolve([]);
    const cmdBatch = cmds.size ? this.conn.read([...cmds.values()]) : Promise.resolve([]);
    paths.forEach((path, i) => {
      this.files.set(
        path,
        fileBatch.then((r) => r[i] ?? null),
      );
    });
    [...cmds.keys()].forEach((key, i) => {
      this.commands.set(
        key,
        cmdBatch.then((r) => r[i] as RunResult),
      );
    });
    await Promise.all([fileBatch, cmdBatch]);
  }

  /**
   * Check mode: later tasks see a file as an earlier task would have written it, so their diffs show
   * the cumulative effect instead of failing on a file that only a change would create.
   */
  simulateWrite(path: string, content: Buffer, mode = 0o644): void {
    const stat = { mode, uid: 0, gid: 0, size: content.length, isFile: true, isDirectory: false, isSymlink: false };
    this.simulated.set(path, { stat, content });
  }

  invalidateFile(path: string): void {
    this.files.delete(path);
  }

  /** After a command changed the host, any command output read before may be stale. */
  invalidateCommands(): void {
    this.commands.clear();
  }

  invalidateAll(): void {
    this.files.clear();
    this.commands.clear();
  }
}
