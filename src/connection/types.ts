import type { Cmd } from '../remote-command.js';
import type { SilenceListener } from './silence-watch.js';

/** What a command did on a host. A non-zero exit is data here, not an exception. */
export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Stat of a remote path; null in a FileState means "absent". */
export interface RemoteStat {
  mode: number; // permission bits only (e.g. 0o644)
  uid: number;
  gid: number;
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

export interface WriteOptions {
  /** Permission bits; default: the existing file's, or 0o644 for a new file. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Keep the previous content at `<path>.<timestamp>.bak` before replacing it. */
  backup?: boolean;
  /**
   * The file as the caller read it, still fresh (what the change was planned against; null: absent): the
   * write takes the defaults (mode, owner) and the backup's content from it instead of reading the file again.
   */
  current?: RemoteFile | null;
}

export interface WriteResult {
  backupPath?: string;
  /** The file as read back on the host after the write (its stat and bytes), when the transport read it back. */
  written?: RemoteFile;
}

/** Counters the benchmark reports: how much remote work sshplay caused. */
export interface ConnectionStats {
  /** Exec channels opened (the persistent shell counts once). */
  execChannels: number;
  /** Commands sent to the host's shell (each is at least one remote process unless a builtin). */
  commands: number;
  /** Round trips: batches of commands or file operations waited on. */
  roundTrips: number;
  sftpOps: number;
}

/**
 * One open transport to one host. Only the engine's apply step calls the writing methods; modules see
 * a read-only view (ReadOnlyConnection) so that check mode cannot change a host by construction.
 */
export interface Connection extends ReadOnlyConnection {
  /** Runs commands that may change the host. */
  run(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]>;
  /**
   * Chains of commands that may change the host, each as run() runs a chain, independent of each other (a
   * failed chain does not stop the next one), and then, in the same round trip, reads taken after them
   * (read-only commands and files, through the shell): what the next tasks will read, already fresh. Hosts
   * driven through a shell have it.
   */
  runThenRead?(chains: readonly Chain[], reads: ReadsAfter, options?: { timeoutMs?: number }): Promise<RanThenRead>;
  /** Atomic write: temporary file in the same directory, fsync, chmod/chown, rename; content verified. */
  writeFile(path: string, content: Buffer, options?: WriteOptions): Promise<WriteResult>;
  close(): Promise<void>;
  /**
   * A task's deadline passed: stop the command running now (its shell is given up) and fail whatever is sent
   * until resume(); returns that command's text. Hosts driven through a shell have it.
   */
  cancel?(why: string): string | undefined;
  /** The next task may send again (a new shell is opened for it). */
  resume?(): void;
  /**
   * Hosts reached over ssh: tells `listener` when the host goes quiet (a keepalive left unanswered past its
   * interval) and when it is heard again, before ssh2 gives it up as unreachable.
   */
  watchSilence?(listener: SilenceListener): void;
  /**
   * Asks the host for a keepalive answer now: unanswered within the grace, the host goes quiet (the listener of
   * watchSilence is told) without waiting for the next keepalive. The engine asks for hosts the others wait for.
   */
  probeSilence?(): void;
  /** Only on a REST API target (an E-Series array): a request that changes it. The engine's apply is the caller. */
  apiChange?(request: ApiChangeRequest): Promise<unknown>;
}

/** Commands run as run() runs a chain: each only if the ones before it exited with one of their ok codes. */
export interface Chain {
  cmds: readonly Cmd[];
  okCodes: number[][];
}

/** What runThenRead reads after the commands. */
export interface ReadsAfter {
  cmds: readonly Cmd[];
  paths: readonly string[];
}

export interface RanThenRead {
  /** Each chain's results, in order (a command after a failed one in its chain: rc -1). */
  runs: RunResult[][];
  /** The read-only commands' results, in order. */
  reads: RunResult[];
  /** Each path's file, null where absent, or why it could not be read. */
  files: (RemoteFile | null | Error)[];
}

/** A change request to a REST API target, its path relative to the API's system (`hosts`, `volume-mappings/<id>`). */
export interface ApiChangeRequest {
  method: 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface RunOptions {
  /** Fails the host when one command runs longer (ms). */
  timeoutMs?: number;
  /**
   * Run as a chain: command i runs only if every earlier one exited with one of its ok codes
   * (chain[i] lists the ok codes of command i); a command not run reports rc -1.
   */
  chain?: number[][];
}

export interface ReadOnlyConnection {
  readonly host: string;
  readonly stats: ConnectionStats;
  /** Runs read-only commands in one round trip (facts, and `check_mode: false` tasks). */
  read(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]>;
  /** Stat and content of files in one round trip; null where the path does not exist. */
  readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]>;
  /**
   * Only on a REST API target: reads one resource (GET), or calls a read-only procedure (POST to `symbol/get…`,
   * as SANtricity's getIscsiSessions) when `query` is given.
   */
  apiRead?(path: string, query?: unknown): Promise<unknown>;
}

export interface RemoteFile {
  stat: RemoteStat;
  /** Content for regular files (null for directories and others). */
  content: Buffer | null;
}
