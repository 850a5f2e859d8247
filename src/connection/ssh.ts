import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { ConnectionError, TaskError } from '../errors.js';
import { type Cmd, quoteArg } from '../remote-command.js';
import { CONNECTION_DETAILS, logFor } from './connection-log.js';
import { runThenReadOn } from './run-then-read.js';
import { type FileTransport, SftpFiles } from './sftp-files.js';
import { ShellFiles } from './shell-files.js';
import { ShellSession } from './shell-session.js';
import { type SilenceListener, SilenceWatch } from './silence-watch.js';
import {
  connectClient,
  KEEPALIVE_COUNT_MAX,
  KEEPALIVE_INTERVAL_MS,
  type SshOptions,
  type SshTarget,
} from './ssh-client.js';
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
import { batchWritesPerTurn, isCorkable } from './write-batching.js';

const BECOME_PROMPT = '__SSHPLAY_BECOME_PROMPT__';
const BECOME_READY = '__SSHPLAY_BECOME_READY__';

/** One ssh2 connection per host, opened once; one persistent shell channel and one SFTP channel over it. */
export class SshConnection implements Connection {
  readonly host: string;
  private files!: FileTransport;
  private sftpFiles?: SftpFiles;
  private shell!: ShellSession;
  private channel!: ClientChannel;
  /** Set by cancel(): what runs now and what is sent until resume() fails with this (a task's deadline passed). */
  private cancelled: TaskError | null = null;
  /** Why the transport went away, for file work that was waiting on it. */
  private lostWhy = 'connection closed';
  private readonly execStats = { channels: 0, roundTrips: 0 };
  private closed = false;
  /**
   * Set when the connection went away; until then, what work in flight is told if it does (SFTP requests in
   * flight then never get an answer, so file work races it). One entry per request in flight, removed when it
   * settles: a race against one long-lived promise would keep every result alive as long as the connection.
   */
  private lostError?: Error;
  private readonly onLost = new Set<(why: Error) => void>();
  /** -vvv lines about this host's session (how its shell and file transfers run). */
  private details?: (text: string) => void;
  /** Whether the host has gone quiet (a keepalive unanswered): the engine lets the other hosts go on without it. */
  private silence?: SilenceWatch;
  /** close() was called: the transport going away is no loss. */
  private ending = false;

  private constructor(
    private readonly client: Client,
    private readonly target: SshTarget,
  ) {
    this.host = target.name;
  }

  get stats(): ConnectionStats {
    return {
      execChannels: this.execStats.channels,
      commands: this.shell?.commands ?? 0,
      roundTrips: this.execStats.roundTrips + (this.sftpFiles?.trips ?? 0),
      sftpOps: this.sftpFiles?.ops ?? 0,
    };
  }

