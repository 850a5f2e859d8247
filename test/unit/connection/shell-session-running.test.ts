/**
 * What a broken or abandoned shell says: the command it was in (a frozen host is reported with the command
 * it stopped in), and a cancelled shell's own error, which a later failure of its channel does not replace.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterEach, expect, test } from 'vitest';
import { ShellSession } from '../../../src/connection/shell-session.js';

const children: ChildProcessWithoutNullStreams[] = [];
function openSession() {
  const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const session = new ShellSession(child.stdin, child.stdout, child.stderr, (why) => new Error(`broken: ${why}`));
  // 'exit', not 'close': the killed shell's `sleep` keeps the pipes open until it ends
  child.on('exit', () => session.fail('the shell exited'));
  return { session, child };
}
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

test('a shell that breaks mid-command names the command it was in', async () => {
  const { session, child } = openSession();
  expect(session.running()).toBeUndefined();
  const pending = session.run([{ argv: ['sleep', '30'] }, { argv: ['true'] }]);
  expect(session.running()).toBe('sleep 30');
  child.kill('SIGKILL');
  await expect(pending).rejects.toThrow('broken: the shell exited, in sleep 30');
  expect(session.usable).toBe(false);
});

test('an abandoned shell fails what waits and what comes with its own error; the channel closing later changes nothing', async () => {
  const { session, child } = openSession();
  const pending = session.run([{ argv: ['sleep', '30'] }]);
  session.abandon(new Error('timed out after 1 s in sleep 30'));
  await expect(pending).rejects.toThrow(/^timed out after 1 s in sleep 30$/);
  child.kill('SIGKILL');
  await expect(session.run([{ argv: ['true'] }])).rejects.toThrow(/^timed out after 1 s in sleep 30$/);
});

test('a long command is shortened to 120 characters in messages, whitespace folded', async () => {
  const { session } = openSession();
  const long = `echo ${'x'.repeat(200)}`;
  void session.run([{ script: `sleep 30\n${long}` }]).catch(() => undefined);
  const shown = session.running() as string;
  expect(shown).toHaveLength(120);
  expect(shown.startsWith('sleep 30 echo xxx')).toBe(true);
  expect(shown.endsWith('...')).toBe(true);
});
