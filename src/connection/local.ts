import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { ConnectionError, TaskError } from '../errors.js';
import type { Cmd } from '../remote-command.js';
import { runThenReadOn } from './run-then-read.js';
import { ShellFiles } from './shell-files.js';
import { ShellSession } from './shell-session.js';
import type {
  Chain,
  Connection,
  ConnectionStats,
  RanThenRead,
  ReadsAfter,
  RemoteFile,
  RunOptions,
  RunResult,
  WriteOptions,
  WriteResult,
} from './types.js';

/**
 * `ansible_connection: local`: the controller itself, as the user running sshplay, through one local
 * /bin/sh driven exactly like a host's remote shell (same scripts, same atomic writes through the shell),
 * so a play on localhost behaves as on any host. No sudo here: become for a local host is refused when
 * it would change the user.
 */
export class LocalConnection implements Connection {
  private files!: ShellFiles;
  private shell!: ShellSession;
  private child!: ChildProcessWithoutNullStreams;
  private commandsBefore = 0;
  private roundTrips = 0;
  /** Set by cancel(): everything sent until resume() fails with this (a task's deadline passed). */
  private cancelled: TaskError | null = null;

  private constructor(readonly host: string) {
    this.start();
  }

  static open(host: string): LocalConnection {
    return new LocalConnection(host);
  }

  private start(): void {
    const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const broken = (why: string) => new ConnectionError(this.host, why);
    const shell = new ShellSession(child.stdin, child.stdout, child.stderr, broken);
    child.on('error', (e) => shell.fail(`cannot start /bin/sh: ${e.message}`));
    child.on('close', () => shell.fail('the local shell exited'));
    if (this.shell) this.commandsBefore += this.shell.commands;
    this.child = child;
    this.shell = shell;
    this.files = new ShellFiles(shell);
  }

  /** A task's deadline passed: the shell is killed and what the task still sends fails until resume(). */
  cancel(why: string): string | undefined {
    const running = this.shell.running();
    this.cancelled = new TaskError(running ? `${why} in ${running}` : why);
    this.shell.abandon(this.cancelled);
    this.child.kill('SIGKILL');
    return running;
  }

  resume(): void {
    this.cancelled = null;
    if (!this.shell.usable) this.start();
  }

  private live(): ShellSession {
    if (this.cancelled) throw this.cancelled;
    return this.shell;
  }

  get stats(): ConnectionStats {
    return {
      execChannels: 1,
      commands: this.commandsBefore + this.shell.commands,
      roundTrips: this.roundTrips,
      sftpOps: 0,
    };
  }

  async read(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]> {
    this.roundTrips++;
    return this.live().run(cmds, options?.timeoutMs);
  }

  async run(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]> {
    this.roundTrips++;
    return this.live().run(cmds, options?.timeoutMs, options?.chain);
  }

  async runThenRead(
    chains: readonly Chain[],
    reads: ReadsAfter,
    options?: { timeoutMs?: number },
  ): Promise<RanThenRead> {
    this.roundTrips++;
    return runThenReadOn(this.live(), chains, reads, options);
  }

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    this.roundTrips++;
    this.live();
    try {
      return await this.files.readFiles(paths);
    } catch (e) {
      if (e instanceof ConnectionError) throw e;
      throw new TaskError(`reading ${paths.join(', ')}: ${(e as Error).message}`, { cause: e });
    }
  }

  async writeFile(path: string, content: Buffer, options?: WriteOptions): Promise<WriteResult> {
    this.roundTrips++;
    this.live();
    try {
      return await this.files.writeFile(path, content, options);
    } catch (e) {
      if (e instanceof ConnectionError) throw e;
      throw new TaskError(`writing ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    this.shell.close();
  }
}
