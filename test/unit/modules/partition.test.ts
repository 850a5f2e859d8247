import { describe, expect, test } from 'vitest';
import { blockProbeCmd } from '../../../src/facts/block-signature.js';
import { DM_MAPS_CMD, dmPartitionOf } from '../../../src/facts/dm-maps.js';
import { partition } from '../../../src/modules/partition.js';
import { shellText } from '../../../src/remote-command.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

const W = '360080e50004300ac000007575568851d';
const DEV = `/dev/mapper/${W}`;
const probe = shellText(blockProbeCmd(DEV));
const maps = shellText(DM_MAPS_CMD);
const LABEL = `parted -a optimal -s -- ${DEV} mklabel gpt mkpart primary ext4 0% 100%`;

/** A host where the LUN's map exists, blkid reports `blkid`, and dmsetup lists `dm` (name uuid lines). */
function host(blkid: { stdout?: string; rc?: number }, dm = `${W} mpath-${W}\n`): FakeHost {
  return {
    files: { [DEV]: '' },
    commands: { [probe]: blkid, [maps]: { stdout: dm } },
  };
}

const cases: {
  name: string;
  args: Record<string, unknown>;
  host: FakeHost;
  check?: boolean;
  changes?: unknown[];
  noop?: string;
  failed?: RegExp;
  partition?: string;
}[] = [
  {
    name: 'blank device: label, then let udev name the partition (no kpartx -a)',
    args: { device: DEV },
    host: host({ rc: 2 }),
    changes: [{ exec: LABEL }, { exec: 'udevadm settle' }],
  },
  {
    name: 'msdos label asked for',
    args: { device: DEV, label: 'msdos', fstype: 'xfs' },
    host: host({ rc: 2 }),
    changes: [
      { exec: `parted -a optimal -s -- ${DEV} mklabel msdos mkpart primary xfs 0% 100%` },
      { exec: 'udevadm settle' },
    ],
  },
  {
    name: 'SLES naming: gpt label and partition map <wwid>-part1 found by its dm UUID: noop',
    args: { device: DEV },
    host: host({ stdout: 'PTUUID=x\nPTTYPE=gpt\n' }, `${W} mpath-${W}\n${W}-part1 part1-mpath-${W}\n`),
    noop: `${DEV} already has a gpt label and ${DEV}-part1`,
    partition: `${DEV}-part1`,
  },
  {
    name: 'RHEL naming <wwid>1: noop',
    args: { device: DEV },
    host: host({ stdout: 'PTTYPE=gpt\n' }, `${W}1 part1-mpath-${W}\n${W} mpath-${W}\n`),
    noop: `${DEV} already has a gpt label and ${DEV}1`,
    partition: `${DEV}1`,
  },
  {
    name: "another map's partition does not count",
    args: { device: DEV },
    host: host({ stdout: 'PTTYPE=gpt\n' }, `${W} mpath-${W}\nother1 part1-mpath-other\n`),
    failed: /has a gpt label but no partition 1 map yet.*nothing was changed/,
  },
  {
    name: 'guard: a filesystem on the whole device is never relabelled',
    args: { device: DEV },
    host: host({ stdout: 'UUID=abc\nTYPE=ext4\n' }),
    failed: /refusing to label .*: it holds a ext4 signature/,
  },
  {
    name: 'guard: another partition table (dos when gpt wanted) is never relabelled',
    args: { device: DEV },
    host: host({ stdout: 'PTTYPE=dos\n' }),
    failed: /refusing to label .*: it holds a dos partition table/,
  },
  {
    name: 'force: wipe, then label',
    args: { device: DEV, force: true },
    host: host({ stdout: 'TYPE=xfs\n' }),
    changes: [{ exec: `wipefs -a ${DEV}` }, { exec: LABEL }, { exec: 'udevadm settle' }],
  },
  {
    name: 'blkid fails: no change, the reason',
    args: { device: DEV },
    host: host({ rc: 4, stdout: '' }),
    failed: /blkid could not probe/,
  },
  {
    name: 'device missing (not check mode): fails naming it',
    args: { device: DEV },
    host: { commands: { [probe]: { rc: 2 }, [maps]: { stdout: 'No devices found\n' } } },
    failed: /does not exist: is the LUN mapped to this host/,
  },
  {
    name: 'device missing in check mode: previews the label (it appears after login)',
    args: { device: DEV },
    host: {},
    check: true,
    changes: [{ exec: LABEL }, { exec: 'udevadm settle' }],
  },
];

describe('partition.plan', () => {
  test.each(cases)('$name', async ({ args, host: h, check, changes, noop, failed, partition: part }) => {
    const plan = await planWith(partition, args, h, { check: check ?? false });
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
    if (part) expect(plan.result?.partition).toBe(part);
  });
});

describe('dmPartitionOf', () => {
  test.each([
    [`${W} mpath-${W}\n${W}p1 part1-mpath-${W}\n`, `${DEV}p1`],
    [`${W} mpath-${W}\n${W}-part1 part1-mpath-${W}\n${W}-part2 part2-mpath-${W}\n`, `${DEV}-part1`],
    [`${W} mpath-${W}\n`, undefined],
    ['No devices found\n', undefined],
    [`mpatha mpath-${W}\nmpatha1 part1-mpath-${W}\n`, undefined], // the device is named by its alias there
  ])('%j', (stdout, want) => {
    expect(dmPartitionOf(stdout, DEV)).toBe(want);
  });

  test('an alias (user_friendly_names) is followed through its UUID', () => {
    expect(dmPartitionOf(`mpatha mpath-${W}\nmpatha1 part1-mpath-${W}\n`, '/dev/mapper/mpatha')).toBe(
      '/dev/mapper/mpatha1',
    );
  });
});
