import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { e2eUnavailable, recap, runIserPlaybook, sshplay, tempDir } from './helpers.js';

const missing = e2eUnavailable();

/** Late LUNs and partition names per distribution (issue 16, point 6), on RHEL 8, SLES 15 and Ubuntu 22.04. */
describeNeeding(missing)('iSER storage: the LUN appears after login; partitions named by the distribution', () => {
  let fleet: Fleet;
  let inventory: string;
  /**
   * How long after login and multipathd the simulated multipath device appears: longer than the run takes
   * from its login to its first look for the device even on a loaded machine (3 s was not: a CI run on a
   * busy machine asked 0.4 s after the device was there), well under the playbook's 60 s bound.
   */
  const delayMs = 10_000;
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
    const r = await run('-v'); // -v: the wait's own message ("waited Ns") shows
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
    const out = r.stdout + r.stderr;
    expect(out).toContain(`${h.name}: LUN ${missing} named in iser_luns is not seen by this host`);
    // and says what the host does see
    expect(out).toMatch(new RegExp(`reports ${h.lunWwid} /dev/mapper/${h.lunWwid} 4/4 paths up`));
    expect((await fleet.calls(h.name)).filter((l) => / parted /.test(l) && l.includes(missing))).toEqual([]);
  });

  // Issue 16, point 11: the Unified Host Utilities from the administrator's package file, and what they report.
  describe('Unified Host Utilities', () => {
    let pkgDir: string;
    /** A package file as the simulated rpm/dpkg read it (a text stand-in for the rpm/deb header). */
    const packageFile = async (name: string, version: string, release: string, files: string, ext: string) => {
      const path = `${pkgDir}/${name}-${version}-${release}.x86_64.${ext}`;
      await writeFile(
        path,
        `# sshplay simulated package\nName: ${name}\nVersion: ${version}\nRelease: ${release}\nArchitecture: x86_64\nFiles: ${files}\n`,
      );
      return path;
    };
    const huVars = async (version: string) => {
      const rpm = await packageFile('netapp_linux_unified_host_utilities', version, '1', '/usr/sbin/sanlun', 'rpm');
      const deb = await packageFile('netapp_linux_unified_host_utilities', version, '1', '/usr/sbin/sanlun', 'deb');
      return Object.fromEntries(
        fleet.hosts.map((h) => [h.name, { netapp_host_utilities_package: h.flavor.startsWith('ubuntu') ? deb : rpm }]),
      );
    };
    beforeAll(async () => {
      pkgDir = await tempDir('iser-storage-pkg');
    });

    it('preflight says which tool a host has; SMdevices (SMutils) reports the LUNs where there is no sanlun', async () => {
      const ubuntu = fleet.hosts.find((h) => h.flavor === 'ubuntu22') as SimHost;
      const smutils = await packageFile('SMutils', '11.70', '1', '/usr/bin/SMdevices', 'deb');
      await fleet.exec(
        ubuntu.name,
        `cat > /var/tmp/smutils.deb <<'X'\n${await readFile(smutils, 'utf8')}X\ndpkg -i /var/tmp/smutils.deb`,
      );
      // -v: ok results show their messages (the console reporter hides them at verbosity 0)
      const r = await run('-v');
      expect(r.code, r.stdout.slice(-3000)).toBe(0);
      expect(r.stdout).toContain(`${ubuntu.name}: SMdevices (SMutils)`);
      expect(r.stdout).toMatch(
        new RegExp(`${ubuntu.name}: SMdevices reports ${ubuntu.lunWwid} /dev/sd\\w+ 4/4 paths up`),
      );
      for (const h of fleet.hosts.filter((x) => x !== ubuntu)) {
        expect(r.stdout).toContain(`${h.name}: neither sanlun nor SMdevices`);
        expect(r.stdout).toContain(`${h.name}: multipath reports ${h.lunWwid} /dev/mapper/${h.lunWwid} 4/4 paths up`);
      }
    });

    it('installs the package file with rpm -Uvh / dpkg -i, idempotent by version, and uses sanlun', async () => {
      const dir = await tempDir('iser-storage-hu');
      const inv = await fleet.writeInventory({ file: `${dir}/hosts.yml`, extraHostVars: await huVars('7') });
      const r = await runIserPlaybook(fleet.knownHostsFile, inv, 'iser.yml', '-v');
      expect(r.code, r.stdout.slice(-3000)).toBe(0);
      for (const h of fleet.hosts) {
        const ubuntu = h.flavor.startsWith('ubuntu');
        const q = ubuntu
          ? 'dpkg -s netapp_linux_unified_host_utilities | grep ^Version'
          : 'rpm -q netapp_linux_unified_host_utilities';
        expect(await sh(h.name, q), h.name).toBe(
          ubuntu ? 'Version: 7-1\n' : 'netapp_linux_unified_host_utilities-7-1.x86_64\n',
        );
        expect(await sh(h.name, 'command -v sanlun'), h.name).toBe('/usr/sbin/sanlun\n');
        expect(r.stdout).toContain(`${h.name}: sanlun (sanlun version 7-1)`);
        expect(r.stdout).toContain(`${h.name}: sanlun reports ${h.lunWwid} /dev/mapper/${h.lunWwid} 4/4 paths up`);
        const installs = (await fleet.calls(h.name)).filter((l) => / (rpm -Uvh|dpkg -i) \/var\/tmp\/netapp/.test(l));
        expect(installs, h.name).toHaveLength(1);
      }
      const again = await runIserPlaybook(fleet.knownHostsFile, inv, 'iser.yml');
      for (const h of fleet.hosts) {
        expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
        const installs = (await fleet.calls(h.name)).filter((l) => / (rpm -Uvh|dpkg -i) \/var\/tmp\/netapp/.test(l));
        expect(installs, h.name).toHaveLength(1);
      }
      // the worksheet lists what each host reports
      const sheet = `${dir}/worksheet.md`;
      const w = await sshplay([
        'worksheet',
        '-i',
        inv,
        '--known-hosts',
        fleet.knownHostsFile,
        '--limit',
        'iser_hosts',
        '-o',
        sheet,
      ]);
      expect(w.code, w.stderr).toBe(0);
      const text = await readFile(sheet, 'utf8');
      for (const h of fleet.hosts)
        expect(text).toContain(`| ${h.name} | ${h.lunWwid} | /dev/mapper/${h.lunWwid} | 4/4 | sanlun |`);
      // a newer version from the IMT: installed over the old one
      const inv2 = await fleet.writeInventory({ file: `${dir}/hosts2.yml`, extraHostVars: await huVars('8') });
      const up = await runIserPlaybook(fleet.knownHostsFile, inv2, 'iser-preflight.yml', '-v');
      expect(up.code, up.stdout.slice(-2000)).toBe(0);
      for (const h of fleet.hosts) expect(up.stdout).toContain(`${h.name}: sanlun (sanlun version 8-1)`);
    });
  });
});
