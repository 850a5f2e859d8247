import { describe, expect, test } from 'vitest';
import { FINDMNT_CMD } from '../../../src/facts/mounts.js';
import { editFstab, mount } from '../../../src/modules/mount.js';
import { shellText } from '../../../src/remote-command.js';
import { describeChanges, type FakeHost, planWith } from './fake-context.js';

const PART = '/dev/mapper/360080e50004300ac000007575568851d-part1';
const LINE = `${PART} /mnt/iser ext4 defaults,_netdev 0 0`;
const findmnt = shellText(FINDMNT_CMD);
const host = (o: { fstab?: string; mounted?: boolean; dir?: boolean }): FakeHost => ({
  files: {
    ...(o.fstab !== undefined ? { '/etc/fstab': o.fstab } : {}),
    ...(o.dir ? { '/mnt/iser': { dir: true } } : {}),
  },
  commands: {
    [findmnt]: { stdout: o.mounted ? `/ /dev/sda1 ext4\n/mnt/iser /dev/loop7p1 ext4\n` : '/ /dev/sda1 ext4\n' },
  },
});
const ARGS = { path: '/mnt/iser', src: PART, fstype: 'ext4', opts: 'defaults,_netdev' };

const cases: {
  name: string;
  args: Record<string, unknown>;
  host: FakeHost;
  changes?: unknown[];
  noop?: string;
  failed?: RegExp;
}[] = [
  {
    name: 'fresh: fstab line added (other lines kept), mount point made, mounted',
    args: ARGS,
    host: host({ fstab: 'UUID=1 / ext4 defaults 0 1\n' }),
    changes: [
      { write: '/etc/fstab', content: `UUID=1 / ext4 defaults 0 1\n${LINE}\n` },
      { exec: 'mkdir -p -- /mnt/iser' },
      { exec: 'mount /mnt/iser' },
    ],
  },
  {
    name: 'no fstab at all: created 0644',
    args: ARGS,
    host: host({ dir: true, mounted: true }),
    changes: [{ write: '/etc/fstab', content: `${LINE}\n`, mode: 0o644, uid: 0, gid: 0 }],
  },
  {
    name: 'all in place: noop',
    args: ARGS,
    host: host({ fstab: `${LINE}\n`, dir: true, mounted: true }),
    noop: '/mnt/iser is mounted',
  },
  {
    name: 'an entry with another source is replaced in place',
    args: ARGS,
    host: host({
      fstab: `a / ext4 d 0 1\n/dev/mapper/old1 /mnt/iser ext4 defaults 0 0\nb /x ext4 d 0 0\n`,
      dir: true,
      mounted: true,
    }),
    changes: [{ write: '/etc/fstab', content: `a / ext4 d 0 1\n${LINE}\nb /x ext4 d 0 0\n` }],
  },
  {
    name: 'absent: unmounted and its line removed',
    args: { path: '/mnt/iser', state: 'absent' },
    host: host({ fstab: `x / ext4 d 0 1\n${LINE}\n`, dir: true, mounted: true }),
    changes: [{ exec: 'umount /mnt/iser' }, { write: '/etc/fstab', content: 'x / ext4 d 0 1\n' }],
  },
  {
    name: 'absent and already gone: noop',
    args: { path: '/mnt/iser', state: 'absent' },
    host: host({ fstab: '' }),
    noop: '/mnt/iser is absent',
  },
  {
    name: 'mounted needs src and fstype',
    args: { path: '/mnt/iser' },
    host: host({ fstab: '' }),
    failed: /needs src and fstype/,
  },
];

describe('mount.plan', () => {
  test.each(cases)('$name', async ({ args, host: h, changes, noop, failed }) => {
    const plan = await planWith(mount, args, h, { check: false });
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

  test('check mode plans the same changes (the engine does not apply them)', async () => {
    const plan = await planWith(mount, ARGS, host({ fstab: '' }), { check: true });
    expect(describeChanges(plan).length).toBe(3);
    expect(plan.diff).toContain(`+${LINE}`);
  });

  test('editFstab keeps comments that mention the path', () => {
    expect(editFstab(`# /mnt/iser was here\n${LINE}\n`, '/mnt/iser', null)).toBe('# /mnt/iser was here\n');
  });
});
