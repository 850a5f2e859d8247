import { describe, expect, test } from 'vitest';
import { editLines, type LineinfileArgs, lineinfile } from '../../../src/modules/lineinfile.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

const base: LineinfileArgs = {
  path: '/etc/iscsi/iscsid.conf',
  state: 'present',
  create: false,
  unique: false,
  backup: false,
};
const STARTUP = { regexp: '^\\s*node\\.startup\\s*=', line: 'node.startup = automatic' };

const ISCSID = [
  '# Check for active mounts on devices reachable through a session',
  '# node.startup = automatic',
  '#',
  'node.startup = manual',
  'node.session.timeo.replacement_timeout = 120',
  '',
].join('\n');

describe('editLines (iscsid.conf style)', () => {
  test.each<{ name: string; text: string; args: Partial<LineinfileArgs>; expected: string }>([
    {
      name: 'the active line is replaced; the commented example is kept',
      text: ISCSID,
      args: STARTUP,
      expected: ISCSID.replace('\nnode.startup = manual\n', '\nnode.startup = automatic\n'),
    },
    {
      name: 'an indented active line matches too',
      text: 'a\n   node.startup=manual\nb\n',
      args: STARTUP,
      expected: 'a\nnode.startup = automatic\nb\n',
    },
    {
      name: 'several active lines: the last is replaced, earlier ones kept',
      text: 'node.startup = manual\nx\nnode.startup = onboot\n',
      args: STARTUP,
      expected: 'node.startup = manual\nx\nnode.startup = automatic\n',
    },
    {
      name: 'unique: earlier matches are removed',
      text: 'node.startup = manual\nx\nnode.startup = onboot\n',
      args: { ...STARTUP, unique: true },
      expected: 'x\nnode.startup = automatic\n',
    },
    {
      name: 'unique without regexp removes duplicate exact lines',
      text: 'a\nx\nb\nx\n',
      args: { line: 'x', unique: true },
      expected: 'a\nb\nx\n',
    },
    {
      name: 'no match: appended at the end',
      text: '# node.startup = automatic\n',
      args: STARTUP,
      expected: '# node.startup = automatic\nnode.startup = automatic\n',
    },
    {
      name: 'no match, no trailing newline: the new line starts on its own line',
      text: 'a\nb',
      args: { line: 'c' },
      expected: 'a\nb\nc\n',
    },
    {
      name: 'empty file',
      text: '',
      args: STARTUP,
      expected: 'node.startup = automatic\n',
    },
    {
      name: 'insertafter: after the last match of the anchor',
      text: 'a\nb\na\nz\n',
      args: { line: 'c', insertafter: '^a' },
      expected: 'a\nb\na\nc\nz\n',
    },
    {
      name: 'insertbefore: before the anchor',
      text: 'a\nb\n',
      args: { line: 'c', insertbefore: '^b' },
      expected: 'a\nc\nb\n',
    },
    {
      name: 'insertbefore BOF',
      text: 'a\nb\n',
      args: { line: 'c', insertbefore: 'BOF' },
      expected: 'c\na\nb\n',
    },
    {
      name: 'insertafter EOF',
      text: 'a\nb\n',
      args: { line: 'c', insertafter: 'EOF' },
      expected: 'a\nb\nc\n',
    },
    {
      name: 'anchor not found: appended',
      text: 'a\nb\n',
      args: { line: 'c', insertafter: '^nothing' },
      expected: 'a\nb\nc\n',
    },
    {
      name: 'anchors are ignored when the regexp matches',
      text: 'a\nk=1\nb\n',
      args: { regexp: '^k=', line: 'k=2', insertbefore: 'BOF' },
      expected: 'a\nk=2\nb\n',
    },
    {
      name: 'the exact line present elsewhere (regexp unmatched): unchanged',
      text: 'a\nb\n',
      args: { regexp: '^zz', line: 'b' },
      expected: 'a\nb\n',
    },
    {
      name: 'absent by regexp: every active line goes, comments stay',
      text: ISCSID,
      args: { state: 'absent', regexp: '^\\s*node\\.startup' },
      expected: ISCSID.replace('\nnode.startup = manual\n', '\n'),
    },
    {
      name: 'absent by exact line',
      text: 'a\nb\nb\n',
      args: { state: 'absent', line: 'b' },
      expected: 'a\n',
    },
    {
      name: 'absent keeps a missing final newline missing',
      text: 'a\nb',
      args: { state: 'absent', regexp: '^b' },
      expected: 'a',
    },
    {
      name: 'absent of the only line: empty file',
      text: 'a\n',
      args: { state: 'absent', regexp: '^a' },
      expected: '',
    },
    {
      name: 'other lines are kept byte for byte (tabs, trailing spaces, blank lines)',
      text: '\tx = 1  \n\n\nk=1\n  # c\t\n',
      args: { regexp: '^k=', line: 'k=2' },
      expected: '\tx = 1  \n\n\nk=2\n  # c\t\n',
    },
  ])('$name', ({ text, args, expected }) => {
    expect(editLines(text, { ...base, ...args })).toBe(expected);
  });

  test.each<Partial<LineinfileArgs>>([
    { ...STARTUP },
    { line: 'node.startup = automatic' },
    { ...STARTUP, unique: true },
    { state: 'absent', regexp: '^nothing' },
  ])('already right: the very same text (%j)', (args) => {
    const text = 'x\nnode.startup = automatic\n';
    expect(editLines(text, { ...base, ...args })).toBe(text);
  });

  test('idempotent: editing the edited text changes nothing', () => {
    const once = editLines(ISCSID, { ...base, ...STARTUP, unique: true });
    expect(editLines(once, { ...base, ...STARTUP, unique: true })).toBe(once);
  });
});

