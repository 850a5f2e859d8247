/**
 * Issue 21: what NetApp's netapp_eseries.host collection does for iSER that sshplay did not, on RHEL 8,
 * SLES 15 and Ubuntu 22.04 hosts. Every assertion reads the hosts themselves: the simulated kernel's
 * modules (lsmod), the limits a PAM session gets, the files on disk, the multipath maps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, runIserPlaybook, tempDir } from './helpers.js';

const skip = e2eUnavailable();
const output = (r: CliResult) => `${r.stdout.slice(-6000)}\n${r.stderr}`;
const MODULES_LOAD = '/etc/modules-load.d/sshplay-iser.conf';
const LIMITS = '/etc/security/limits.d/90-sshplay-rdma.conf';

describe.skipIf(skip)('Parity with netapp_eseries.host on rhel8, rhel9, sles15 and ubuntu22 (issue 21)', () => {
  let fleet: Fleet;
  let inventory: string;
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const run = (playbook: string, ...extra: string[]) =>
    runIserPlaybook(fleet.knownHostsFile, inventory, playbook, ...extra);
  const modules = async (host: string) =>
    (await sh(host, 'lsmod'))
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .filter(Boolean);

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rhel', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'rhel9', flavor: 'rhel9', groups: ['iser_hosts'] },
        { name: 'sles', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'ubuntu', flavor: 'ubuntu22', groups: ['iser_hosts'] },
      ],
    });
    const dir = await tempDir('iser-parity');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  describe('point 2: kernel modules and the locked-memory limit', () => {
    it('the simulated boot loads what /etc/modules-load.d lists, as systemd-modules-load does', async () => {
      const h = 'rhel';
      expect(await modules(h)).not.toContain('rdma_ucm');
      await fleet.exec(
        h,
        "printf '# comment\\n; another\\nrdma_ucm\\nno_such_module\\n' >/etc/modules-load.d/test.conf",
      );
      await fleet.reboot(h);
      expect(await modules(h)).toContain('rdma_ucm');
      expect(await fleet.readFile(h, '/var/log/sim/boot.log')).toContain(
        "systemd-modules-load: Failed to find module 'no_such_module'",
      );
      await fleet.exec(h, 'rm /etc/modules-load.d/test.conf');
      await fleet.reboot(h);
      expect(await modules(h)).not.toContain('rdma_ucm');
    });

    it('--check shows the modules-load.d and limits.d files and the modprobe calls, and makes none of them', async () => {
      const preview = await run('iser.yml', '--check', '--diff');
      expect(preview.code, output(preview)).toBe(0);
      expect(preview.stdout).toContain(MODULES_LOAD);
      expect(preview.stdout).toContain(LIMITS);
      expect(preview.stdout).toContain('modprobe ib_iser');
      for (const h of fleet.hosts) {
        expect(await fleet.readFile(h.name, MODULES_LOAD), h.name).toBeNull();
        expect(await fleet.readFile(h.name, LIMITS), h.name).toBeNull();
        expect(await modules(h.name), h.name).not.toContain('ib_iser');
      }
    });

    it('a run loads ib_iser at once, lists both modules for every boot and raises memlock for new sessions', async () => {
      const first = await run('iser.yml');
      expect(first.code, output(first)).toBe(0);
      for (const h of fleet.hosts) {
        // loaded now, before any reboot
        expect(await modules(h.name), h.name).toEqual(expect.arrayContaining(['ib_iser', 'ib_ipoib']));
        const conf = (await fleet.readFile(h.name, MODULES_LOAD)) ?? '';
        expect(
          conf.split('\n').filter((l) => l !== '' && !l.startsWith('#')),
          h.name,
        ).toEqual(['ib_ipoib', 'ib_iser']);
        // pam_limits reads limits.d at each session: "-" is soft and hard; a wildcard line does not apply
        // to root (limits.conf(5)), so root has its own. (The effect itself, `ulimit -l` in a new PAM
        // session, cannot be shown here: this machine lacks CAP_SYS_RESOURCE to raise a hard limit.)
        const limits = ((await fleet.readFile(h.name, LIMITS)) ?? '')
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('#'));
        expect(
          limits.map((l) => l.split(/\s+/)),
          h.name,
        ).toEqual([
          ['*', '-', 'memlock', 'unlimited'],
          ['root', '-', 'memlock', 'unlimited'],
        ]);
      }
      // The reboot check no longer asks for a reboot to load the iSER module.
      expect(first.stdout).not.toContain('ib_iser is not loaded yet');
      const again = await run('iser.yml');
      expect(again.code, output(again)).toBe(0);
      for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
    });

    it('teardown removes only the two files sshplay wrote', async () => {
      await fleet.exec('ubuntu', "echo 'rdma_cm' >/etc/modules-load.d/admin.conf");
      const down = await run('iser-teardown.yml');
      expect(down.code, output(down)).toBe(0);
      for (const h of fleet.hosts) {
        expect(await fleet.readFile(h.name, MODULES_LOAD), h.name).toBeNull();
        expect(await fleet.readFile(h.name, LIMITS), h.name).toBeNull();
      }
      expect(await fleet.readFile('ubuntu', '/etc/modules-load.d/admin.conf')).toBe('rdma_cm\n');
      const up = await run('iser.yml');
      expect(up.code, output(up)).toBe(0);
    });
  });

  describe('point 4: multipath named after volumes, in a drop-in of our own', () => {
    const DROPIN = '/etc/multipath/conf.d/sshplay-iser.conf';
    const ADMIN_CONF = "defaults {\n\tuser_friendly_names no\n}\n# the administrator's own settings\n";
    const alias = (host: string) => `vol_${host}`;
    // partition 1 of the aliased map, as each distribution's udev kpartx rule names it (the sim's README:
    // SLES and Ubuntu <map>-part1; RHEL <map>1, or <map>p1 when the map name ends in a digit)
    const part1 = (h: { name: string; flavor: string }) =>
      `${alias(h.name)}${h.flavor.startsWith('rhel') ? (/\d$/.test(alias(h.name)) ? 'p1' : '1') : '-part1'}`;
    let named: string;

    beforeAll(async () => {
      await fleet.reset();
      const dir = await tempDir('iser-parity-mp');
      const extraHostVars: Record<string, Record<string, unknown>> = {};
      for (const h of fleet.hosts) {
        extraHostVars[h.name] = {
          iser_luns: [{ wwid: h.lunWwid, mountpoint: '/mnt/iser', fstype: 'ext4', name: alias(h.name) }],
        };
      }
      (extraHostVars.rhel as Record<string, unknown>).multipath_conf = 'defaults {\n\tpolling_interval 10\n}';
      named = await fleet.writeInventory({ file: `${dir}/hosts.yml`, extraHostVars });
      await fleet.exec(
        'sles',
        `printf '${ADMIN_CONF.replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/'/g, '')}' >/etc/multipath.conf`,
      );
    });
    const runNamed = (playbook: string, ...extra: string[]) =>
      runIserPlaybook(fleet.knownHostsFile, named, playbook, ...extra);

    it('--check shows the drop-in with the aliases and writes nothing', async () => {
      const preview = await runNamed('iser.yml', '--check', '--diff');
      expect(preview.code, output(preview)).toBe(0);
      expect(preview.stdout).toContain(DROPIN);
      for (const h of fleet.hosts) {
        expect(preview.stdout).toContain(`alias ${alias(h.name)}`);
        expect(await fleet.readFile(h.name, DROPIN), h.name).toBeNull();
        expect((await sh(h.name, `test -e /dev/mapper/${alias(h.name)} && echo yes || echo no`)).trim()).toBe('no');
      }
    });

    it('a run names each map after its volume, keeps multipath.conf, and mounts its partition 1 under that name', async () => {
      const r = await runNamed('iser.yml');
      expect(r.code, output(r)).toBe(0);
      for (const h of fleet.hosts) {
        const dropIn = (await fleet.readFile(h.name, DROPIN)) ?? '';
        expect(dropIn, h.name).toMatch(
          new RegExp(`multipaths \\{\\s+multipath \\{\\s+wwid ${h.lunWwid}\\s+alias ${alias(h.name)}\\s+\\}\\s+\\}`),
        );
        // the map is named after the volume, as multipath -ll prints an aliased map
        expect(await sh(h.name, 'multipath -ll'), h.name).toMatch(
          new RegExp(`^${alias(h.name)} \\(${h.lunWwid}\\) dm-0 NETAPP,INF-01-00$`, 'm'),
        );
        expect((await sh(h.name, `test -b /dev/mapper/${part1(h)} && echo yes`)).trim(), h.name).toBe('yes');
        // found by its device-mapper UUID whatever its name
        expect((await sh(h.name, `dmsetup info -c --noheadings -o name -u mpath-${h.lunWwid}`)).trim(), h.name).toBe(
          alias(h.name),
        );
        expect((await sh(h.name, `test -e /dev/mapper/${h.lunWwid} && echo yes || echo no`)).trim(), h.name).toBe('no');
        const fstab = (await fleet.readFile(h.name, '/etc/fstab')) ?? '';
        expect(fstab, h.name).toMatch(new RegExp(`^/dev/mapper/${part1(h)}\\s+/mnt/iser\\s`, 'm'));
        expect((await sh(h.name, 'findmnt -n -o TARGET /mnt/iser')).trim(), h.name).toBe('/mnt/iser');
      }
      // the inventory's multipath_conf goes to the drop-in, not over the administrator's file
      expect(await fleet.readFile('rhel', DROPIN)).toContain('polling_interval 10');
      expect(await fleet.readFile('rhel', '/etc/multipath.conf')).toBe('');
      expect(await fleet.readFile('sles', '/etc/multipath.conf')).toBe(ADMIN_CONF.replace(/'/g, ''));
      const again = await runNamed('iser.yml');
      expect(again.code, output(again)).toBe(0);
      for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
    });

    it('a name that is not a plain alias is refused before any host is touched', async () => {
      const dir = await tempDir('iser-parity-mp-bad');
      const extraHostVars: Record<string, Record<string, unknown>> = {};
      for (const h of fleet.hosts) {
        extraHostVars[h.name] = { iser_luns: [{ wwid: h.lunWwid, mountpoint: '/mnt/iser', name: 'db/../x' }] };
      }
      const bad = await fleet.writeInventory({ file: `${dir}/hosts.yml`, extraHostVars });
      const before = (await fleet.calls('sles')).length;
      const r = await runIserPlaybook(fleet.knownHostsFile, bad, 'iser.yml');
      expect(r.code, output(r)).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('sles: iser_luns[0] needs wwid');
      expect(r.stdout + r.stderr).toContain('an optional name (the multipath alias');
      expect((await fleet.calls('sles')).length).toBe(before);
    });

    it('the name survives a reboot, and the teardown removes only the drop-in', async () => {
      await fleet.reboot('ubuntu');
      // the map appears some time after the boot's sessions and multipathd (issue 16.6), under its alias
      const ll = await sh(
        'ubuntu',
        `for i in $(seq 150); do [ -b /dev/mapper/${alias('ubuntu')} ] && break; sleep 0.1; done; multipath -ll`,
      );
      expect(ll).toMatch(new RegExp(`^${alias('ubuntu')} \\(`, 'm'));
      const down = await runNamed('iser-teardown.yml');
      expect(down.code, output(down)).toBe(0);
      for (const h of fleet.hosts) expect(await fleet.readFile(h.name, DROPIN), h.name).toBeNull();
      expect(await fleet.readFile('sles', '/etc/multipath.conf')).toBe(ADMIN_CONF.replace(/'/g, ''));
    });
  });

  describe('point 6: opensm per port, its own subnet prefix and options', () => {
    const prefixes = ['0xfe80000000000001', '0xfe80000000000002'];
    let inv: string;
    const confOf = (h: { flavor: string }, i: number) =>
      `${h.flavor.startsWith('rhel') ? '/etc/rdma' : '/etc/opensm'}/sshplay-opensm-ib${i}.conf`;
    /** subnet prefix of the running opensm per port GUID, from the simulated daemons' records */
    const smPrefixes = async (host: string) =>
      (await sh(host, 'sim-ctl state 2>/dev/null | grep "^opensm " || true'))
        .split('\n')
        .filter(Boolean)
        .map((l) => /^opensm (0x[0-9a-f]+): .* priority (\d+) .* subnet_prefix (0x[0-9a-f]+)/.exec(l)?.slice(1))
        .filter(Boolean)
        .sort();

    beforeAll(async () => {
      await fleet.reset();
      const dir = await tempDir('iser-parity-sm');
      inv = await fleet.writeInventory({
        file: `${dir}/hosts.yml`,
        groupVars: {
          opensm_port_priorities: [15, 0],
          opensm_ports: [
            { subnet_prefix: prefixes[0], options: { sweep_interval: 15 } },
            { subnet_prefix: prefixes[1] },
          ],
        },
      });
    });
    const runSm = (playbook: string, ...extra: string[]) =>
      runIserPlaybook(fleet.knownHostsFile, inv, playbook, ...extra);

    it('--check shows the options files and writes none', async () => {
      const preview = await runSm('iser.yml', '--check', '--diff');
      expect(preview.code, output(preview)).toBe(0);
      for (const h of fleet.hosts) {
        expect(preview.stdout).toContain(confOf(h, 0));
        expect(await fleet.readFile(h.name, confOf(h, 0)), h.name).toBeNull();
      }
      expect(preview.stdout).toContain(`subnet_prefix ${prefixes[1]}`);
    });

    it('each port runs its own opensm with its subnet prefix, now and after a reboot; priority 0 is kept', async () => {
      const r = await runSm('iser.yml');
      expect(r.code, output(r)).toBe(0);
      for (const h of fleet.hosts) {
        const c0 = (await fleet.readFile(h.name, confOf(h, 0))) ?? '';
        expect(c0, h.name).toMatch(new RegExp(`^guid ${h.guids[0]}$`, 'm'));
        expect(c0).toMatch(/^sm_priority 15$/m);
        expect(c0).toMatch(new RegExp(`^subnet_prefix ${prefixes[0]}$`, 'm'));
        expect(c0).toMatch(/^sweep_interval 15$/m);
        const c1 = (await fleet.readFile(h.name, confOf(h, 1))) ?? '';
        expect(c1).toMatch(/^sm_priority 0$/m);
        expect(c1).not.toMatch(/^sweep_interval/m);
        const want = [
          [h.guids[0]?.toLowerCase(), '15', prefixes[0]],
          [h.guids[1]?.toLowerCase(), '0', prefixes[1]],
        ].sort();
        expect(await smPrefixes(h.name), h.name).toEqual(want);
        await fleet.reboot(h.name);
        expect(await smPrefixes(h.name), `${h.name} after the reboot`).toEqual(want);
      }
      const again = await runSm('iser.yml');
      expect(again.code, output(again)).toBe(0);
      for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
      // the teardown removes sshplay's option files and nothing else in that directory
      await fleet.exec('sles', 'echo "# the administrator\'s" >/etc/opensm/opensm.conf');
      const down = await runSm('iser-teardown.yml');
      expect(down.code, output(down)).toBe(0);
      for (const h of fleet.hosts) {
        expect(await fleet.readFile(h.name, confOf(h, 0)), h.name).toBeNull();
        expect(await fleet.readFile(h.name, confOf(h, 1)), h.name).toBeNull();
      }
      expect(await fleet.readFile('sles', '/etc/opensm/opensm.conf')).toBe("# the administrator's\n");
    });

    it('a bad opensm_ports is refused before any host is touched', async () => {
      const cases: [unknown[], string][] = [
        [[{ subnet_prefix: 'fe80::1' }, {}], 'opensm_ports[0] takes subnet_prefix'],
        [[{}, { priority: 3 }], 'opensm_ports[1] takes subnet_prefix'],
        [[{ options: { guid: '0x1' } }, {}], 'opensm_ports[0] takes subnet_prefix'],
        [[{}], 'opensm_ports needs opensm_port_priorities'],
      ];
      for (const [ports, message] of cases) {
        const dir = await tempDir('iser-parity-sm-bad');
        const bad = await fleet.writeInventory({
          file: `${dir}/hosts.yml`,
          groupVars: { opensm_port_priorities: [15, 0], opensm_ports: ports },
        });
        const before = (await fleet.calls('rhel')).length;
        const r = await runIserPlaybook(fleet.knownHostsFile, bad, 'iser.yml');
        expect(r.code, output(r)).not.toBe(0);
        expect(r.stdout + r.stderr, JSON.stringify(ports)).toContain(`rhel: ${message}`);
        expect((await fleet.calls('rhel')).length, JSON.stringify(ports)).toBe(before);
      }
    });
  });

  describe('point 1: packages installed with the OS tool when the inventory allows it', () => {
    const repo: Record<string, string[]> = {
      rhel: [
        'device-mapper-multipath 0.8.4-22.el8.x86_64',
        'iscsi-initiator-utils 6.2.1.4-4.git095f59c.el8.x86_64',
        'rdma-core 37.2-1.el8.x86_64',
        'infiniband-diags 37.2-1.el8.x86_64',
        'opensm 3.3.24-1.el8.x86_64',
      ],
      // RHEL 9.4's versions as its BaseOS/AppStream list them (written from memory, as the sim README says of el9)
      rhel9: [
        'device-mapper-multipath 0.8.7-27.el9.x86_64',
        'iscsi-initiator-utils 6.2.1.9-1.gita65a472.el9.x86_64',
        'rdma-core 48.0-1.el9.x86_64',
        'infiniband-diags 48.0-1.el9.x86_64',
        'opensm 3.3.26-1.el9.x86_64',
      ],
      sles: [
        'open-iscsi 2.1.7-150400.39.8.1.x86_64',
        'multipath-tools 0.9.0+62+suse.3e048d4-150400.4.7.1.x86_64',
        'rdma-core 38.1-150400.2.6.x86_64',
        'infiniband-diags 38.1-150400.2.6.x86_64',
        'opensm 3.3.24-150400.1.1.x86_64',
      ],
      ubuntu: [
        'open-iscsi 2.1.5-1ubuntu1',
        'multipath-tools 0.8.8-1ubuntu1.22.04.1',
        'multipath-tools-boot 0.8.8-1ubuntu1.22.04.1',
        'rdma-core 39.0-1',
        'infiniband-diags 39.0-1',
        'opensm 3.3.23-2',
      ],
    };
    const missing: Record<string, string> = {
      rhel: 'device-mapper-multipath',
      rhel9: 'device-mapper-multipath',
      sles: 'open-iscsi',
      ubuntu: 'multipath-tools',
    };
    const installed = async (host: string, pkg: string) =>
      (await fleet.exec(host, host === 'ubuntu' ? `dpkg -s ${pkg}` : `rpm -q ${pkg}`)).code === 0;
    let inv: string;
    const runPk = (playbook: string, ...extra: string[]) =>
      runIserPlaybook(fleet.knownHostsFile, inv, playbook, ...extra);

    beforeAll(async () => {
      await fleet.reset();
      for (const h of fleet.hosts) await fleet.exec(h.name, `sim-ctl package-absent ${missing[h.name]}`);
      const dir = await tempDir('iser-parity-pkg');
      inv = await fleet.writeInventory({ file: `${dir}/hosts.yml`, groupVars: { iser_install_packages: true } });
    });

    it('off by default: the check-only mode stops at the missing package and installs nothing', async () => {
      const dir = await tempDir('iser-parity-pkg-off');
      const plain = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
      const r = await runIserPlaybook(fleet.knownHostsFile, plain, 'iser.yml');
      expect(r.code, output(r)).not.toBe(0);
      for (const h of fleet.hosts) {
        expect(recap(r.stdout)[h.name]?.failed, h.name).toBe(1);
        expect(await installed(h.name, missing[h.name] as string), h.name).toBe(false);
      }
    });

    it('no configured repository: the package tool says so and the host stops there', async () => {
      const r = await runPk('iser.yml');
      expect(r.code, output(r)).not.toBe(0);
      const text = r.stdout + r.stderr;
      expect(text).toContain('There are no enabled repositories');
      // zypper says it on stdout; its exit code 6 is ZYPPER_EXIT_NO_REPOS
      expect(text).toContain('command failed (rc=6): zypper --non-interactive install open-iscsi');
      expect(text).toContain('Unable to locate package multipath-tools');
      for (const h of fleet.hosts) expect(recap(r.stdout)[h.name]?.failed, h.name).toBe(1);
    });

    it('--check lists each install without running it; the run installs; a second run changes nothing', async () => {
      for (const h of fleet.hosts) {
        await fleet.exec(
          h.name,
          `printf '%s\\n' ${(repo[h.name] ?? []).map((l) => `'${l}'`).join(' ')} >/etc/sim/repo.packages`,
        );
      }
      const preview = await runPk('iser.yml', '--check');
      expect(preview.code, output(preview)).toBe(0);
      expect(preview.stdout).toContain('yum install -y device-mapper-multipath');
      expect(preview.stdout).toContain('zypper --non-interactive install open-iscsi');
      expect(preview.stdout).toContain('apt-get install -y multipath-tools');
      for (const h of fleet.hosts) expect(await installed(h.name, missing[h.name] as string), h.name).toBe(false);
      const r = await runPk('iser.yml');
      expect(r.code, output(r)).toBe(0);
      for (const h of fleet.hosts) expect(await installed(h.name, missing[h.name] as string), h.name).toBe(true);
      expect(await installed('ubuntu', 'multipath-tools-boot')).toBe(true);
      const again = await runPk('iser.yml');
      expect(again.code, output(again)).toBe(0);
      for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
    });

    it('the upgrade switch upgrades what the repository offers newer; a custom list replaces the OS list', async () => {
      await fleet.exec('rhel', "sed -i 's/^rdma-core .*/rdma-core 38.0-1.el8.x86_64/' /etc/sim/repo.packages");
      const dir = await tempDir('iser-parity-pkg-up');
      const up = await fleet.writeInventory({
        file: `${dir}/hosts.yml`,
        groupVars: { iser_install_packages: true, iser_packages_upgrade: true, iser_packages: ['rdma-core', 'opensm'] },
      });
      const preview = await runIserPlaybook(fleet.knownHostsFile, up, 'iser-packages.yml', '--check');
      expect(preview.code, output(preview)).toBe(0);
      expect(preview.stdout).toContain('yum upgrade -y rdma-core');
      expect((await sh('rhel', 'rpm -q rdma-core')).trim()).toBe('rdma-core-37.2-1.el8.x86_64');
      const r = await runIserPlaybook(fleet.knownHostsFile, up, 'iser-packages.yml');
      expect(r.code, output(r)).toBe(0);
      expect((await sh('rhel', 'rpm -q rdma-core')).trim()).toBe('rdma-core-38.0-1.el8.x86_64');
      for (const h of ['sles', 'ubuntu']) expect(recap(r.stdout)[h]?.changed, h).toBe(0);
      const again = await runIserPlaybook(fleet.knownHostsFile, up, 'iser-packages.yml');
      expect(recap(again.stdout).rhel?.changed).toBe(0);
    });
  });
});
