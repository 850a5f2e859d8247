import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { e2eUnavailable, recap, runIserPlaybook, tempDir } from './helpers.js';

const missing = e2eUnavailable();

/**
 * Issue 21, point 5: one array volume mapped to three hosts (RHEL 8, SLES 15, Ubuntu 22.04) is ONE
 * device in the simulation (a partition table or filesystem one host writes, the others read). Exactly
 * one host labels and formats it (xfs aligned to the volume's segment size and data drives), exactly
 * one mounts it read-write, the others keep a noauto entry; teardown unmounts, flushes the map, deletes
 * the SCSI path devices, then logs out. What would corrupt data or hang I/O on a real host is recorded
 * by the sim in /var/log/sim/storage.log as UNSAFE (or a map "left without paths").
 */
describeNeeding(missing)('iSER: one volume shared by several hosts, and its teardown', () => {
  let fleet: Fleet;
  let inventory: string;
  let hosts: SimHost[];
  let first: SimHost;
  const volume = 'vol1';
  const mnt = `/mnt/${volume}`;
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const run = (playbook: string, ...extra: string[]) =>
    runIserPlaybook(fleet.knownHostsFile, inventory, playbook, ...extra);
  const storageLog = async (h: SimHost) => (await fleet.readFile(h.name, '/var/log/sim/storage.log')) ?? '';
  const labels = async (h: SimHost) => (await fleet.calls(h.name)).filter((l) => / parted .*mklabel/.test(l));
  const lun = (extra: Record<string, unknown> = {}) => ({
    name: volume,
    wwid: first.lunWwid,
    fstype: 'xfs',
    hosts: hosts.map((h) => h.name),
    segment_size_kb: 128,
    data_drives: 8,
    ...extra,
  });
  const inventoryWith = async (entry: Record<string, unknown>, name: string) =>
    fleet.writeInventory({
      file: `${await tempDir(`iser-shared-${name}`)}/hosts.yml`,
      extraHostVars: Object.fromEntries(hosts.map((h) => [h.name, { iser_luns: [entry] }])),
    });

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rhel', flavor: 'rhel8', groups: ['iser_hosts'], sharedLun: volume },
        { name: 'rhel9', flavor: 'rhel9', groups: ['iser_hosts'], sharedLun: volume },
        { name: 'sles', flavor: 'sles15', groups: ['iser_hosts'], sharedLun: volume },
        { name: 'ubuntu', flavor: 'ubuntu22', groups: ['iser_hosts'], sharedLun: volume },
      ],
      lunSizeMiB: 2048, // sparse; mkfs.xfs 6.1 refuses filesystems under 300 MB, and a striped log under 64 MB
    });
    hosts = fleet.hosts;
    first = hosts[0] as SimHost;
    inventory = await inventoryWith(lun(), 'main');
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('the hosts share one volume: one WWID and one device, so a write on one host is read on the others', async () => {
    expect(new Set(hosts.map((h) => h.lunWwid)).size).toBe(1);
    const devs = await Promise.all(hosts.map((h) => sh(h.name, '. /etc/sim/host.conf; echo "$SIM_LUN_DEVICE"')));
    expect(new Set(devs).size, devs.join(' ')).toBe(1);
  });

  it('--check shows the storage work and changes nothing on the shared volume', async () => {
    const r = await run('iser.yml', '--check');
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    for (const h of hosts) {
      expect(await labels(h), h.name).toEqual([]);
      expect(await sh(h.name, `findmnt -rn ${mnt} || true`), h.name).toBe('');
    }
  });

  it('exactly one host labels and formats (xfs aligned to the array), one mounts, the others keep a noauto entry', async () => {
    const r = await run('iser.yml');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(await labels(first), first.name).toHaveLength(1);
    for (const h of hosts.slice(1)) expect(await labels(h), h.name).toEqual([]);
    // xfs_info: sunit/swidth in 4 KiB blocks: su=128k -> 32, sw=8 -> 256
    expect(await sh(first.name, `xfs_info ${mnt}`)).toMatch(/sunit=32\s+swidth=256 blks/);
    expect(await sh(first.name, `findmnt -rn -o FSTYPE ${mnt}`)).toBe('xfs\n');
    for (const h of hosts.slice(1)) {
      expect(await sh(h.name, `findmnt -rn ${mnt} || true`), h.name).toBe('');
      const fstab = (await fleet.readFile(h.name, '/etc/fstab')) ?? '';
      expect(
        fstab.split('\n').filter((l) => l.includes(mnt)),
        h.name,
      ).toEqual([expect.stringMatching(new RegExp(`^/dev/mapper/\\S+ ${mnt} xfs defaults,_netdev,noauto 0 0$`))]);
      // it sees the filesystem the first host made, through its own partition map
      const part = (await sh(h.name, `dmsetup info -c --noheadings -o name -u part1-mpath-${h.lunWwid}`)).trim();
      expect(await sh(h.name, `blkid -p -o value -s TYPE /dev/mapper/${part}`), h.name).toBe('xfs\n');
      expect(await sh(h.name, `test -d ${mnt} && echo dir`), h.name).toBe('dir\n');
    }
    for (const h of hosts) expect(await storageLog(h), h.name).not.toMatch(/UNSAFE/);
    const again = await run('iser.yml');
    expect(again.code, again.stdout.slice(-3000)).toBe(0);
    for (const h of hosts) expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
  });

  it('a host taking over after the first unmounted it mounts the same filesystem (noauto entry)', async () => {
    const other = hosts[1] as SimHost;
    await fleet.exec(first.name, `umount ${mnt}`);
    expect((await fleet.exec(other.name, `mount ${mnt}`)).code).toBe(0);
    expect(await sh(other.name, `findmnt -rn -o FSTYPE ${mnt}`)).toBe('xfs\n');
    // and the sim sees the second mounter: the first host mounting it back now is the corruption case
    await fleet.exec(first.name, `mount ${mnt}`);
    expect(await storageLog(first)).toMatch(/UNSAFE: rhel mounted .* read-write while another host has it mounted/);
    await fleet.exec(first.name, `umount ${mnt}; : > /var/log/sim/storage.log`);
    await fleet.exec(other.name, `umount ${mnt}`);
    await fleet.exec(first.name, `mount ${mnt}`);
    expect(await storageLog(first)).toBe('');
  });

  it('validation refuses two hosts mounting the shared xfs read-write, naming the host and the volume', async () => {
    const inv = await inventoryWith(lun({ mount_hosts: ['rhel', 'sles'] }), 'two-mounters');
    const callsBefore = await Promise.all(hosts.map((h) => fleet.calls(h.name)));
    const r = await runIserPlaybook(fleet.knownHostsFile, inv, 'iser.yml');
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(
      /rhel: iser_luns\[0\] \(volume vol1, WWID 3\w+\): mount_hosts rhel and sles would each mount its xfs read-write at the same time/,
    );
    // validation runs before any host is touched: no simulated tool ran on any host
    expect(await Promise.all(hosts.map((h) => fleet.calls(h.name)))).toEqual(callsBefore);
  });

  it('teardown refuses to log out while the map is in use: multipath -f fails, paths and sessions are kept', async () => {
    // an administrator's own mount of the volume, which the inventory does not know of
    const part = (await sh(first.name, `dmsetup info -c --noheadings -o name -u part1-mpath-${first.lunWwid}`)).trim();
    await fleet.exec(first.name, `mkdir -p /srv/adm && umount ${mnt} && mount /dev/mapper/${part} /srv/adm`);
    const r = await run('iser-teardown.yml', '--limit', first.name);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/rhel: multipath -f \S+ failed \(\S+: map in use\)/);
    expect(await sh(first.name, 'iscsiadm -m session | wc -l')).not.toBe('0\n');
    expect(await sh(first.name, 'ls -d /sys/block/sd* | wc -l')).toBe('4\n');
    expect(await storageLog(first)).not.toMatch(/UNSAFE|left without paths/);
    await fleet.exec(first.name, 'umount /srv/adm');
    const back = await run('iser.yml', '--limit', first.name);
    expect(back.code, back.stdout.slice(-3000)).toBe(0);
  });

  it('teardown unmounts, flushes the map, deletes the SCSI devices, then logs out; a second run changes nothing', async () => {
    const check = await run('iser-teardown.yml', '--check');
    expect(check.code, check.stdout.slice(-3000)).toBe(0);
    expect(await sh(first.name, `findmnt -rn -o FSTYPE ${mnt}`)).toBe('xfs\n');
    for (const h of hosts)
      expect(await sh(h.name, `dmsetup info -c --noheadings -o name -u mpath-${h.lunWwid}`), h.name).not.toBe('');

    const r = await run('iser-teardown.yml');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    for (const h of hosts) {
      expect(await sh(h.name, `findmnt -rn ${mnt} || true`), h.name).toBe('');
      expect((await fleet.exec(h.name, `dmsetup info -u mpath-${h.lunWwid}`)).code, h.name).toBe(1);
      expect(await sh(h.name, 'ls -d /sys/block/sd* 2>/dev/null | wc -l'), h.name).toBe('0\n');
      expect(await sh(h.name, 'iscsiadm -m session 2>/dev/null | wc -l'), h.name).toBe('0\n');
      const log = await storageLog(h);
      expect(log, h.name).toMatch(/map \S+ flushed/);
      expect(log, h.name).not.toMatch(/UNSAFE|left without paths|still uses it/);
      // the order: unmount, flush, each path's buffers flushed, then the logout
      const calls = await fleet.calls(h.name);
      const at = (re: RegExp) => calls.findIndex((l) => re.test(l));
      const flush = at(/ multipath -f /);
      const logout = at(/ iscsiadm .*(-u|--logout)\b/);
      expect(flush, h.name).toBeGreaterThanOrEqual(0);
      expect(at(/ blockdev --flushbufs \/dev\/sd/), h.name).toBeGreaterThan(flush);
      expect(logout, h.name).toBeGreaterThan(flush);
    }
    const again = await run('iser-teardown.yml');
    expect(again.code, again.stdout.slice(-3000)).toBe(0);
    for (const h of hosts) expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
  });

  it('set up again: the map comes back after login and nobody formats the volume that holds data', async () => {
    const before = await Promise.all(hosts.map(labels));
    const r = await run('iser.yml');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(await Promise.all(hosts.map(labels))).toEqual(before);
    expect(await sh(first.name, `findmnt -rn -o FSTYPE ${mnt}`)).toBe('xfs\n');
    for (const h of hosts) expect(await storageLog(h), h.name).not.toMatch(/UNSAFE/);
  });
});
