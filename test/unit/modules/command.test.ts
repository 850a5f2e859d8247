import { describe, expect, test } from 'vitest';
import { command } from '../../../src/modules/command.js';
import { shell } from '../../../src/modules/shell.js';
import { splitWords } from '../../../src/remote-command.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

describe('splitWords', () => {
  test.each([
    ['iscsiadm -m session', ['iscsiadm', '-m', 'session']],
    ['  a \t  b\n c ', ['a', 'b', 'c']],
    [`echo "a b" 'c d'`, ['echo', 'a b', 'c d']],
    [`e"f g"h`, ['ef gh']],
    [`echo "" ''`, ['echo', '', '']],
    [`echo 'it"s'`, ['echo', 'it"s']],
    [`echo "it's"`, ['echo', "it's"]],
    ['a\\ b c', ['a b', 'c']],
    [`echo "a\\"b"`, ['echo', 'a"b']],
    [`echo "a\\\\b"`, ['echo', 'a\\b']],
    [`echo 'a\\b'`, ['echo', 'a\\b']],
    ['echo {{ x }}', ['echo', '{{ x }}']],
    ['echo {{ y | default("a b") }} z', ['echo', '{{ y | default("a b") }}', 'z']],
    ["echo {{ y | default('a b') }}", ['echo', "{{ y | default('a b') }}"]],
    ['pre{{ x }}post other', ['pre{{ x }}post', 'other']],
    ['echo {{ a }}{{ b }}', ['echo', '{{ a }}{{ b }}']],
    ['echo "{{ x }}"', ['echo', '{{ x }}']],
    ['', []],
  ])('%j -> %j', (template, words) => {
    expect(splitWords(template)).toEqual(words);
  });

  test.each(['echo "unterminated', "echo 'open", 'echo "a\\"'])('%j: unterminated quote', (template) => {
    expect(() => splitWords(template)).toThrow(/unterminated/);
  });
});

const guarded: FakeHost = { files: { '/boot/initramfs.img': 'x', '/etc/input': 'y' } };

describe('command.plan', () => {
  test.each<{
    name: string;
    args: Record<string, unknown>;
    host?: FakeHost;
    changes?: unknown[];
    noop?: string;
    failed?: RegExp;
  }>([
    {
      name: 'argv: each word quoted on its own',
      args: { argv: ['dracut', '--force', 'a b', '$(id)'] },
      changes: [{ exec: "dracut --force 'a b' \\$\\(id\\)" }],
    },
    {
      name: 'cmd as a list (after the engine split it into words)',
      args: { cmd: ['iscsiadm', '-m', 'session'] },
      changes: [{ exec: 'iscsiadm -m session' }],
    },
    {
      name: 'creates: the file exists, noop',
      args: { argv: ['dracut', '--force'], creates: '/boot/initramfs.img' },
      host: guarded,
      noop: '/boot/initramfs.img exists',
    },
    {
      name: 'creates: the file is missing, run',
      args: { argv: ['dracut', '--force'], creates: '/boot/other.img' },
      host: guarded,
      changes: [{ exec: 'dracut --force' }],
    },
    {
      name: 'removes: the file is gone, noop',
      args: { argv: ['rm', '/etc/gone'], removes: '/etc/gone' },
      host: guarded,
      noop: '/etc/gone does not exist',
    },
    {
      name: 'removes: the file exists, run',
      args: { argv: ['mv', '/etc/input', '/etc/output'], removes: '/etc/input' },
      host: guarded,
      changes: [{ exec: 'mv /etc/input /etc/output' }],
    },
    {
      name: 'chdir: cd then exec, both quoted',
      args: { argv: ['ls', '-l'], chdir: '/tmp/a dir' },
      changes: [{ exec: "cd '/tmp/a dir' && exec ls -l" }],
    },
    { name: 'no command: failed', args: {}, failed: /needs 'cmd' or 'argv'/ },
  ])('$name', async ({ args, host, changes, noop, failed }) => {
    const plan = await planWith(command, args, host ?? {});
    expect(plan.conn.writeAttempts).toBe(0);
    if (changes) {
      expect(describeChanges(plan)).toEqual(changes);
      expect(plan.preview).toBe(`run: ${(changes[0] as { exec: string }).exec}`);
    }
    if (noop) {
      expect(plan.changes).toEqual([]);
      expect(plan.noop).toBe(noop);
    }
    if (failed) expect(plan.failed).toMatch(failed);
  });

  test('a command without creates/removes reads nothing from the host', async () => {
    const plan = await planWith(command, { argv: ['true'] });
    expect(plan.conn.fileReads).toEqual([]);
    expect(plan.conn.reads).toEqual([]);
  });

  test('wants: the creates and removes paths', () => {
    expect(command.wants?.({ creates: '/a', removes: '/b' }, {})).toEqual([
      { kind: 'file', path: '/a' },
      { kind: 'file', path: '/b' },
    ]);
    expect(command.wants?.({ argv: ['x'] }, {})).toEqual([]);
  });
});

describe('shell.plan', () => {
  test.each<{ name: string; args: Record<string, unknown>; host?: FakeHost; changes?: unknown[]; noop?: string }>([
    { name: 'script as written', args: { cmd: 'ibstat -p | head -n 2' }, changes: [{ exec: 'ibstat -p | head -n 2' }] },
    {
      name: 'chdir: quoted cd, stop if it fails',
      args: { cmd: 'ls', chdir: "/tmp/it's" },
      changes: [{ exec: "cd '/tmp/it'\\''s' || exit 1\nls" }],
    },
    {
      name: 'creates: exists, noop',
      args: { cmd: 'x', creates: '/etc/input' },
      host: guarded,
      noop: '/etc/input exists',
    },
    { name: 'removes: gone, noop', args: { cmd: 'x', removes: '/nope' }, host: guarded, noop: '/nope does not exist' },
  ])('$name', async ({ args, host, changes, noop }) => {
    const plan = await planWith(shell, args, host ?? {});
    expect(plan.conn.writeAttempts).toBe(0);
    if (changes) expect(describeChanges(plan)).toEqual(changes);
    if (noop) {
      expect(plan.changes).toEqual([]);
      expect(plan.noop).toBe(noop);
    }
  });

  test('cmd is required', async () => {
    await expect(planWith(shell, {})).rejects.toThrow("module 'shell' needs argument 'cmd'");
  });
});
