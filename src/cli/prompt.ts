let pending = '';
let ended = false;

/**
 * Piped: each secret asked for is the next line of stdin (`printf '%s\n%s\n' "$SSH_PW" "$SUDO_PW" | sshplay
 * ... -k -K`), still never in argv. What a chunk holds past the line waits for the next question.
 */
async function readPipedLine(stdin: NodeJS.ReadStream): Promise<string> {
  while (!pending.includes('\n') && !ended) {
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
    if (chunk === null) ended = true;
    else pending += chunk;
  }
  const newline = pending.indexOf('\n');
  const line = newline >= 0 ? pending.slice(0, newline) : pending;
  pending = newline >= 0 ? pending.slice(newline + 1) : '';
  return line.replace(/\r$/, '');
}

/** Reads a secret from the terminal without echo (--ask-pass); never from argv. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  if (!stdin.isTTY) return readPipedLine(stdin);
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
          process.stderr.write('\n');
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