describe('lineinfile.plan', () => {
  const cases: {
    name: string;
    args: Record<string, unknown>;
    host: FakeHost;
    changes?: unknown[];
    noop?: RegExp;
    failed?: RegExp;
  }[] = [
    {
      name: 'replace the active line: one write of the whole file',
      args: { path: '/etc/iscsi/iscsid.conf', ...STARTUP },
      host: { files: { '/etc/iscsi/iscsid.conf': ISCSID } },
      changes: [{ write: '/etc/iscsi/iscsid.conf', content: ISCSID.replace('= manual', '= automatic') }],
    },
    {
      name: 'already right: noop',
      args: { path: '/etc/x', line: 'k=1', regexp: '^k=' },
      host: { files: { '/etc/x': 'k=1\n' } },
      noop: /already has the line/,
    },
    {
      name: 'missing file without create: failed',
      args: { path: '/etc/x', line: 'k=1' },
      host: {},
      failed: /does not exist \(set create: true/,
    },
    {
      name: 'missing file with create: written, owned by root, with mode',
      args: { path: '/etc/x', line: 'k=1', create: true, mode: '0600' },
      host: {},
      changes: [{ write: '/etc/x', content: 'k=1\n', mode: 0o600, uid: 0, gid: 0 }],
    },
    {
      name: 'absent on a missing file: noop',
      args: { path: '/etc/x', regexp: '^k=', state: 'absent' },
      host: {},
      noop: /is absent/,
    },
    {
      name: 'absent removes the line',
      args: { dest: '/etc/x', regex: '^k=', state: 'absent', backup: true },
      host: { files: { '/etc/x': 'a\nk=1\n' } },
      changes: [{ write: '/etc/x', content: 'a\n', backup: true }],
    },
    {
      name: 'present without line: failed',
      args: { path: '/etc/x', regexp: '^k=' },
      host: {},
      failed: /state=present needs 'line'/,
    },
    {
      name: 'absent with neither regexp nor line: failed',
      args: { path: '/etc/x', state: 'absent' },
      host: {},
      failed: /needs 'regexp' or 'line'/,
    },
    {
      name: 'a regexp that does not compile: failed with the reason',
      args: { path: '/etc/x', regexp: '([', line: 'x' },
      host: { files: { '/etc/x': 'a\n' } },
      failed: /regexp does not compile/,
    },
  ];

  test.each(cases)('$name', async ({ args, host, changes, noop, failed }) => {
    const plan = await planWith(lineinfile, args, host);
    expect(plan.conn.writeAttempts).toBe(0);
    if (changes) expect(describeChanges(plan)).toEqual(changes);
    if (noop) {
      expect(plan.changes).toEqual([]);
      expect(plan.noop).toMatch(noop);
    }
    if (failed) {
      expect(plan.changes).toEqual([]);
      expect(plan.failed).toMatch(failed);
    }
  });

  test('the diff shows only the changed line', async () => {
    const plan = await planWith(
      lineinfile,
      { path: '/etc/iscsi/iscsid.conf', ...STARTUP },
      { files: { '/etc/iscsi/iscsid.conf': ISCSID } },
    );
    expect(plan.diff).toContain('-node.startup = manual');
    expect(plan.diff).toContain('+node.startup = automatic');
    expect(plan.diff).not.toContain('-# node.startup = automatic');
  });
});
