import { spawn } from 'node:child_process';
import { ConnectionError, TaskError } from '../errors.js';
import type { Cmd } from '../shell.js';
import { ShellFiles } from './shell-files.js';
import { ShellSession } from './shell-session.js';
import type {
  Connection,
  ConnectionStats,
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
  private readonly files: ShellFiles;
  private roundTrips = 0;

  private constructor(
    readonly host: string,
    private readonly shell: ShellSession,
  ) {
    this.files = new ShellFiles(shell);
  }

  static open(host: string): LocalConnection {
    const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const broken = (why: string) => new ConnectionError(host, why);
    const shell = new ShellSession(child.stdin, child.stdout, child.stderr, broken);
    child.on('error', (e) => shell.fail(`cannot start /bin/sh: ${e.message}`));
    child.on('close', () => shell.fail('the local shell exited'));
    return new LocalConnection(host, shell);
  }

  get stats(): ConnectionStats {
    return { execChannels: 1, commands: this.shell.commands, roundTrips: this.roundTrips, sftpOps: 0 };
  }

  read(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]> {
    this.roundTrips++;
    return this.shell.run(cmds, options?.timeoutMs);
  }

  run(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]> {
    this.roundTrips++;
    return this.shell.run(cmds, options?.timeoutMs, options?.chain);
  }

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    this.roundTrips++;
    try {
      return await this.files.readFiles(paths);
    } catch (e) {
      if (e instanceof ConnectionError) throw e;
      throw new TaskError(`reading ${paths.join(', ')}: ${(e as Error).message}`, { cause: e });
    }
  }

  async writeFile(path: string, content: Buffer, options?: WriteOptions): Promise<WriteResult> {
    this.roundTrips++;
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
