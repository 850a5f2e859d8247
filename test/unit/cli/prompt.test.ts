import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { SecretPrompt } from '../../../src/cli/prompt.js';

/** A piped stdin (no TTY) and a stderr that records the prompts. */
function piped(text: string) {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  const prompts: string[] = [];
  const stderr = { write: (t: string) => prompts.push(t) } as unknown as NodeJS.WritableStream;
  (stdin as unknown as PassThrough).end(text);
  return { stdin, stderr, prompts };
}

describe('SecretPrompt (piped stdin)', () => {
  test('each secret asked for is the next line, even when one chunk holds them all', async () => {
    const p = piped('ssh-pw\r\nsudo-pw\n');
    const secrets = new SecretPrompt(p.stdin, p.stderr);
    expect(await secrets.read('SSH password: ')).toBe('ssh-pw');
    expect(await secrets.read('BECOME password: ')).toBe('sudo-pw');
    expect(await secrets.read('Vault password: ')).toBe('');
    expect(p.prompts).toEqual(['SSH password: ', 'BECOME password: ', 'Vault password: ']);
  });

  test('what one prompt has buffered belongs to it: two prompts share no state', async () => {
    const a = piped('a1\na2\n');
    const b = piped('b1\n');
    const first = new SecretPrompt(a.stdin, a.stderr);
    const second = new SecretPrompt(b.stdin, b.stderr);
    expect(await first.read('x')).toBe('a1');
    expect(await second.read('x')).toBe('b1');
    expect(await first.read('x')).toBe('a2');
    expect(await second.read('x')).toBe('');
  });
});