  static async open(target: SshTarget, options: SshOptions): Promise<SshConnection> {
    const client = await connectClient(target, options);
    const conn = new SshConnection(client, target);
    conn.details = logFor(options.log, target.name, CONNECTION_DETAILS);
    client.removeAllListeners('error');
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'client-timeout') {
        const interval = (options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS) / 1000;
        const count = options.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX;
        conn.lostWhy = `host stopped answering: ${count} keepalives ${interval} s apart went unanswered (hung host or network)`;
      } else conn.lostWhy = err.message;
      conn.shell?.fail(conn.lostWhy);
    });
    // ssh2 keeps its transport (the TCP socket, or the jump host's channel) as _sock and offers no hook on
    // keepalive answers: the bytes coming in on it are what says the host still answers.
    const transport = (client as unknown as { _sock?: ConstructorParameters<typeof SilenceWatch>[0] })._sock;
    if (transport) conn.silence = new SilenceWatch(transport, options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS);
    if (isCorkable(transport)) batchWritesPerTurn(transport);
    client.on('close', () => {
      conn.closed = true;
      conn.silence?.stop(conn.ending ? undefined : conn.lostWhy);
      conn.shell?.fail(conn.lostWhy);
      conn.lostError ??= new Error(conn.lostWhy);
      for (const tell of conn.onLost) tell(conn.lostError);
      conn.onLost.clear();
    });
    try {
      await conn.startShell();
    } catch (e) {
      client.end(); // an open socket would keep the run from ever exiting
      throw e;
    }
    return conn;
  }

  /** `work`, or the connection's loss if that comes first. */
  private unlessLost<T>(work: Promise<T>): Promise<T> {
    if (this.lostError) {
      work.catch(() => undefined);
      return Promise.reject(this.lostError);
    }
    return new Promise<T>((resolve, reject) => {
      this.onLost.add(reject);
      work.then(resolve, reject).finally(() => this.onLost.delete(reject));
    });
  }

  private needsSudo(): boolean {
    const becomeUser = this.target.becomeUser ?? 'root';
    return !!this.target.become && becomeUser !== this.target.user;
  }

  private exec(command: string): Promise<ClientChannel> {
    this.execStats.channels++;
    return new Promise((resolve, reject) =>
      this.client.exec(command, (err, stream) => (err ? reject(err) : resolve(stream))),
    );
  }

  private async startShell(): Promise<void> {
    await this.openShell();
    if (this.needsSudo()) return;
    this.sftpFiles = new SftpFiles(
      await new Promise<SFTPWrapper>((res, rej) => this.client.sftp((e, s) => (e ? rej(e) : res(s)))),
    );
    this.files = this.sftpFiles;
  }

  /** The host's persistent shell (through sudo when become changes the user); again after a cancel. */
  private async openShell(): Promise<void> {
    const broken = (why: string) => new ConnectionError(this.host, why);
    const adopt = (channel: ClientChannel) => {
      const shell = new ShellSession(channel, channel, channel.stderr, broken);
      this.shell = shell;
      this.channel = channel;
      // this shell's own channel: a cancelled shell closing later must not break its successor
      channel.on('close', () => shell.fail('the remote shell exited'));
    };
    if (!this.needsSudo()) {
      this.details?.(`shell: /bin/sh as ${this.target.user}; files over SFTP`);
      adopt(await this.exec('/bin/sh'));
      return;
    }
    this.details?.(
      `become: sudo -u ${this.target.becomeUser ?? 'root'} /bin/sh (become password ${this.target.becomePassword ? 'given' : 'not given'}); files through that shell`,
    );
    // sudo reads the password from stdin (-S) only when it asks; the prompt is a marker so we know when.
    const user = quoteArg(this.target.becomeUser ?? 'root');
    const channel = await this.exec(
      `sudo -S -p ${BECOME_PROMPT} -u ${user} /bin/sh -c 'echo ${BECOME_READY}; exec /bin/sh'`,
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const onOut = (d: Buffer) => {
        out += d.toString();
        if (out.includes(BECOME_READY)) {
          channel.off('data', onOut);
          channel.stderr.off('data', onErr);
          resolve();
        }
      };
      let asked = false;
      const onErr = (d: Buffer) => {
        err += d.toString();
        if (err.includes(BECOME_PROMPT)) {
          err = err.replace(BECOME_PROMPT, '');
          // A second prompt means sudo refused the password: say so now rather than sending it twice more
          // and waiting out sudo's failure delays (and its lockout counter).
          if (asked) return reject(broken(`become failed: sudo refused the become password for ${this.target.user}`));
          if (!this.target.becomePassword)
            return reject(broken('sudo asks for a password; set ansible_become_password or --ask-become-pass'));
          asked = true;
          channel.write(`${this.target.becomePassword}\n`);
        } else if (/incorrect password|not in the sudoers|not allowed|may not run sudo/i.test(err)) {
          reject(broken(`become failed: ${err.trim()}`));
        }
      };
      channel.on('data', onOut);
      channel.stderr.on('data', onErr);
      channel.on('close', () => reject(broken(`become failed: ${err.trim() || 'sudo exited'}`)));
    });
    channel.removeAllListeners('close');
    adopt(channel);
    this.files = new ShellFiles(this.shell);
  }

  /**
   * A task's deadline passed: the shell running its command is given up (killed where sshd honours
   * signals, its channel closed) and whatever the task still sends fails, until resume(). Returns the
   * command that was running, if one was.
   */
  cancel(why: string): string | undefined {
    const running = this.shell.running();
    this.cancelled = new TaskError(running ? `${why} in ${running}` : why);
    this.shell.abandon(this.cancelled);
    try {
      this.channel.signal('KILL');
      this.channel.close();
    } catch {
      // the channel is already gone: nothing runs there any more
    }
    return running;
  }

  /** After a cancel, the next task gets a new shell (opened when it first sends a command). */
  resume(): void {
    this.cancelled = null;
  }

  /** The shell to send to: a refusal while cancelled, a new one after a cancel. */
  private async liveShell(): Promise<ShellSession> {
    if (this.cancelled) throw this.cancelled;
    if (!this.shell.usable && !this.closed) {
      try {
        await this.unlessLost(this.openShell());
      } catch (e) {
        if (e instanceof ConnectionError) throw e;
        throw new ConnectionError(this.host, `cannot open a new shell: ${(e as Error).message}`, { cause: e });
      }
    }
    return this.shell;
  }

  private count<T>(p: Promise<T>): Promise<T> {
    this.execStats.roundTrips++;
    return p;
  }

  /** File work: SFTP counts its own round trips (a write takes three); through the shell (become) it is one. */
  private countFiles<T>(p: Promise<T>): Promise<T> {
    return this.sftpFiles ? p : this.count(p);
  }

  async read(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]> {
    const shell = await this.liveShell();
    return this.count(shell.run(cmds, options?.timeoutMs));
  }

  async run(cmds: readonly Cmd[], options?: RunOptions): Promise<RunResult[]> {
    const shell = await this.liveShell();
    return this.count(shell.run(cmds, options?.timeoutMs, options?.chain));
  }

  /** One round trip: the commands, then the reads (files too, through the shell) taken after them. */
  async runThenRead(
    chains: readonly Chain[],
    reads: ReadsAfter,
    options?: { timeoutMs?: number },
  ): Promise<RanThenRead> {
    const shell = await this.liveShell();
    return this.count(runThenReadOn(shell, chains, reads, options));
  }

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    if (this.cancelled) throw this.cancelled;
    if (!this.sftpFiles) await this.liveShell(); // file work through the shell (become) needs a live one
    try {
      return await this.countFiles(this.unlessLost(this.files.readFiles(paths)));
    } catch (e) {
      await settle();
      if (!this.closed) throw new TaskError(`reading ${paths.join(', ')}: ${(e as Error).message}`, { cause: e });
      throw new ConnectionError(this.host, `reading ${paths.join(', ')}: ${(e as Error).message}`, { cause: e });
    }
  }

  async writeFile(path: string, content: Buffer, options?: WriteOptions): Promise<WriteResult> {
    if (this.cancelled) throw this.cancelled;
    if (!this.sftpFiles) await this.liveShell();
    try {
      return await this.countFiles(this.unlessLost(this.files.writeFile(path, content, options)));
    } catch (e) {
      // An SFTP status (permission denied, no such directory) is the task's failure; anything else is the transport's.
      await settle();
      if (!this.closed) throw new TaskError(`writing ${path}: ${(e as Error).message}`, { cause: e });
      throw new ConnectionError(this.host, `writing ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  watchSilence(listener: SilenceListener): void {
    this.silence?.listen(listener);
  }

  probeSilence(): void {
    // ssh2's own keepalive (Protocol.ping: keepalive@openssh.com, a reply wanted) has no public call. ssh2 pairs
    // global-request replies with callbacks in order, and this ping queues none: its reply is taken for a
    // pending keepalive's (whose callback only records that the host answered, which it did) and the last
    // reply finds no callback and is dropped. sshplay sends no global request of its own.
    const protocol = (this.client as unknown as { _protocol?: { ping?: () => void } })._protocol;
    const ping = protocol?.ping;
    if (typeof ping !== 'function') return;
    this.silence?.probe(() => ping.call(protocol));
  }

  async close(): Promise<void> {
    this.ending = true;
    this.silence?.stop();
    this.shell?.close();
    this.client.end();
  }
}

/** A transport failure shows up as a channel error first and a 'close' event just after: wait for it. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}
