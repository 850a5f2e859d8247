import { describe, expect, test } from 'vitest';
import { copy } from '../../../src/modules/copy.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

const getent = (db: string, name: string, line: string, rc = 0) => ({
  [`getent ${db} ${name}`]: { rc, stdout: line },
});

const cases: {
  name: string;
  args: Record<string, unknown>;
  host: FakeHost;
  changes?: unknown[];
  noop?: RegExp;
  failed?: RegExp;
}[] = [
  {
    name: 'absent file: one write, new files owned by root',
    args: { dest: '/etc/multipath.conf', content: 'defaults {}\n', mode: '0644' },
    host: {},
    changes: [{ write: '/etc/multipath.conf', content: 'defaults {}\n', mode: 0o644, uid: 0, gid: 0 }],
  },
  {
    name: 'same content, same mode: noop',
    args: { dest: '/etc/multipath.conf', content: 'defaults {}\n', mode: '0644' },
    host: { files: { '/etc/multipath.conf': { content: 'defaults {}\n', mode: 0o644 } } },
    noop: /already as wanted/,
  },
  {
    name: 'same content without mode: noop whatever the mode',
    args: { dest: '/etc/a', content: 'x' },
    host: { files: { '/etc/a': { content: 'x', mode: 0o600 } } },
    noop: /already as wanted/,
  },
  {
    name: 'content differs: write keeps owner (uid/gid undefined)',
    args: { dest: '/etc/a', content: 'new\n' },
    host: { files: { '/etc/a': { content: 'old\n', uid: 7, gid: 7 } } },
    changes: [{ write: '/etc/a', content: 'new\n' }],
  },
  {
    name: 'only mode differs',
    args: { dest: '/etc/a', content: 'x', mode: 600 },
    host: { files: { '/etc/a': { content: 'x', mode: 0o644 } } },
    changes: [{ write: '/etc/a', content: 'x', mode: 0o600 }],
  },
  {
    name: 'owner by name resolved with getent',
    args: { dest: '/etc/a', content: 'x', owner: 'iscsi', group: '0' },
    host: {
      files: { '/etc/a': { content: 'x', uid: 0, gid: 0 } },
      commands: getent('passwd', 'iscsi', 'iscsi:x:993:990::/:/sbin/nologin\n'),
    },
    changes: [{ write: '/etc/a', content: 'x', uid: 993, gid: 0 }],
  },
  {
    name: 'owner already right: noop',
    args: { dest: '/etc/a', content: 'x', owner: 'iscsi' },
    host: {
      files: { '/etc/a': { content: 'x', uid: 993 } },
      commands: getent('passwd', 'iscsi', 'iscsi:x:993:990::/:/sbin/nologin\n'),
    },
    noop: /already as wanted/,
  },
  {
    name: 'backup is passed to the write',
    args: { dest: '/etc/a', content: 'y', backup: 'yes' },
    host: { files: { '/etc/a': 'x' } },
    changes: [{ write: '/etc/a', content: 'y', backup: true }],
  },
  {
    name: 'dest is a directory: failed',
    args: { path: '/etc/iscsi', content: 'x' },
    host: { files: { '/etc/iscsi': { dir: true } } },
    failed: /exists and is not a regular file/,
  },
  {
    name: 'neither content nor src: failed',
    args: { dest: '/etc/a' },
    host: {},
    failed: /exactly one of 'content' or 'src'/,
  },
  {
    name: 'both content and src: failed',
    args: { dest: '/etc/a', content: 'x', src: 'a.conf' },
    host: {},
    failed: /exactly one of 'content' or 'src'/,
  },
  {
    name: 'empty content is content',
    args: { dest: '/etc/a', content: '' },
    host: { files: { '/etc/a': 'x' } },
    changes: [{ write: '/etc/a', content: '' }],
  },
];

describe('copy.plan', () => {
  test.each(cases)('$name', async ({ args, host, changes, noop, failed }) => {
    const plan = await planWith(copy, args, host);
    expect(plan.conn.writeAttempts).toBe(0);
    if (changes) {
      expect(describeChanges(plan)).toEqual(changes);
      expect(plan.noop).toBeUndefined();
    }
    if (noop) {
      expect(plan.changes).toEqual([]);
      expect(plan.noop).toMatch(noop);
    }
    if (failed) {
      expect(plan.changes).toEqual([]);
      expect(plan.failed).toMatch(failed);
    }
  });

  test('src reads a controller file', async () => {
    const plan = await planWith(
      copy,
      { dest: '/etc/a', src: 'a.conf' },
      {},
      { localFiles: { 'a.conf': 'from controller\n' } },
    );
    expect(describeChanges(plan)).toEqual([{ write: '/etc/a', content: 'from controller\n', uid: 0, gid: 0 }]);
  });

  test('a changed file comes with a unified diff and a preview', async () => {
    const plan = await planWith(
      copy,
      { dest: '/etc/a', content: 'one\nthree\n' },
      { files: { '/etc/a': 'one\ntwo\n' } },
    );
    expect(plan.diff).toContain('-two');
    expect(plan.diff).toContain('+three');
    expect(plan.preview).toBe('write /etc/a (content differs)');
  });

  test('a binary file is summarised, not diffed', async () => {
    const plan = await planWith(
      copy,
      { dest: '/bin/x', content: 'new' },
      { files: { '/bin/x': Buffer.from([0, 1, 2]) } },
    );
    expect(plan.diff).toBe('Binary file /bin/x would change (3 bytes)\n');
  });

  test('an unknown owner fails planning with the name', async () => {
    await expect(
      planWith(
        copy,
        { dest: '/etc/a', content: 'x', owner: 'nobody2' },
        { commands: getent('passwd', 'nobody2', '', 2) },
      ),
    ).rejects.toThrow("no user named 'nobody2' on fake-host");
  });

  test('wants: the destination file', () => {
    expect(copy.wants?.({ dest: '/etc/a' }, {})).toEqual([{ kind: 'file', path: '/etc/a' }]);
  });
});
