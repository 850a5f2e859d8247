import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { e2eUnavailable, recap, runIserPlaybook, tempDir } from './helpers.js';

const skip = e2eUnavailable();

/** Late LUNs and partition names per distribution (issue 16, point 6), on RHEL 8, SLES 15 and Ubuntu 22.04. */
describe.skipIf(skip)('iSER storage: the LUN appears after login; partitions named by the distribution', () => {
  let fleet: Fleet;
  let inventory: string;
  /** How long after login and multipathd the simulated multipath device appears. */
  const delayMs = 3000;
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const run = (...extra: string[]) => runIserPlaybook(fleet.knownHostsFile, inventory, 'iser.yml', ...extra);
  /** Partition 1's map as the distribution's udev rules name it (kpartx: "p" after a trailing digit on RHEL). */
  const expectedPartition = (h: SimHost) =>
    `/dev/mapper/${h.lunWwid}${h.flavor.startsWith('rhel') ? (/\d$/.test(h.lunWwid) ? 'p1' : '1') : '-part1'}`;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rhel', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'sles', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'ubuntu', flavor: 'ubuntu22', groups: ['iser_hosts'] },
      ],
    });
    for (const h of fleet.hosts) await fleet.exec(h.name, `echo LUN_DELAY_MS=${delayMs} > /etc/sim/lun.conf`);
    const dir = await tempDir('iser-storage');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('a fresh host has no multipath device before login', async () => {
    for (const h of fleet.hosts) {
      expect(await sh(h.name, `ls /dev/mapper/ | grep -c ${h.lunWwid} || true`), h.name).toBe('0\n');
      expect(await sh(h.name, 'multipath -ll'), h.name).toBe('');
    }
  });

  it('waits for the late device, partitions, formats and mounts it under the name each distribution gives', async () => {
    const r = await run();
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    for (const h of fleet.hosts) {
      const part = expectedPartition(h);
      expect(await sh(h.name, `test -b ${part} && echo yes`), `${h.name} ${part}`).toBe('yes\n');
      // no second map of the same partition under kpartx's default name
      expect(await sh(h.name, `ls /dev/mapper | grep -c '^${h.lunWwid}.' || true`), h.name).toBe('1\n');
      expect(await sh(h.name, 'findmnt -rn -o FSTYPE /mnt/iser'), h.name).toBe('ext4\n');
      const fstab = (await fleet.readFile(h.name, '/etc/fstab')) ?? '';
      expect(
        fstab.split('\n').filter((l) => l.includes('/mnt/iser')),
        h.name,
      ).toEqual([`${part} /mnt/iser ext4 defaults,_netdev 0 0`]);
      // it waited: the storage play first asked for the device before it existed, and labelled it after
      const calls = await fleet.calls(h.name);
      const at = (re: RegExp) => Number(calls.find((l) => re.test(l))?.split(' ')[0]);
      const firstAsk = at(/^\d+ dmsetup info .* -u mpath-/);
      const parted = at(/^\d+ parted .*mklabel/);
      const bootLog = (await fleet.readFile(h.name, '/var/log/sim/boot.log')) ?? '';
      const appeared = Number(/^(\d+) lun map /m.exec(bootLog)?.[1]);
      expect(firstAsk, h.name).toBeLessThan(appeared);
      expect(parted, h.name).toBeGreaterThan(appeared);
      expect(calls.filter((l) => / dmsetup info .* -u mpath-/.test(l)).length, h.name).toBeGreaterThan(1);
    }
    expect(r.stdout).toMatch(/waited [1-9]\d*s for the multipath device of 3/);
    const again = await run();
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
  });

  it('after a reboot the device comes back late with the same partition name, and a rerun changes nothing', async () => {
    for (const h of fleet.hosts) {
      await fleet.reboot(h.name);
      expect(await sh(h.name, `test -e /dev/mapper/${h.lunWwid} && echo present || echo absent`), h.name).toBe(
        'absent\n',
      );
    }
    const r = await run();
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    for (const h of fleet.hosts) {
      expect(await sh(h.name, `test -b ${expectedPartition(h)} && echo yes`), h.name).toBe('yes\n');
      expect(recap(r.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
    }
  });

  it('a LUN that never appears fails after the bounded wait, naming host and WWID', async () => {
    const h = fleet.hosts[0] as SimHost;
    const missing = '360080e50004300ac0000ffffffffffff';
    const dir = await tempDir('iser-storage-missing');
    const inv = await fleet.writeInventory({
      file: `${dir}/hosts.yml`,
      extraHostVars: { [h.name]: { iser_luns: [{ wwid: missing, mountpoint: '/mnt/nothing', fstype: 'ext4' }] } },
    });
    const r = await runIserPlaybook(fleet.knownHostsFile, inv, 'iser-storage.yml', '-e', 'lun_wait_seconds=2');
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(`${h.name}: LUN ${missing} has no multipath device 2s after login`);
  });
});
