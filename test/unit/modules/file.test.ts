import { describe, expect, test } from 'vitest';
import { file } from '../../../src/modules/file.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

const cases: {
  name: string;
  args: Record<string, unknown>;
  host: FakeHost;
  changes?: unknown[];
  noop?: string;
  failed?: RegExp;
}[] = [
  {
    name: 'directory absent: mkdir -p, then chmod',
    args: { path: '/mnt/iser', state: 'directory', mode: '0755' },
    host: {},
    changes: [{ exec: 'mkdir -p -- /mnt/iser' }, { exec: 'chmod 0755 -- /mnt/iser' }],
  },
  {
    name: 'directory present with the mode: noop',
    args: { path: '/mnt/iser', state: 'directory', mode: '0755' },
    host: { files: { '/mnt/iser': { dir: true, mode: 0o755 } } },
    noop: '/mnt/iser is already as wanted',
  },
  {
    name: 'directory present, other mode: chmod only',
    args: { path: '/mnt/iser', state: 'directory', mode: '0700' },
    host: { files: { '/mnt/iser': { dir: true, mode: 0o755 } } },
    changes: [{ exec: 'chmod 0700 -- /mnt/iser' }],
  },
  {
    name: 'directory wanted, a file is there: failed',
    args: { path: '/mnt/iser', state: 'directory' },
    host: { files: { '/mnt/iser': 'x' } },
    failed: /exists and is not a directory/,
  },
  {
    name: 'absent and absent: noop',
    args: { path: '/tmp/x', state: 'absent' },
    host: {},
    noop: '/tmp/x is already absent',
  },
  {
    name: 'absent and present: rm -rf --',
    args: { path: '/tmp/x y', state: 'absent' },
    host: { files: { '/tmp/x y': 'x' } },
    changes: [{ exec: "rm -rf -- '/tmp/x y'" }],
  },
  {
    name: 'touch a missing file: written empty, no remote command',
    args: { path: '/etc/flag', state: 'touch' },
    host: {},
    changes: [{ write: '/etc/flag', content: '', mode: 0o644 }],
  },
  {
    name: 'touch a missing file with a mode: the mode is set by the write, no chmod',
    args: { path: '/etc/flag', state: 'touch', mode: '0600' },
    host: {},
    changes: [{ write: '/etc/flag', content: '', mode: 0o600 }],
  },
  {
    name: 'touch an existing file: noop (idempotent, unlike Ansible)',
    args: { path: '/etc/flag', state: 'touch' },
    host: { files: { '/etc/flag': '' } },
    noop: '/etc/flag is already as wanted',
  },
  {
    name: 'state=file on a missing path fails',
    args: { path: '/etc/flag' },
    host: {},
    failed: /does not exist \(state=file does not create; use touch\)/,
  },
  {
    name: 'owner and group by number: chown when they differ',
    args: { path: '/etc/flag', owner: '993', group: '990' },
    host: { files: { '/etc/flag': { content: '', uid: 0, gid: 0 } } },
    changes: [{ exec: 'chown 993\\:990 -- /etc/flag' }],
  },
  {
    name: 'group by name only',
    args: { path: '/etc/flag', group: 'disk' },
    host: {
      files: { '/etc/flag': { content: '', gid: 0 } },
      commands: { 'getent group disk': { stdout: 'disk:x:6:\n' } },
    },
    changes: [{ exec: 'chown \\:6 -- /etc/flag' }],
  },
  {
    name: 'owner matches: noop',
    args: { path: '/etc/flag', owner: '993' },
    host: { files: { '/etc/flag': { content: '', uid: 993 } } },
    noop: '/etc/flag is already as wanted',
  },
];

describe('file.plan', () => {
  test.each(cases)('$name', async ({ args, host, changes, noop, failed }) => {
    const plan = await planWith(file, args, host);
    expect(plan.conn.writeAttempts).toBe(0);
    if (changes) expect(describeChanges(plan)).toEqual(changes);
    if (noop) {
      expect(plan.changes).toEqual([]);
      expect(plan.noop).toBe(noop);
    }
    if (failed) {
      expect(plan.changes).toEqual([]);
      expect(plan.failed).toMatch(failed);
    }
  });

  test('the preview names what changes', async () => {
    const plan = await planWith(file, { path: '/d', state: 'directory', mode: '0750' }, {});
    expect(plan.preview).toBe('create directory, mode (new) -> 0750');
  });

  test('a path beginning with a dash stays an operand', async () => {
    const plan = await planWith(file, { path: '-rf', state: 'absent' }, { files: { '-rf': 'x' } });
    expect(describeChanges(plan)).toEqual([{ exec: 'rm -rf -- -rf' }]);
  });
});
