import { expect } from 'vitest';
import type { Fleet, SimHost } from '../target/types.js';

/** Simulated-tool calls that change a host's state (anything else in the call log is a read). */
const MUTATING =
  /\b(opensm -B|dracut|ifup|wicked ifup|netplan apply|nmcli connection (up|down|reload|load)|parted|mkfs|kpartx|mount |systemctl (start|restart|enable|stop|disable)|iscsiadm .*(-o (new|update|delete)|--login|-l\b|-u\b|-m discovery))/;

export function iserAssertions(getFleet: () => Fleet) {
  const fleet = () => getFleet();
  const sh = async (host: string, cmd: string) => (await fleet().exec(host, cmd)).stdout;

  return {
    /**
     * The host side of the document reached on h. `storage: false` leaves out the LUN's partition, filesystem
     * and mount (the storage-tagged plays; the benchmark skips them, for sshplay and Ansible alike).
     */
    async endState(h: SimHost, options: { storage?: boolean } = {}): Promise<void> {
      const conf = (await fleet().readFile(h.name, '/etc/iscsi/iscsid.conf')) ?? '';
      const active = (key: string) =>
        conf.split('\n').filter((l) => new RegExp(`^\\s*${key.replace(/\./g, '\\.')}\\s*=`).test(l));
      expect(active('node.startup')).toEqual(['node.startup = automatic']);
      expect(active('node.session.timeo.replacement_timeout')).toEqual(['node.session.timeo.replacement_timeout = 20']);
      const rhel = h.flavor.startsWith('rhel');
      // RHEL: the document's rc.local; SLES and Ubuntu: subnet-manager.service (the default there).
      const boot = rhel ? '/etc/rc.d/rc.local' : '/usr/local/sbin/subnet-manager.sh';
      const bootText = (await fleet().readFile(h.name, boot)) ?? '';
      const opensmLines = bootText.split('\n').filter((l) => /^(opensm|start_sm) /.test(l));
      expect(opensmLines).toEqual(
        rhel
          ? [
              `opensm -B -g ${h.guids[0]} -p 15 -f /var/log/opensm-ib0.log`,
              `opensm -B -g ${h.guids[1]} -p 1 -f /var/log/opensm-ib1.log`,
            ]
          : [
              `start_sm ${h.guids[0]} 15 /var/log/opensm-ib0.log || rc=1`,
              `start_sm ${h.guids[1]} 1 /var/log/opensm-ib1.log || rc=1`,
            ],
      );
      expect((await sh(h.name, `test -x ${boot} && echo exec`)).trim()).toBe('exec');
      if (!rhel) expect((await sh(h.name, 'systemctl is-enabled subnet-manager')).trim()).toBe('enabled');
      expect(
        (await sh(h.name, 'systemctl is-enabled multipathd; systemctl is-active multipathd')).split('\n').slice(0, 2),
      ).toEqual(['enabled', 'active']);
      const ubuntu = h.flavor.startsWith('ubuntu');
      // the boot-time login service: iscsi.service on RHEL and SLES, open-iscsi.service on Ubuntu
      for (const unit of [ubuntu ? 'open-iscsi' : 'iscsi', 'iscsid']) {
        expect((await sh(h.name, `systemctl is-enabled ${unit}`)).trim()).toBe('enabled');
      }
      const ifaceDir = rhel ? '/var/lib/iscsi/ifaces' : '/etc/iscsi/ifaces';
      for (const [i, ib] of ['ib0', 'ib1'].entries()) {
        const iface = (await fleet().readFile(h.name, `${ifaceDir}/iface-${ib}`)) ?? '';
        expect(iface).toContain(`iface.iscsi_ifacename = iface-${ib}`);
        expect(iface).toContain(`iface.net_ifacename = ${ib}`);
        expect(iface).toContain('iface.transport_name = iser');
        expect(iface).toContain(`iface.initiatorname = ${h.initiatorIqn}`);
        const addr = `192.168.${130 + i}.${11 + h.index}`;
        if (h.flavor === 'rhel9') {
          // RHEL 9: a NetworkManager keyfile (iser-rhel9.test.ts checks its mode and every line)
          const keyfile =
            (await fleet().readFile(h.name, `/etc/NetworkManager/system-connections/${ib}.nmconnection`)) ?? '';
          expect(keyfile).toContain(`interface-name=${ib}\n`);
          expect(keyfile).toContain(`address1=${addr}/24\n`);
          continue;
        }
        if (ubuntu) {
          const netplan = (await fleet().readFile(h.name, '/etc/netplan/60-sshplay-ipoib.yaml')) ?? '';
          expect(netplan).toMatch(new RegExp(`\\n {4}${ib}:\\n {6}addresses: \\[${addr}/24\\]`));
          continue;
        }
        const ifcfg =
          (await fleet().readFile(
            h.name,
            `${rhel ? '/etc/sysconfig/network-scripts' : '/etc/sysconfig/network'}/ifcfg-${ib}`,
          )) ?? '';
        if (rhel)
          expect(ifcfg).toMatch(
            new RegExp(`DEVICE=${ib}\\nTYPE=InfiniBand\\nBOOTPROTO=static\\nIPADDR=${addr}\\nPREFIX=24\\nONBOOT=yes`),
          );
        else expect(ifcfg).toMatch(new RegExp(`BOOTPROTO='static'\\nIPADDR='${addr}/24'\\nSTARTMODE='auto'`));
      }
      const sessions = await sh(h.name, 'iscsiadm -m session');
      // controller A's portals (A1, A2: positions 0, 2) are portal group 1, controller B's group 2
      for (const [i, portal] of fleet().array.portals.entries())
        expect(sessions).toContain(`${portal}:3260,${(i % 2) + 1} ${fleet().array.targetIqn}`);
      expect(sessions.trim().split('\n')).toHaveLength(4);
      if (options.storage !== false) await storageState(h);
      const rebuild = ubuntu ? / update-initramfs -u/ : / dracut --force --add multipath/;
      expect((await fleet().calls(h.name)).some((l) => rebuild.test(l))).toBe(true);
    },
    mutatingCalls: async (host: string) => (await fleet().calls(host)).filter((l) => MUTATING.test(l)),
  };

  async function storageState(h: SimHost): Promise<void> {
    expect(await sh(h.name, 'findmnt -rn -o FSTYPE /mnt/iser')).toBe('ext4\n');
    // partition 1 as the distribution's udev rules named it (found by its dm UUID, not by a guessed suffix);
    // right after a reboot the LUN's maps come back only some seconds after the sessions
    const part = (
      await sh(
        h.name,
        `for i in $(seq 100); do dmsetup info -c --noheadings -o name -u part1-mpath-${h.lunWwid} 2>/dev/null && break; sleep 0.1; done`,
      )
    ).trim();
    expect(part, h.name).toMatch(new RegExp(`^${h.lunWwid}(p|-part)?1$`));
    expect(await fleet().readFile(h.name, '/etc/fstab')).toContain(
      `/dev/mapper/${part} /mnt/iser ext4 defaults,_netdev 0 0`,
    );
  }
}
