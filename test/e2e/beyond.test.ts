/**
 * Issue 8, "Beyond the document", on a mixed fleet (rhel8, sles15, ubuntu22 in iser_hosts, plus an
 * outsider): CHAP (per group and per portal) against an array that requires it, sessions per portal,
 * queue depth, IPoIB MTU, Ubuntu 22.04 hosts, and playbooks/iser-teardown.yml.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, runIserPlaybook, tempDir } from './helpers.js';

const missing = e2eUnavailable();

const CHAP = { user: 'iqn.2026-11.com.example:sshplay-chap', secret: 'Kx7-sshplay-9Qw' };
const SESSIONS = 2;
const QUEUE_DEPTH = 64;
const MTU = 2044;
/** host1 (RHEL) ib0 and host3 (Ubuntu) ib1 carry their own `mtu`; every other port gets ipoib_mtu. */
const OWN_MTU = 65520;

type Family = 'rhel' | 'sles' | 'ubuntu';
const family = (h: SimHost): Family =>
  h.flavor.startsWith('rhel') ? 'rhel' : h.flavor.startsWith('sles') ? 'sles' : 'ubuntu';
const PATHS = {
  rhel: {
    nodes: '/var/lib/iscsi/nodes',
    ifaces: '/var/lib/iscsi/ifaces',
    boot: '/etc/rc.d/rc.local',
    net: '/etc/sysconfig/network-scripts',
  },
  sles: {
    nodes: '/etc/iscsi/nodes',
    ifaces: '/etc/iscsi/ifaces',
    boot: '/usr/local/sbin/subnet-manager.sh', // subnet-manager.service, the default on SLES
    net: '/etc/sysconfig/network',
  },
  ubuntu: {
    nodes: '/etc/iscsi/nodes',
    ifaces: '/etc/iscsi/ifaces',
    boot: '/usr/local/sbin/subnet-manager.sh', // subnet-manager.service, the default on Ubuntu
    net: '/etc/netplan',
  },
};
const NETPLAN = '/etc/netplan/60-sshplay-ipoib.yaml';
/** A node record of another target, made by hand before sshplay: the teardown must keep it. */
const OTHER_IQN = 'iqn.2001-05.com.example:other-array';

/** Every JSON event line of a --json run. */
function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function jsonRecap(stdout: string): Record<string, Record<string, number>> {
  const r = events(stdout).find((e) => e.type === 'recap');
  return (r?.stats ?? {}) as Record<string, Record<string, number>>;
}

const output = (r: CliResult) => `${r.stdout.slice(-5000)}\n${r.stderr}`;

