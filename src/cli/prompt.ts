/**
 * Secrets asked for on the terminal without echo (--ask-pass, -K, --ask-vault-pass, `vault encrypt_string`), never
 * from argv. Piped: each secret asked for is the next line of stdin (`printf '%s\n%s\n' "$SSH_PW" "$SUDO_PW" |
 * sshplay ... -k -K`); what a chunk holds past the line waits for the next question, in this value (one per run),
 * not in module state.
 */
export class SecretPrompt {
  private pending = '';
  private ended = false;

  constructor(
    private readonly stdin: NodeJS.ReadStream = process.stdin,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  async read(prompt: string): Promise<string> {
    this.stderr.write(prompt);
    return this.stdin.isTTY ? this.readTerminal() : this.readPipedLine();
  }

  private async readPipedLine(): Promise<string> {
    const stdin = this.stdin;
    while (!this.pending.includes('\n') && !this.ended) {
      // A stream that ended between two questions emitted 'end' to nobody: waiting for it would hang.
      if (stdin.readableEnded) {
        this.ended = true;
        break;
      }
      const chunk = await new Promise<string | null>((resolve) => {
        const onData = (d: Buffer) => {
          done();
          resolve(d.toString('utf8'));
        };
        const onEnd = () => {
          done();
          resolve(null);
        };
        const done = () => {
          stdin.pause();
          stdin.off('data', onData);
          stdin.off('end', onEnd);
        };
        stdin.on('data', onData);
        stdin.once('end', onEnd);
        stdin.resume();
      });
      if (chunk === null) this.ended = true;
      else this.pending += chunk;
    }
    const newline = this.pending.indexOf('\n');
    const line = newline >= 0 ? this.pending.slice(0, newline) : this.pending;
    this.pending = newline >= 0 ? this.pending.slice(newline + 1) : '';
    return line.replace(/\r$/, '');
  }

  private readTerminal(): Promise<string> {
    const stdin = this.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    return new Promise((resolve) => {
      let secret = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            this.stderr.write('\n');
            resolve(secret);
            return;
          }
          if (ch === '\u0003') process.exit(99);
          if (ch === '\u007f') secret = secret.slice(0, -1);
          else secret += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
}
