/**
 * Issue 16, the host after the document's reboot (points 2, 8, 9): on RHEL 8, SLES 15 and Ubuntu 22.04
 * hosts that run the subnet manager themselves (opensm_port_priorities), a simulated reboot runs only
 * what that OS really runs at boot. The assertions read the hosts themselves: what is set to run at
 * boot, the opensm processes, the iSCSI sessions.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, runIserPlaybook, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();
const output = (r: CliResult) => `${r.stdout.slice(-5000)}\n${r.stderr}`;

describeNeeding(missing)('The document reboot on rhel8, sles15 and ubuntu22 (issue 16)', () => {
  let fleet: Fleet;
  let inventory: string;
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const run = (...extra: string[]) => runIserPlaybook(fleet.knownHostsFile, inventory, 'iser.yml', ...extra);

  /** The opensm processes of the host, by port GUID (the simulated daemon's argv is its command line). */
  async function opensmGuids(h: SimHost): Promise<string[]> {
    const ps = await sh(h.name, "pgrep -a -f '^opensm ' || true");
    return ps
      .split('\n')
      .map((l) => / -g (0x[0-9a-f]+)/i.exec(l)?.[1]?.toLowerCase())
      .filter((g): g is string => Boolean(g))
      .sort();
  }

  async function sessions(h: SimHost): Promise<string[]> {
    return (await sh(h.name, 'iscsiadm -m session 2>/dev/null || true')).split('\n').filter((l) => l.trim() !== '');
  }

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rhel', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'sles', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'ubuntu', flavor: 'ubuntu22', groups: ['iser_hosts'] },
      ],
    });
    const dir = await tempDir('iser-boot');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('after the reboot every host runs opensm on both ports and has its four sessions back', async () => {
    const first = await run();
    expect(first.code, output(first)).toBe(0);
    for (const h of fleet.hosts) {
      expect(await opensmGuids(h), h.name).toEqual([...h.guids].map((g) => g.toLowerCase()).sort());
      expect(await sessions(h), h.name).toHaveLength(4);
    }
    for (const h of fleet.hosts) await fleet.reboot(h.name);
    for (const h of fleet.hosts) {
      const boot = (await fleet.readFile(h.name, '/var/log/sim/boot.log')) ?? '';
      expect(await opensmGuids(h), `${h.name}: opensm after the reboot\n${boot.slice(-2000)}`).toEqual(
        [...h.guids].map((g) => g.toLowerCase()).sort(),
      );
      const after = await sessions(h);
      expect(after, `${h.name}: sessions after the reboot`).toHaveLength(4);
      for (const portal of fleet.array.portals) expect(after.join('\n'), h.name).toContain(`${portal}:3260,`);
    }
  });

  it('what starts the subnet manager at boot is what each OS really runs', async () => {
    for (const h of fleet.hosts) {
      if (h.flavor.startsWith('rhel')) {
        // The document's boot file: rc-local.service runs /etc/rc.d/rc.local only when executable.
        const rc = (await fleet.readFile(h.name, '/etc/rc.d/rc.local')) ?? '';
        expect(rc.startsWith('#!'), h.name).toBe(true);
        expect(rc).toContain(`opensm -B -g ${h.guids[0]} -p 15 -f /var/log/opensm-ib0.log`);
        expect((await sh(h.name, 'test -x /etc/rc.d/rc.local && echo x')).trim()).toBe('x');
      } else {
        // SLES and Ubuntu: the unit, ordered after the RDMA hardware and before the network and the logins.
        expect((await sh(h.name, 'systemctl is-enabled subnet-manager')).trim(), h.name).toBe('enabled');
        const unit = (await fleet.readFile(h.name, '/etc/systemd/system/subnet-manager.service')) ?? '';
        expect(unit).toMatch(/^After=.*rdma-hw\.target/m);
        expect(unit).toMatch(/^Before=.*network\.target/m);
        expect(unit).toMatch(/^Before=.*remote-fs-pre\.target/m);
        expect(unit).toMatch(/^Type=oneshot$/m);
        const script = (await fleet.readFile(h.name, '/usr/local/sbin/subnet-manager.sh')) ?? '';
        expect(script.startsWith('#!/bin/sh\n'), h.name).toBe(true);
        expect(script).toContain(`start_sm ${h.guids[0]} 15 /var/log/opensm-ib0.log`);
        expect(script).toContain(`start_sm ${h.guids[1]} 1 /var/log/opensm-ib1.log`);
        // Nothing left in files the OS never runs.
        expect(await fleet.readFile(h.name, '/etc/init.d/rc.after'), h.name).toBeNull();
      }
    }
    // SLES: the boot-time login is iscsi.service's (iscsid alone logs nothing in).
    expect((await sh('sles', 'systemctl is-enabled iscsi')).trim()).toBe('enabled');
    // A second run changes nothing.
    const again = await run();
    expect(again.code, output(again)).toBe(0);
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
  });

  it('the reboot check fails where the next boot would not start the subnet manager', async () => {
    await fleet.exec('rhel', 'chmod 0644 /etc/rc.d/rc.local');
    await fleet.exec('sles', 'systemctl disable subnet-manager');
    await fleet.exec('ubuntu', "sed -i '1d' /usr/local/sbin/subnet-manager.sh");
    // the document's defaults, which iser-validate.yml sets in a full run
    const defaults = ['-e', 'iscsi_node_startup=automatic', '-e', 'iscsi_replacement_timeout=20'];
    const r = await runIserPlaybook(fleet.knownHostsFile, inventory, 'iser-reboot-check.yml', ...defaults);
    expect(r.code, output(r)).toBe(2);
    const text = r.stdout + r.stderr;
    expect(text).toContain('rhel: /etc/rc.d/rc.local is not executable: opensm would not start at the next boot');
    expect(text).toContain('sles: subnet-manager.service is not enabled');
    expect(text).toContain('ubuntu: /usr/local/sbin/subnet-manager.sh has no #! line');
    expect(recap(r.stdout).rhel?.failed).toBe(1);
    // The full run repairs each of them.
    const fixed = await run();
    expect(fixed.code, output(fixed)).toBe(0);
  });

  it('a rerun that changes iSCSI settings on hosts in production keeps every live session (point 9)', async () => {
    const sids = async (h: SimHost) => (await sessions(h)).map((l) => /\[(\d+)\]/.exec(l)?.[1]).sort();
    const before: Record<string, (string | undefined)[]> = {};
    const calls: Record<string, number> = {};
    for (const h of fleet.hosts) {
      before[h.name] = await sids(h);
      expect(before[h.name], h.name).toHaveLength(4);
      calls[h.name] = (await fleet.calls(h.name)).length;
    }
    const r = await run('-e', 'iscsi_replacement_timeout=25');
    expect(r.code, output(r)).toBe(0);
    for (const h of fleet.hosts) {
      expect(await fleet.readFile(h.name, '/etc/iscsi/iscsid.conf'), h.name).toContain(
        '\nnode.session.timeo.replacement_timeout = 25\n',
      );
      // the same sessions (same ids): none was dropped and logged in again
      expect(await sids(h), h.name).toEqual(before[h.name]);
      const made = (await fleet.calls(h.name)).slice(calls[h.name]);
      expect(
        made.filter((l) => / systemctl (restart|stop|try-restart|reload-or-restart) /.test(l)),
        h.name,
      ).toEqual([]);
    }
  });

  it('subnet manager priority 0 is accepted, 16 refused; the host type reminder follows Automatic Load Balancing', async () => {
    const dir = await tempDir('iser-boot-vars');
    const bad = await writeTemp(dir, 'bad.yml', 'opensm_port_priorities: [0, 16]\n');
    const refused = await runIserPlaybook(fleet.knownHostsFile, inventory, 'iser-validate.yml', '-e', `@${bad}`);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stdout).toContain('rhel: opensm_port_priorities[1] must be 0..15, got 16');
    expect(refused.stdout).not.toContain('opensm_port_priorities[0] must be');
    const zero = await writeTemp(dir, 'zero.yml', 'opensm_port_priorities: [0, 15]\n');
    const accepted = await runIserPlaybook(fleet.knownHostsFile, inventory, 'iser-validate.yml', '-e', `@${zero}`);
    expect(accepted.code, output(accepted)).toBe(0);

    const off = await run('-v', '-e', 'eseries_automatic_load_balancing=false');
    expect(off.code, output(off)).toBe(0);
    expect(off.stdout).toContain('with host type "Linux DM-MP (Kernel 3.9 or earlier)"');
    expect(off.stdout).not.toContain('Kernel 3.10 or later');
    const on = await run('-v');
    expect(on.stdout).toContain('with host type "Linux DM-MP (Kernel 3.10 or later)"');
  });
  it("initramfs: multipath in the default kernel's image and in every future one; ib_iser after the reboot (point 8)", async () => {
    await fleet.reset();
    const image = (h: SimHost, kver: string) =>
      h.flavor.startsWith('rhel')
        ? `/boot/initramfs-${kver}.img`
        : h.flavor.startsWith('sles')
          ? `/boot/initrd-${kver}`
          : `/boot/initrd.img-${kver}`;
    const list = (h: SimHost, img: string) =>
      sh(h.name, h.flavor.startsWith('ubuntu') ? `lsinitramfs ${img}` : `lsinitrd ${img}`);
    const kvers: Record<string, string> = {};
    for (const h of fleet.hosts) {
      kvers[h.name] = (await sh(h.name, 'uname -r')).trim();
      // An image built after multipath.conf was written, but without multipath: newer is not enough.
      await fleet.exec(
        h.name,
        `touch /etc/multipath.conf && sleep 0.01 && ${h.flavor.startsWith('ubuntu') ? 'update-initramfs -u' : 'dracut --force'}`,
      );
      expect(await list(h, image(h, kvers[h.name] as string)), h.name).not.toContain('dm-multipath');
    }
    const first = await run();
    expect(first.code, output(first)).toBe(0);
    for (const h of fleet.hosts) {
      const img = image(h, kvers[h.name] as string);
      expect(await list(h, img), h.name).toMatch(/drivers\/md\/dm-multipath\.ko/);
      if (h.flavor.startsWith('ubuntu')) {
        expect(await fleet.readFile(h.name, '/etc/initramfs-tools/modules')).toMatch(/^dm-multipath$/m);
      } else {
        expect(await sh(h.name, `lsinitrd -m ${img}`)).toMatch(/^multipath$/m);
        const dropIn = (await fleet.readFile(h.name, '/etc/dracut.conf.d/90-sshplay-multipath.conf')) ?? '';
        expect(dropIn).toContain('add_dracutmodules+=" multipath "');
        expect(dropIn).toContain('force_drivers+=" dm-multipath "');
        // every later build (a kernel update's) keeps multipath, even without --add
        await fleet.exec(h.name, 'dracut --force /tmp/next.img');
        expect(await sh(h.name, 'lsinitrd -m /tmp/next.img')).toMatch(/^multipath$/m);
      }
      // iser-kernel.yml loads ib_iser at once (issue 21): no reboot is due for the module
      expect(await sh(h.name, 'lsmod'), h.name).toMatch(/^ib_iser /m);
      expect(first.stdout).not.toContain(`${h.name}: ib_iser is not loaded yet`);
    }
    for (const h of fleet.hosts) await fleet.reboot(h.name);
    for (const h of fleet.hosts) expect(await sh(h.name, 'lsmod'), h.name).toMatch(/^ib_iser /m);
    const after = await run();
    expect(after.code, output(after)).toBe(0);
    expect(after.stdout).not.toContain('ib_iser is not loaded yet');
    for (const h of fleet.hosts) expect(recap(after.stdout)[h.name]?.changed, h.name).toBe(0);

    // Step 7: a default boot entry that loads another image is refused with what to do.
    await fleet.exec('rhel', "sed -i 's|^initrd .*|initrd /initramfs-custom.img|' /boot/loader/entries/*.conf");
    await fleet.exec(
      'ubuntu',
      "sed -i 's|initrd\t/boot/initrd.img-|initrd\t/boot/initrd.img-old-|' /boot/grub/grub.cfg",
    );
    const step7 = await run();
    expect(step7.code, output(step7)).toBe(2);
    expect(step7.stdout).toContain(
      `rhel: the default boot entry (kernel ${kvers.rhel}) loads /boot/initramfs-custom.img, not /boot/initramfs-${kvers.rhel}.img`,
    );
    expect(step7.stdout).toContain(
      `ubuntu: the default boot entry (kernel ${kvers.ubuntu}) loads /boot/initrd.img-old-`,
    );
    expect(recap(step7.stdout).sles?.failed).toBe(0);
  });
  it('opensm_boot: rc on SLES and Ubuntu writes the file each OS really runs, with #!, and it runs at boot', async () => {
    await fleet.reset();
    // an Ubuntu rc.local an administrator left without #!: systemd never ran it
    await fleet.exec(
      'ubuntu',
      "printf 'echo local boot step >/run/local-step\\n' >/etc/rc.local && chmod 0755 /etc/rc.local",
    );
    const r = await run('-e', 'opensm_boot=rc');
    expect(r.code, output(r)).toBe(0);
    const files: Record<string, string> = {
      rhel: '/etc/rc.d/rc.local',
      sles: '/etc/init.d/after.local',
      ubuntu: '/etc/rc.local',
    };
    for (const h of fleet.hosts) {
      const f = files[h.name] as string;
      const text = (await fleet.readFile(h.name, f)) ?? '';
      expect(text.startsWith('#!'), `${h.name} ${f}`).toBe(true);
      expect(text).toContain(`opensm -B -g ${h.guids[1]} -p 1 -f /var/log/opensm-ib1.log`);
      expect((await sh(h.name, `test -x ${f} && echo x`)).trim(), h.name).toBe('x');
      expect((await sh(h.name, 'systemctl is-enabled subnet-manager 2>&1')).trim(), h.name).not.toBe('enabled');
    }
    expect(await fleet.readFile('ubuntu', '/etc/rc.local')).toMatch(/^#!\/bin\/sh\necho local boot step/);
    for (const h of fleet.hosts) await fleet.reboot(h.name);
    for (const h of fleet.hosts) {
      expect(await opensmGuids(h), h.name).toEqual([...h.guids].map((g) => g.toLowerCase()).sort());
      expect(await sessions(h), h.name).toHaveLength(4);
    }
    expect(await fleet.readFile('ubuntu', '/run/local-step')).toBe('local boot step\n');
    const again = await run('-e', 'opensm_boot=rc');
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
  });
});
