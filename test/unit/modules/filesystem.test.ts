import { describe, expect, test } from 'vitest';
import { blockProbeCmd } from '../../../src/facts/block-signature.js';
import { filesystem } from '../../../src/modules/filesystem.js';
import { shellText } from '../../../src/remote-command.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

const PART = '/dev/mapper/360080e50004300ac000007575568851d-part1';
const probe = shellText(blockProbeCmd(PART));
const host = (blkid: { stdout?: string; rc?: number; stderr?: string }): FakeHost => ({
  files: { [PART]: '' },
  commands: { [probe]: blkid },
});

const cases: {
  name: string;
  args: Record<string, unknown>;
  host: FakeHost;
  check?: boolean;
  changes?: unknown[];
  noop?: string;
  failed?: RegExp;
}[] = [
  {
    name: 'blank partition: mkfs.ext4',
    args: { dev: PART },
    host: host({ rc: 2 }),
    changes: [{ exec: `mkfs.ext4 ${PART}` }],
  },
  {
    name: 'blank partition, xfs',
    args: { dev: PART, fstype: 'xfs' },
    host: host({ rc: 2 }),
    changes: [{ exec: `mkfs.xfs ${PART}` }],
  },
  {
    name: 'already ext4: noop',
    args: { dev: PART },
    host: host({ stdout: 'UUID=1\nTYPE=ext4\n' }),
    noop: `${PART} already holds ext4`,
  },
  {
    name: 'guard: another filesystem is never formatted',
    args: { dev: PART },
    host: host({ stdout: 'TYPE=xfs\n' }),
    failed: /refusing to format .*: it holds a xfs filesystem/,
  },
  {
    name: 'guard: a partition table is never formatted',
    args: { dev: PART },
    host: host({ stdout: 'PTTYPE=gpt\n' }),
    failed: /refusing to format .*: it holds a gpt partition table/,
  },
  {
    name: 'force overwrites',
    args: { dev: PART, force: true },
    host: host({ stdout: 'TYPE=xfs\n' }),
    changes: [{ exec: `mkfs.ext4 -F ${PART}` }],
  },
  {
    name: 'xfs aligned to the array: the options go before the device, one argument each',
    args: { dev: PART, fstype: 'xfs', opts: '-d su=128k,sw=8  -l version=2,su=128k' },
    host: host({ rc: 2 }),
    // (the shell quoting escapes = and ,: each option stays one argument)
    changes: [{ exec: `mkfs.xfs -d su\\=128k\\,sw\\=8 -l version\\=2\\,su\\=128k ${PART}` }],
  },
  {
    name: 'force on xfs is -f (mkfs.xfs has no -F)',
    args: { dev: PART, fstype: 'xfs', force: true },
    host: host({ stdout: 'TYPE=ext4\n' }),
    changes: [{ exec: `mkfs.xfs -f ${PART}` }],
  },
  {
    name: 'not a filesystem type',
    args: { dev: PART, fstype: 'ext4;rm' },
    host: host({ rc: 2 }),
    failed: /not a filesystem type/,
  },
  {
    name: 'blkid error',
    args: { dev: PART },
    host: host({ rc: 8, stderr: 'boom' }),
    failed: /blkid could not probe .*boom/,
  },
  { name: 'missing device fails', args: { dev: PART }, host: {}, failed: /does not exist/ },
  {
    name: 'missing device in check mode: would create once made',
    args: { dev: PART },
    host: {},
    check: true,
    changes: [{ exec: `mkfs.ext4 ${PART}` }],
  },
];

describe('filesystem.plan', () => {
  test.each(cases)('$name', async ({ args, host: h, check, changes, noop, failed }) => {
    const plan = await planWith(filesystem, args, h, { check: check ?? false });
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
});
