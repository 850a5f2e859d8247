import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { type Cmd, shellText } from '../remote-command.js';
import type { RunResult } from './types.js';

interface Pending {
  seq: number;
  /** The markers that end its stdout (then its exit code and a newline) and its stderr, made once. */
  outTag: Buffer;
  errTag: Buffer;
  /** The command's text, to say which one was running when the shell broke or a deadline passed. */
  cmd: string;
  stdout?: string;
  rc?: number;
  stderr?: string;
  resolve: (r: RunResult) => void;
  reject: (e: Error) => void;
}

/**
 * One remote `/bin/sh` kept open for the whole run and driven over its stdin: every command of every
 * task goes through this single exec channel, so a host pays for one shell, not one per command.
 *
 * Each command runs in a subshell with stdin from /dev/null (it cannot eat the protocol, and `exit`
 * inside a script cannot end our shell); after it, the shell prints a marker with a sequence number
 * and the exit code on stdout, and the same marker on stderr. Streams keep their order, so the text
 * before a marker is exactly that command's output. The marker holds 128 random bits.
 */
export class ShellSession {
  private readonly marker = `__SSHPLAY_${randomBytes(16).toString('hex')}__`;
  private seq = 0;
  private readonly queue: Pending[] = [];
  private outBuf: Buffer = Buffer.alloc(0);
  private errBuf: Buffer = Buffer.alloc(0);
  private closedError: Error | null = null;
  commands = 0;

  constructor(
    private readonly stdin: Writable,
    stdout: Readable,
    stderr: Readable,
    private readonly onBroken: (why: string) => Error,
  ) {
    // Most chunks arrive with nothing left over from the last (every marker before them answered): they
    // are kept as they are, not copied into a new buffer.
    stdout.on('data', (chunk: Buffer) => {
      this.outBuf = this.outBuf.length === 0 ? chunk : Buffer.concat([this.outBuf, chunk]);
      this.drain();
    });
    stderr.on('data', (chunk: Buffer) => {
      this.errBuf = this.errBuf.length === 0 ? chunk : Buffer.concat([this.errBuf, chunk]);
      this.drain();
    });
    stdin.on('error', () => this.fail('the remote shell stopped reading'));
    // A plain, predictable environment for parsing tool output.
    stdin.write('export LC_ALL=C LANG=C\n');
  }

  /** Called by the owner when the channel closes. */
  fail(why: string): void {
    if (this.closedError) return;
    const running = this.running();
    this.abandon(this.onBroken(running ? `${why}, in ${running}` : why));
  }

  /** The command the shell is running now (the oldest one not answered), shortened for messages. */
  running(): string | undefined {
    const cmd = this.queue[0]?.cmd;
    if (cmd === undefined) return undefined;
    const line = cmd.replace(/\s+/g, ' ').trim();
    return line.length > 120 ? `${line.slice(0, 117)}...` : line;
  }

  /** Whether commands can still be sent (false once broken or abandoned). */
  get usable(): boolean {
    return this.closedError === null;
  }

  /** Gives the shell up: what waits fails with `error`, nothing more is sent. The owner closes the channel. */
  abandon(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const p of this.queue.splice(0)) p.reject(error);
  }

  /** Sends all commands in one write and resolves when every result is back: one round trip. */
  run(cmds: readonly Cmd[], timeoutMs?: number, chain?: number[][]): Promise<RunResult[]> {
    return this.send([{ cmds, chain }], timeoutMs).then(([results]) => results ?? []);
  }

  /**
   * Chains of commands, each independent of the others, and then read-only commands, in one write: one
   * round trip. The shell runs the script in order, so every read is taken after every command; a chain and
   * the reads run whatever the earlier chains' exit codes.
   */
  runThenRead(
    chains: readonly { cmds: readonly Cmd[]; okCodes: number[][] }[],
    reads: readonly Cmd[],
    timeoutMs?: number,
  ): Promise<{ runs: RunResult[][]; reads: RunResult[] }> {
    const parts = [...chains.map((c) => ({ cmds: c.cmds, chain: c.okCodes })), { cmds: reads }];
    return this.send(parts, timeoutMs).then((results) => ({
      runs: results.slice(0, chains.length),
      reads: results[chains.length] ?? [],
    }));
  }

  /** Each part's commands, in order, in one write; one result list per part. */
  private send(
    parts: readonly { cmds: readonly Cmd[]; chain?: number[][] }[],
    timeoutMs?: number,
  ): Promise<RunResult[][]> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (parts.every((part) => part.cmds.length === 0)) return Promise.resolve(parts.map(() => []));
    let script = '';
    const results: Promise<RunResult[]>[] = [];
    for (const { cmds, chain } of parts) {
      if (chain) script += '__sshplay_ok=0\n';
      const part: Promise<RunResult>[] = [];
      for (const [i, cmd] of cmds.entries()) {
        const seq = ++this.seq;
        const text = shellText(cmd);
        const body = `(\n${text}\n) </dev/null`;
        if (chain) {
          const ok = (chain[i] ?? [0]).join('|');
          script += `if [ $__sshplay_ok = 0 ]; then ${body}\n__sshplay_rc=$?; case $__sshplay_rc in ${ok}) ;; *) __sshplay_ok=1;; esac; else __sshplay_rc=-1; fi\n`;
        } else {
          script += `${body}\n__sshplay_rc=$?\n`;
        }
        // the end of this command's output: on stdout the tag and its exit status, on stderr the tag alone;
        // one spelling of each, for the script that prints it and the reader that looks for it
        const tag = `${this.marker}.${seq}`;
        script += `printf '${tag}:%d\\n' $__sshplay_rc; printf '${tag}\\n' >&2\n`;
        const outTag = Buffer.from(`${tag}:`);
        const errTag = Buffer.from(`${tag}\n`);
        part.push(
          new Promise<RunResult>((resolve, reject) => {
            this.queue.push({ seq, outTag, errTag, cmd: text, resolve, reject });
          }),
        );
      }
      this.commands += cmds.length;
      results.push(Promise.all(part));
    }
    this.stdin.write(script);
    const all = Promise.all(results);
    if (!timeoutMs) return all;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.fail(`a command ran longer than ${timeoutMs / 1000}s (--timeout)`);
        reject(this.closedError);
      }, timeoutMs);
    });
    return Promise.race([all, timeout]).finally(() => clearTimeout(timer));
  }

  private drain(): void {
    for (;;) {
      const head = this.queue[0];
      if (!head) return;
      if (head.stdout === undefined) {
        const tag = head.outTag;
        const at = this.outBuf.indexOf(tag);
        if (at >= 0) {
          const eol = this.outBuf.indexOf(10, at + tag.length);
          if (eol < 0) return;
          head.stdout = this.outBuf.subarray(0, at).toString('utf8');
          head.rc = Number(this.outBuf.subarray(at + tag.length, eol).toString());
          this.outBuf = this.outBuf.subarray(eol + 1);
        }
      }
      if (head.stderr === undefined) {
        const tag = head.errTag;
        const at = this.errBuf.indexOf(tag);
        if (at >= 0) {
          head.stderr = this.errBuf.subarray(0, at).toString('utf8');
          this.errBuf = this.errBuf.subarray(at + tag.length);
        }
      }
      if (head.stdout === undefined || head.stderr === undefined) return;
      this.queue.shift();
      head.resolve({ rc: head.rc ?? 0, stdout: head.stdout, stderr: head.stderr });
    }
  }

  close(): void {
    if (!this.closedError) this.stdin.end('exit 0\n');
  }
}
