/**
 * How the remote shell's answers are cut into chunks is up to sshd and the network: a marker split across
 * chunks, byte by byte, or several commands' answers in one chunk all give the same results.
 */
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { ShellSession } from '../../../src/connection/shell-session.js';

/** A session over streams the test writes the shell's answers into, and the marker its script uses. */
function fakeShell() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let sent = '';
  stdin.on('data', (c: Buffer) => {
    sent += c.toString();
  });
  const session = new ShellSession(stdin, stdout, stderr, (why) => new Error(why));
  const marker = () => /__SSHPLAY_[0-9a-f]{32}__/.exec(sent)?.[0] ?? '';
  return { session, stdout, stderr, marker };
}

/** Writes `text` in pieces of `size` bytes, each its own chunk (a 'data' event of its own). */
async function inPieces(stream: PassThrough, text: string, size: number) {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    stream.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test.each([1, 3, 7, 1000])('answers cut into chunks of %i bytes give the same results', async (size) => {
  const { session, stdout, stderr, marker } = fakeShell();
  const results = session.run([{ argv: ['one'] }, { argv: ['two'] }, { argv: ['three'] }]);
  const m = marker();
  expect(m).not.toBe('');
  await inPieces(stdout, `first\n${m}.1:0\nsecond, no newline${m}.2:5\n${m}.3:0\n`, size);
  await inPieces(stderr, `${m}.1\nwarning\n${m}.2\n${m}.3\n`, size);
  expect(await results).toEqual([
    { rc: 0, stdout: 'first\n', stderr: '' },
    { rc: 5, stdout: 'second, no newline', stderr: 'warning\n' },
    { rc: 0, stdout: '', stderr: '' },
  ]);
});

test('a chunk kept as it arrived is not changed by the answers after it', async () => {
  const { session, stdout, stderr, marker } = fakeShell();
  const first = session.run([{ argv: ['one'] }]);
  const m = marker();
  const chunk = Buffer.from(`same\n${m}.1:0\nnext`);
  stdout.write(chunk);
  stderr.write(`${m}.1\n`);
  expect(await first).toEqual([{ rc: 0, stdout: 'same\n', stderr: '' }]);
  const second = session.run([{ argv: ['two'] }]);
  stdout.write(` part\n${m}.2:0\n`);
  stderr.write(`${m}.2\n`);
  expect(await second).toEqual([{ rc: 0, stdout: 'next part\n', stderr: '' }]);
  expect(chunk.toString()).toBe(`same\n${m}.1:0\nnext`);
});
