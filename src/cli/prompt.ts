/** Reads a secret from the terminal without echo (--ask-pass); never from argv. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  if (!stdin.isTTY) {
    // Piped: the first line of stdin is the secret (for scripts), still never in argv.
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) {
      chunks.push(chunk as Buffer);
      if (Buffer.concat(chunks).includes(10)) break;
    }
    return (Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '').replace(/\r$/, '');
  }
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
