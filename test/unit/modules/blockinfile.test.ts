import { describe, expect, test } from 'vitest';
import { type BlockinfileArgs, blockinfile, editBlock } from '../../../src/modules/blockinfile.js';
import { describeChanges, planWith } from './fake-context.js';

const base: BlockinfileArgs = {
  path: '/etc/rc.d/rc.local',
  block: 'opensm -B -g 0x1 -p 15\n',
  marker: '# {mark} sshplay: opensm',
  state: 'present',
  create: false,
  backup: false,
};
const RC = '#!/bin/bash\ntouch /var/lock/subsys/local\n';
const WITH_BLOCK = `${RC}# BEGIN sshplay: opensm\nopensm -B -g 0x1 -p 15\n# END sshplay: opensm\n`;

describe('editBlock', () => {
  test('appends the block between its markers; other lines kept', () => {
    expect(editBlock(RC, base)).toBe(WITH_BLOCK);
  });

  test('a second run changes nothing (same text back)', () => {
    expect(editBlock(WITH_BLOCK, base)).toBe(WITH_BLOCK);
  });

  test('an existing block is replaced in place, whatever follows it stays', () => {
    const text = `${WITH_BLOCK}exit 0\n`;
    expect(editBlock(text, { ...base, block: 'opensm -B -g 0x2 -p 1' })).toBe(
      `${RC}# BEGIN sshplay: opensm\nopensm -B -g 0x2 -p 1\n# END sshplay: opensm\nexit 0\n`,
    );
  });

  test('absent removes the block and its markers, leaving the file as it was before', () => {
    expect(editBlock(WITH_BLOCK, { ...base, state: 'absent' })).toBe(RC);
    expect(editBlock(RC, { ...base, state: 'absent' })).toBe(RC);
  });

  test('insertbefore puts a new block before the first matching line, else at the end', () => {
    const text = '#!/bin/bash\nexit 0\n';
    expect(editBlock(text, { ...base, insertbefore: '^exit' })).toBe(
      '#!/bin/bash\n# BEGIN sshplay: opensm\nopensm -B -g 0x1 -p 15\n# END sshplay: opensm\nexit 0\n',
    );
    expect(editBlock(text, { ...base, insertbefore: '^nomatch' })).toBe(
      `${text}# BEGIN sshplay: opensm\nopensm -B -g 0x1 -p 15\n# END sshplay: opensm\n`,
    );
  });

  test('an empty block keeps just the markers; a file without a final newline is not rewritten for it', () => {
    expect(editBlock('', { ...base, block: '' })).toBe('# BEGIN sshplay: opensm\n# END sshplay: opensm\n');
    const noNewline = WITH_BLOCK.replace(/\n$/, '');
    expect(editBlock(noNewline, base)).toBe(noNewline);
  });
});

describe('blockinfile plans', () => {
  test('a write of the edited file with the mode asked for; nothing written while planning', async () => {
    const plan = await planWith(
      blockinfile,
      { path: base.path, block: base.block, marker: base.marker, mode: '0755' },
      { files: { [base.path]: { content: RC, mode: 0o644 } } },
    );
    expect(plan.failed).toBeUndefined();
    expect(describeChanges(plan)).toEqual([{ write: base.path, content: WITH_BLOCK, mode: 0o755 }]);
    expect(plan.conn.writeAttempts).toBe(0);
  });

  test('no change when the block is already there', async () => {
    const plan = await planWith(
      blockinfile,
      { path: base.path, block: base.block, marker: base.marker },
      { files: { [base.path]: WITH_BLOCK } },
    );
    expect(plan.changes).toEqual([]);
  });

  test('a template src renders the block', async () => {
    const plan = await planWith(
      blockinfile,
      { path: base.path, src: 'sm.hbs', marker: base.marker },
      { files: { [base.path]: RC } },
      { templates: { 'sm.hbs': 'opensm -B -g 0x1 -p 15\n' } },
    );
    expect(describeChanges(plan)).toEqual([{ write: base.path, content: WITH_BLOCK }]);
  });

  test('a missing file: fails without create, is created with it, and absent is a noop', async () => {
    const args = { path: '/etc/new', block: 'x', marker: '# {mark} m' };
    expect((await planWith(blockinfile, args)).failed).toMatch(/\/etc\/new does not exist \(set create: true/);
    const created = await planWith(blockinfile, { ...args, create: true });
    // a new file is root:root unless owner/group say otherwise (planFile)
    expect(describeChanges(created)).toEqual([
      { write: '/etc/new', content: '# BEGIN m\nx\n# END m\n', uid: 0, gid: 0 },
    ]);
    const absent = await planWith(blockinfile, { ...args, state: 'absent' });
    expect(absent.changes).toEqual([]);
    expect(absent.noop).toBe('/etc/new is absent');
  });

  test('a marker without {mark} is refused', async () => {
    const plan = await planWith(
      blockinfile,
      { path: base.path, block: 'x', marker: '# sshplay' },
      { files: { [base.path]: RC } },
    );
    expect(plan.failed).toBe("marker must contain '{mark}'");
    expect(plan.changes).toEqual([]);
  });
});