describeNeeding(missing)('Beyond the document (issue 8) on rhel8, sles15 and ubuntu22', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  const group = () => fleet.hosts.filter((h) => h.name !== 'outsider');
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const run = (playbook: string, ...extra: string[]) =>
    runIserPlaybook(fleet.knownHostsFile, inventory, playbook, ...extra);
  /** No output of any run may carry a CHAP password. */
  const noSecret = (r: CliResult) => {
    expect(r.stdout).not.toContain(CHAP.secret);
    expect(r.stderr).not.toContain(CHAP.secret);
  };
  const noSecretInCalls = async () => {
    for (const h of fleet.hosts) expect((await fleet.calls(h.name)).join('\n')).not.toContain(CHAP.secret);
  };
  const records = async (h: SimHost, target: string) => {
    const list = await sh(h.name, `find ${PATHS[family(h)].nodes}/${target} -type f 2>/dev/null | sort`);
    return list.split('\n').filter(Boolean);
  };
  const callCount = async () =>
    Object.fromEntries(await Promise.all(fleet.hosts.map(async (h) => [h.name, (await fleet.calls(h.name)).length])));
  let isMutating: (l: string) => boolean = () => false;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'host1', flavor: 'rhel8', groups: ['iser_hosts', 'chap_hosts'] },
        { name: 'host2', flavor: 'sles15', groups: ['iser_hosts', 'chap_hosts'] },
        { name: 'host3', flavor: 'ubuntu22', groups: ['iser_hosts'] },
        { name: 'outsider', flavor: 'rhel8', groups: ['outside'] },
      ],
      arrayChap: { user: CHAP.user, secret: CHAP.secret },
    });
    dir = await tempDir('beyond');
    const [a1, b1, a2, b2] = fleet.array.portals as [string, string, string, string];
    const chap = { username: CHAP.user, password: CHAP.secret };
    const h1 = fleet.hosts[0] as SimHost;
    const h3 = fleet.hosts[2] as SimHost;
    inventory = await fleet.writeInventory({
      file: `${dir}/hosts.yml`,
      groupVars: { iser_sessions_per_portal: SESSIONS, iser_queue_depth: QUEUE_DEPTH, ipoib_mtu: MTU },
      extraHostVars: {
        host1: {
          ipoib_interfaces: [
            { name: 'ib0', address: `192.168.130.${11 + h1.index}/24`, mtu: OWN_MTU },
            { name: 'ib1', address: `192.168.131.${11 + h1.index}/24` },
          ],
        },
        // host3 is not in chap_hosts: no iser_chap, CHAP per portal instead.
        host3: {
          ipoib_interfaces: [
            { name: 'ib0', address: `192.168.130.${11 + h3.index}/24` },
            { name: 'ib1', address: `192.168.131.${11 + h3.index}/24`, mtu: OWN_MTU },
          ],
          iser_target_portals: [
            { address: a1, iface: 'iface-ib0', chap },
            { address: b1, iface: 'iface-ib0', chap },
            { address: a2, iface: 'iface-ib1', chap },
            { address: b2, iface: 'iface-ib1', chap },
          ],
        },
      },
    });
    // CHAP per group: iser_chap in the vars of the group chap_hosts (host1, host2).
    const doc = parse(await readFile(inventory, 'utf8'));
    doc.all.children.chap_hosts.vars = { iser_chap: chap };
    await writeFile(inventory, stringify(doc, { lineWidth: 0 }));
    const re =
      /\b(opensm -B|dracut|update-initramfs|ifup|wicked ifup|netplan apply|parted|mkfs|kpartx|mount |systemctl (start|restart|enable|stop|disable)|iscsiadm .*(-o (new|update|delete)|--login|-l\b|-u\b|-m discovery))/;
    isMutating = (l) => re.test(l);
    // Things that are not sshplay's and must survive the teardown.
    for (const h of group()) {
      await fleet.exec(
        h.name,
        `iscsiadm -m node -o new -T ${OTHER_IQN} -p 10.99.0.1 >/dev/null && echo '/dev/sdz1 /srv/other ext4 defaults 0 0' >> /etc/fstab`,
      );
    }
    await fleet.exec('host1', `echo 'echo local boot step' >> ${PATHS.rhel.boot}`);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('--check --diff shows CHAP user, sessions, queue depth and MTUs, hides the password, changes nothing', async () => {
    const before = await callCount();
    const conf = await fleet.readFile('host1', '/etc/iscsi/iscsid.conf');
    const r = await run('iser.yml', '--check', '--diff');
    expect(r.code, output(r)).toBe(0);
    noSecret(r);
    expect(r.stdout).toContain(`+node.session.nr_sessions = ${SESSIONS}`);
    expect(r.stdout).toContain(`+node.session.queue_depth = ${QUEUE_DEPTH}`);
    expect(r.stdout).toContain('+node.session.auth.authmethod = CHAP');
    expect(r.stdout).toContain(`+node.session.auth.username = ${CHAP.user}`);
    expect(r.stdout).toContain(`+MTU=${OWN_MTU}`);
    expect(r.stdout).toContain(`+MTU=${MTU}`);
    expect(r.stdout).toContain(`+MTU='${MTU}'`);
    expect(r.stdout).toContain(`+      mtu: ${OWN_MTU}`);
    expect(r.stdout).toContain(`+      mtu: ${MTU}`);
    expect(r.stdout).toContain(NETPLAN);
    expect(await fleet.readFile('host1', '/etc/iscsi/iscsid.conf')).toBe(conf);
    const after = await fleet.calls('host3');
    expect(after.some((l) => /^\d+ dpkg -s /.test(l))).toBe(true);
    for (const h of fleet.hosts) {
      const calls = (await fleet.calls(h.name)).slice(before[h.name]);
      expect(calls.filter(isMutating), h.name).toEqual([]);
    }
    expect(await fleet.calls('outsider')).toEqual([]);
    await noSecretInCalls();
  });

  it('applies everything (CHAP logins to an array that requires it), hides the password, second run changed=0', async () => {
    // --json: the events carry diffs, commands and items; none may carry the password.
    const first = await run('iser.yml', '--diff', '--json');
    expect(first.code, output(first)).toBe(0);
    noSecret(first);
    expect(events(first.stdout).some((e) => typeof e.diff === 'string' && e.diff.includes('nr_sessions'))).toBe(true);
    for (const h of group()) expect(jsonRecap(first.stdout)[h.name], h.name).toMatchObject({ failed: 0 });
    for (const h of group()) {
      const f = family(h);
      const p = PATHS[f];
      const conf = (await fleet.readFile(h.name, '/etc/iscsi/iscsid.conf')) ?? '';
      expect(conf).toMatch(new RegExp(`^node\\.session\\.nr_sessions = ${SESSIONS}$`, 'm'));
      expect(conf).toMatch(new RegExp(`^node\\.session\\.queue_depth = ${QUEUE_DEPTH}$`, 'm'));
      expect(conf).toMatch(/^node\.startup = automatic$/m);
      expect(conf).toMatch(/^node\.session\.timeo\.replacement_timeout = 20$/m);
      if (h.name === 'host3') {
        // CHAP per portal only: iscsid.conf keeps no CHAP of the group.
        expect(conf).not.toMatch(/^node\.session\.auth\.authmethod\s*=\s*CHAP/m);
      } else {
        expect(conf).toMatch(/^node\.session\.auth\.authmethod = CHAP$/m);
        expect(conf).toContain(`\nnode.session.auth.username = ${CHAP.user}\n`);
        expect(conf).toContain(`\nnode.session.auth.password = ${CHAP.secret}\n`);
      }
      const recs = await records(h, fleet.array.targetIqn);
      expect(recs, h.name).toHaveLength(4);
      for (const rec of recs) {
        const text = (await fleet.readFile(h.name, rec)) ?? '';
        expect(text).toContain('node.session.auth.authmethod = CHAP\n');
        expect(text).toContain(`node.session.auth.username = ${CHAP.user}\n`);
        expect(text).toContain(`node.session.auth.password = ${CHAP.secret}\n`);
        expect(text).toContain(`node.session.nr_sessions = ${SESSIONS}\n`);
        expect(text).toContain(`node.session.queue_depth = ${QUEUE_DEPTH}\n`);
        expect(text).toContain('node.startup = automatic\n');
      }
      const sessions = (await sh(h.name, 'iscsiadm -m session')).trim().split('\n');
      expect(sessions, h.name).toHaveLength(4 * SESSIONS);
      for (const portal of fleet.array.portals)
        expect(sessions.filter((l) => l.includes(`${portal}:3260,`))).toHaveLength(SESSIONS);
      // Interface files with the MTU (per interface `mtu` wins over ipoib_mtu).
      const mtu = (ib: string) =>
        (h.name === 'host1' && ib === 'ib0') || (h.name === 'host3' && ib === 'ib1') ? OWN_MTU : MTU;
      if (f === 'ubuntu') {
        const netplan = (await fleet.readFile(h.name, NETPLAN)) ?? '';
        expect(netplan).toContain('# Managed by sshplay');
        for (const [i, ib] of ['ib0', 'ib1'].entries()) {
          expect(netplan).toContain(
            `    ${ib}:\n      addresses: [192.168.${130 + i}.${11 + h.index}/24]\n      mtu: ${mtu(ib)}\n`,
          );
        }
        expect((await sh(h.name, `stat -c %a ${NETPLAN}`)).trim()).toBe('600');
        const calls = await fleet.calls(h.name);
        expect(calls.some((l) => / update-initramfs -u -k /.test(l))).toBe(true);
        expect(calls.some((l) => / netplan apply$/.test(l))).toBe(true);
        expect(calls.some((l) => / rpm /.test(l))).toBe(false);
        expect((await sh(h.name, 'ip -o -4 addr show ib0')).trim()).toContain(`192.168.130.${11 + h.index}/24`);
      } else {
        for (const ib of ['ib0', 'ib1']) {
          const ifcfg = (await fleet.readFile(h.name, `${p.net}/ifcfg-${ib}`)) ?? '';
          expect(ifcfg).toContain(f === 'rhel' ? `\nMTU=${mtu(ib)}\n` : `\nMTU='${mtu(ib)}'\n`);
        }
      }
      // The rest of the document's end state, on every OS.
      for (const ib of ['ib0', 'ib1']) {
        const iface = (await fleet.readFile(h.name, `${p.ifaces}/iface-${ib}`)) ?? '';
        expect(iface).toContain('iface.transport_name = iser');
        expect(iface).toContain(`iface.initiatorname = ${h.initiatorIqn}`);
      }
      const boot = (await fleet.readFile(h.name, p.boot)) ?? '';
      expect(boot.split('\n').filter((l) => /^(opensm|start_sm) /.test(l))).toEqual(
        f === 'rhel'
          ? [
              `opensm -B -g ${h.guids[0]} -p 15 -f /var/log/opensm-ib0.log`,
              `opensm -B -g ${h.guids[1]} -p 1 -f /var/log/opensm-ib1.log`,
            ]
          : [
              `start_sm ${h.guids[0]} 15 /var/log/opensm-ib0.log || rc=1`,
              `start_sm ${h.guids[1]} 1 /var/log/opensm-ib1.log || rc=1`,
            ],
      );
      expect((await sh(h.name, `test -x ${p.boot} && echo exec`)).trim()).toBe('exec');
      expect(await sh(h.name, 'findmnt -rn -o FSTYPE /mnt/iser')).toBe('ext4\n');
      const part = (await sh(h.name, `dmsetup info -c --noheadings -o name -u part1-mpath-${h.lunWwid}`)).trim();
      expect(part, h.name).toMatch(new RegExp(`^${h.lunWwid}(p|-part)?1$`));
      expect(await fleet.readFile(h.name, '/etc/fstab')).toContain(
        `/dev/mapper/${part} /mnt/iser ext4 defaults,_netdev 0 0`,
      );
    }
    await noSecretInCalls();

    const second = await run('iser.yml', '--diff');
    expect(second.code, output(second)).toBe(0);
    noSecret(second);
    const stats = recap(second.stdout);
    for (const h of group()) expect(stats[h.name], h.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(stats.outsider).toBeUndefined();
    expect(await fleet.calls('outsider')).toEqual([]);
    await noSecretInCalls();
  });

  it('iser-teardown.yml: --check --diff previews and changes nothing; the teardown undoes the array setup only', async () => {
    // An interface file the admin wrote (no "Managed by sshplay" header) is kept.
    const own = "# written by the admin\nBOOTPROTO='static'\nIPADDR='192.168.131.99/24'\nSTARTMODE='auto'\n";
    await fleet.exec('host2', `printf '%s' "${own}" > ${PATHS.sles.net}/ifcfg-ib1`);
    const keep: Record<string, Record<string, string | null>> = {};
    for (const h of group()) {
      keep[h.name] = {};
      for (const f of ['/etc/iscsi/iscsid.conf', '/etc/multipath.conf', '/etc/iscsi/initiatorname.iscsi'])
        (keep[h.name] as Record<string, string | null>)[f] = await fleet.readFile(h.name, f);
    }
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all(
          group().map(async (h) => [
            h.name,
            await sh(
              h.name,
              `iscsiadm -m session; find /etc/iscsi /var/lib/iscsi /etc/sysconfig /etc/netplan /etc/udev/rules.d -type f 2>/dev/null | sort | xargs md5sum; md5sum /etc/fstab ${PATHS[family(h)].boot}; findmnt -rn /mnt/iser`,
            ),
          ]),
        ),
      );
    const before = await snapshot();
    const count = await callCount();
    const preview = await run('iser-teardown.yml', '--check', '--diff');
    expect(preview.code, output(preview)).toBe(0);
    noSecret(preview);
    expect(preview.stdout).toMatch(/log out and delete the record 192\.168\.130\.101 via iface-ib0/);
    expect(preview.stdout).toContain('-opensm -B -g');
    expect(preview.stdout).toContain(NETPLAN);
    expect(await snapshot()).toEqual(before);
    for (const h of fleet.hosts) {
      const calls = (await fleet.calls(h.name)).slice(count[h.name]);
      expect(calls.filter(isMutating), h.name).toEqual([]);
    }

    const down = await run('iser-teardown.yml', '--diff');
    expect(down.code, output(down)).toBe(0);
    noSecret(down);
    for (const h of group()) {
      const p = PATHS[family(h)];
      // Logged out of the array, its records and the iSER ifaces gone; the other target's record kept.
      expect(await sh(h.name, 'iscsiadm -m session 2>&1')).not.toContain(fleet.array.targetIqn);
      expect(await records(h, fleet.array.targetIqn), h.name).toEqual([]);
      expect(await records(h, OTHER_IQN), h.name).toHaveLength(1);
      for (const ib of ['ib0', 'ib1']) expect(await fleet.readFile(h.name, `${p.ifaces}/iface-${ib}`)).toBeNull();
      // The opensm block is gone from the boot file; other lines stay.
      const boot = (await fleet.readFile(h.name, p.boot)) ?? '';
      expect(boot).not.toContain('opensm');
      expect(boot).not.toContain('sshplay');
      if (h.name === 'host1') expect(boot).toContain('echo local boot step\n');
      // LUN unmounted, its fstab entry gone, the other entry kept.
      expect((await fleet.exec(h.name, 'findmnt -rn /mnt/iser')).stdout).toBe('');
      const fstab = (await fleet.readFile(h.name, '/etc/fstab')) ?? '';
      expect(fstab).not.toContain('/mnt/iser');
      expect(fstab).toContain('/dev/sdz1 /srv/other ext4 defaults 0 0');
      // sshplay's interface files removed; the admin's own kept.
      if (family(h) === 'ubuntu') expect(await fleet.readFile(h.name, NETPLAN)).toBeNull();
      else
        for (const ib of ['ib0', 'ib1']) {
          const file = await fleet.readFile(h.name, `${p.net}/ifcfg-${ib}`);
          if (h.name === 'host2' && ib === 'ib1') expect(file).toBe(own);
          else expect(file, `${h.name} ifcfg-${ib}`).toBeNull();
        }
      // sshplay's udev block gone: RHEL keeps rdma-core's sample (comments only), elsewhere the file sshplay made is gone
      const rules = await fleet.readFile(h.name, '/etc/udev/rules.d/70-persistent-ipoib.rules');
      if (family(h) === 'rhel') expect(rules).toMatch(/^# This is a sample udev rules file[\s\S]*NAME="mlx4_ib3"\n$/);
      else expect(rules, h.name).toBeNull();
      // Everything else as it was: iscsid.conf (with its CHAP), multipath.conf, the initiator name.
      for (const [f, text] of Object.entries(keep[h.name] ?? {}))
        expect(await fleet.readFile(h.name, f), `${h.name} ${f}`).toBe(text);
    }
    expect(await fleet.calls('outsider')).toEqual([]);

    const again = await run('iser-teardown.yml');
    expect(again.code, output(again)).toBe(0);
    for (const h of group())
      expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    await noSecretInCalls();
  });
});
