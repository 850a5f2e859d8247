import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { e2eUnavailable, recap, runIserPlaybook, sshplay, tempDir } from './helpers.js';

const missing = e2eUnavailable();
const RHEL_NET = '/etc/sysconfig/network-scripts';
const ADMIN_IFCFG = 'DEVICE=stor1\nTYPE=InfiniBand\nONBOOT=no\n';

/**
 * Ports by identity (issue 16, point 3) and ports that are not Active yet (point 4), on RHEL 8, SLES 15
 * and Ubuntu 22.04: two hosts carry two HCAs (mlx5_0 on another fabric, its port 2 Down; the storage
 * ports on mlx5_1: ib2/ib3 on RHEL 8, ibp175s0f0/f1 on Ubuntu 22.04), two have no switch subnet manager and
 * run opensm themselves.
 */
describeNeeding(missing)('iSER: HCA ports by identity, subnet manager on the host', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  const run = (inv: string, ...extra: string[]) => runIserPlaybook(fleet.knownHostsFile, inv, 'iser.yml', ...extra);
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const hostOf = (name: string) => fleet.hosts.find((h) => h.name === name) as SimHost;
  const otherFabric = (h: SimHost) => h.guids.map((g) => `0x98039b03${g.slice(10)}`);

  /** Interface names per host, and the inventory's identity for them. */
  const names: Record<'rh2hca' | 'slsm' | 'ub2hca', [string, string]> = {
    rh2hca: ['stor0', 'stor1'],
    slsm: ['ib0', 'ib1'],
    ub2hca: ['ib0', 'ib1'],
  };
  const address = (h: SimHost, i: number) => `192.168.${130 + i}.${11 + h.index}`;
  const portals = (ifaces: [string, string]) =>
    fleet.array.portals.map((a, i) => ({ address: a, iface: `iface-${ifaces[i < 2 ? 0 : 1]}` }));

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rh2hca', flavor: 'rhel8', groups: ['iser_hosts'], hcas: 2 },
        { name: 'slsm', flavor: 'sles15', groups: ['iser_hosts'], switchSm: false },
        { name: 'ub2hca', flavor: 'ubuntu22', groups: ['iser_hosts'], hcas: 2, switchSm: false },
      ],
    });
    dir = await tempDir('iser-ports');
    // slsm was set up by an earlier sshplay, which wrote the udev rules file whole (by position)
    const sl = hostOf('slsm');
    const oldRule = (g: string, n: string) =>
      `ACTION=="add", SUBSYSTEM=="net", DRIVERS=="?*", ATTR{type}=="32", ATTR{address}=="?*${g.slice(2).match(/../g)?.join(':')}", NAME="${n}"`;
    await fleet.exec(
      'slsm',
      `printf '%s\\n' '# Managed by sshplay (iser-ipoib.yml): persistent IPoIB names. The last 8 bytes of an IPoIB hardware' '# address are the HCA port GUID (ibstat -p), so each name follows its port.' '${oldRule(sl.guids[0], 'ib0')}' '${oldRule(sl.guids[1], 'ib1')}' > /etc/udev/rules.d/70-persistent-ipoib.rules`,
    );
    // an administrator's own file for one of the interfaces: sshplay keeps it as a backup, teardown puts it back
    await fleet.exec('rh2hca', `printf '${ADMIN_IFCFG}' > ${RHEL_NET}/ifcfg-stor1`);
    const rh = hostOf('rh2hca');
    const ub = hostOf('ub2hca');
    inventory = await fleet.writeInventory({
      file: `${dir}/hosts.yml`,
      extraHostVars: {
        rh2hca: {
          ipoib_interfaces: [
            { name: 'stor0', address: `${address(rh, 0)}/24`, port_guid: rh.guids[0] },
            { name: 'stor1', address: `${address(rh, 1)}/24`, ca: 'mlx5_1', port: 2 },
          ],
          iser_target_portals: portals(names.rh2hca),
        },
        // the switches run no SM: the host's opensm must come up before the iSCSI logins at boot
        slsm: { opensm_boot: 'systemd' },
        ub2hca: {
          ipoib_interfaces: [
            { name: 'ib0', address: `${address(ub, 0)}/24`, port_guid: ub.guids[0].toUpperCase().replace('0X', '0x') },
            { name: 'ib1', address: `${address(ub, 1)}/24`, ca: 'mlx5_1', port: 2 },
          ],
          iser_target_portals: portals(names.ub2hca),
          opensm_boot: 'systemd',
        },
      },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  /** What the document's end state means for the ports, read on the host itself. */
  async function portsEndState(h: SimHost): Promise<void> {
    const [n0, n1] = names[h.name as keyof typeof names];
    const links = await sh(h.name, 'ip -o link show');
    const guidOf = (dev: string) => {
      const m = new RegExp(`^\\d+: ${dev}: .*link/infiniband ((?:[0-9a-f]{2}:){19}[0-9a-f]{2})`, 'm').exec(links);
      return m ? `0x${(m[1] as string).split(':').slice(12).join('')}` : null;
    };
    // each interface name is the device of its own port (by GUID), not of the other fabric's
    expect(guidOf(n0), `${h.name} ${n0}`).toBe(h.guids[0]);
    expect(guidOf(n1), `${h.name} ${n1}`).toBe(h.guids[1]);
    expect(await sh(h.name, `ip -o -4 addr show dev ${n0}`)).toContain(`inet ${address(h, 0)}/24`);
    expect(await sh(h.name, `ip -o -4 addr show dev ${n1}`)).toContain(`inet ${address(h, 1)}/24`);
    // udev: sshplay's block names the storage ports by GUID; on RHEL rdma-core's sample text is kept
    const rules = (await fleet.readFile(h.name, '/etc/udev/rules.d/70-persistent-ipoib.rules')) ?? '';
    const ruleLines = rules.split('\n').filter((l) => l.startsWith('ACTION=='));
    const colons = (g: string) => g.slice(2).match(/../g)?.join(':');
    expect(ruleLines).toEqual([
      `ACTION=="add", SUBSYSTEM=="net", DRIVERS=="?*", ATTR{type}=="32", ATTR{address}=="?*${colons(h.guids[0])}", NAME="${n0}"`,
      `ACTION=="add", SUBSYSTEM=="net", DRIVERS=="?*", ATTR{type}=="32", ATTR{address}=="?*${colons(h.guids[1])}", NAME="${n1}"`,
    ]);
    expect(rules).toContain('# BEGIN sshplay: persistent IPoIB names by port GUID (iser-ipoib.yml)');
    if (h.flavor.startsWith('rhel')) expect(rules).toMatch(/^# This is a sample udev rules file/);
    // opensm runs on the storage ports' GUIDs only, never on the other fabric's
    for (const g of h.guids)
      expect((await sh(h.name, `pgrep -fc "[o]pensm -B -g ${g}"`)).trim(), `${h.name} opensm ${g}`).toBe('1');
    for (const g of otherFabric(h))
      expect(await sh(h.name, `pgrep -f "[o]pensm -B -g ${g}" || echo none`)).toBe('none\n');
    // the storage ports are Active; sessions: one per portal, through the device of that portal's subnet
    for (const port of [1, 2])
      expect(await sh(h.name, `ibstat ${h.name.endsWith('2hca') ? 'mlx5_1' : 'mlx5_0'} ${port}`)).toContain(
        'State: Active',
      );
    const sessions = (await sh(h.name, 'sim-ctl sessions')).trim().split('\n');
    expect(sessions, `${h.name} sessions`).toHaveLength(4);
    for (const [i, portal] of fleet.array.portals.entries()) {
      const dev = i < 2 ? n0 : n1;
      expect(
        sessions.some((s) => s.split(' ')[2] === portal && s.split(' ')[7] === dev),
        `${h.name} ${portal} via ${dev}`,
      ).toBe(true);
    }
  }

  it('a host with two HCAs and no port identity is refused, naming the ports it has', async () => {
    const plain = await fleet.writeInventory({
      file: `${dir}/plain.yml`,
      extraHostVars: { rh2hca: { iser_target_portals: portals(['ib0', 'ib1']) } },
    });
    const r = await runIserPlaybook(fleet.knownHostsFile, plain, 'iser.yml', '--limit', 'rh2hca');
    expect(r.code).not.toBe(0);
    const h = hostOf('rh2hca');
    expect(r.stdout).toContain('rh2hca: ipoib_interfaces[0] (ib0) names no port, and the host has 4 ports on 2 HCAs');
    expect(r.stdout).toContain(`mlx5_0 port 2 (${otherFabric(h)[1]}, Down/Polling)`);
    expect(r.stdout).toContain(`mlx5_1 port 1 (${h.guids[0]}, Active/LinkUp)`);
    // nothing was configured on the wrong ports
    expect(await fleet.readFile('rh2hca', '/etc/sysconfig/network-scripts/ifcfg-ib0')).toBeNull();
    expect(await sh('rh2hca', 'pgrep -f "[o]pensm -B" || echo none')).toBe('none\n');
  });

  it('an unquoted port_guid (YAML reads it as a number and loses digits) is refused before any host is touched', async () => {
    const text = await readFile(inventory, 'utf8');
    const g = hostOf('rh2hca').guids[0];
    expect(text).toContain(`port_guid: "${g}"`);
    const unquoted = `${dir}/unquoted.yml`;
    await writeFile(unquoted, text.replace(`port_guid: "${g}"`, `port_guid: ${g}`));
    const before = (await fleet.calls('rh2hca')).length;
    const r = await runIserPlaybook(fleet.knownHostsFile, unquoted, 'iser.yml');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('rh2hca: ipoib_interfaces[0] names its port either by port_guid (quoted');
    expect(await fleet.calls('rh2hca')).toHaveLength(before);
  });

  it('without an SM on the fabric, a host that does not run one is refused (ports Initializing, not Down)', async () => {
    expect(await sh('slsm', 'ibstat mlx5_0 1')).toMatch(/State: Initializing\nPhysical state: LinkUp/);
    // the inventory without opensm_port_priorities: nothing runs an SM for these ports
    const noSm = await fleet.writeInventory({
      file: `${dir}/no-sm.yml`,
      groupVars: { opensm_port_priorities: undefined },
    });
    expect(await readFile(noSm, 'utf8')).not.toContain('opensm_port_priorities');
    const r = await run(noSm, '--limit', 'slsm');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /slsm: ib0 is mlx5_0 port 1 \(0x[0-9a-f]{16}, Initializing\/LinkUp\): the link is up but no subnet manager/,
    );
  });

  it('--check --diff on the fresh hosts: the renames and rules are previewed, nothing changes', async () => {
    const r = await run(inventory, '--check', '--diff');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(r.stdout).toContain('would rename ib2 -> stor0, ib3 -> stor1');
    expect(r.stdout).toContain('would rename ibp175s0f0 -> ib0, ibp175s0f1 -> ib1');
    expect(r.stdout).toContain(
      `ATTR{address}=="?*${hostOf('rh2hca').guids[0].slice(2).match(/../g)?.join(':')}", NAME="stor0"`,
    );
    for (const h of fleet.hosts) {
      const calls = await fleet.calls(h.name);
      expect(
        calls.filter((l) => / ip link set | opensm -B | ifup | netplan apply/.test(l)),
        h.name,
      ).toEqual([]);
    }
    expect(await sh('rh2hca', 'ip -o link show | grep -c "ib[0-3]:"')).toBe('4\n');
  });

  it("a port the host's SM does not bring up in time fails after ipoib_active_timeout, naming host and port", async () => {
    // this host's opensm now takes 30 s to sweep its fabric
    await fleet.exec('slsm', 'echo SIM_SM_SWEEP_S=30 >> /etc/sim/host.conf');
    const r = await run(inventory, '--limit', 'slsm', '-e', 'ipoib_active_timeout=2');
    await fleet.exec('slsm', "sed -i '/^SIM_SM_SWEEP_S=/d' /etc/sim/host.conf");
    expect(r.code).not.toBe(0);
    const g = hostOf('slsm').guids[0];
    expect(r.stdout + r.stderr).toContain(
      `slsm: ib0 (mlx5_0 port 1, ${g}) is still Initializing/LinkUp after 2 s: the subnet manager has not brought it up (opensm -g ${g}`,
    );
    expect(await fleet.readFile('slsm', '/etc/sysconfig/network/ifcfg-ib0')).toBeNull();
  });

  it('takes every host to the end state on the right ports; a second run changes nothing', async () => {
    // ub2hca's opensm takes 3 s to sweep: the play must wait for Active before IPoIB
    await fleet.exec('ub2hca', 'echo SIM_SM_SWEEP_S=3 >> /etc/sim/host.conf');
    const first = await run(inventory);
    await fleet.exec('ub2hca', "sed -i '/^SIM_SM_SWEEP_S=/d' /etc/sim/host.conf");
    expect(first.code, first.stdout.slice(-5000) + first.stderr).toBe(0);
    for (const h of fleet.hosts) await portsEndState(h);
    expect(await fleet.readFile('slsm', '/etc/udev/rules.d/70-persistent-ipoib.rules')).not.toContain(
      'Managed by sshplay',
    );
    // the two-HCA hosts' storage devices were renamed now, not at a reboot: from the kernel's ib2/ib3
    // on RHEL 8, from udev's predictable PCI-path names on Ubuntu 22.04
    for (const [name, from] of [
      ['rh2hca', ['ib2', 'ib3']],
      ['ub2hca', ['ibp175s0f0', 'ibp175s0f1']],
    ] as const) {
      const calls = await fleet.calls(name);
      expect(calls.filter((l) => / ip link set \S+ name /.test(l)).map((l) => l.replace(/^\d+ /, ''))).toEqual([
        `ip link set ${from[0]} name ${names[name][0]}`,
        `ip link set ${from[1]} name ${names[name][1]}`,
      ]);
    }
    // the hosts without a switch SM started opensm, checked their ports Active, then brought IPoIB up
    for (const [name, ca, up] of [
      ['slsm', 'mlx5_0', / wicked ifup ib0$/],
      ['ub2hca', 'mlx5_1', / netplan apply$/],
    ] as const) {
      const calls = await fleet.calls(name);
      const at = (re: RegExp) => calls.findIndex((l) => re.test(l));
      const opensm = at(/ opensm -B -g /);
      const ibstat = calls.findIndex((l, i) => i > opensm && l.endsWith(` ibstat ${ca} 1`));
      expect(opensm, name).toBeGreaterThan(-1);
      expect(ibstat, name).toBeGreaterThan(opensm);
      expect(at(up), name).toBeGreaterThan(ibstat);
    }
    const ub = await fleet.calls('ub2hca');
    const opensmAt = ub.findIndex((l) => / opensm -B -g /.test(l));
    const polls = ub.filter((l, i) => i > opensmAt && l.endsWith(' ibstat mlx5_1 1'));
    expect(polls.length, 'ub2hca polled its port until Active').toBeGreaterThan(1);
    const backups = await sh('rh2hca', `for f in ${RHEL_NET}/ifcfg-stor1.*.bak; do cat "$f"; done`);
    expect(backups).toBe('DEVICE=stor1\nTYPE=InfiniBand\nONBOOT=no\n');
    const second = await run(inventory);
    expect(second.code).toBe(0);
    for (const h of fleet.hosts)
      expect(recap(second.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
  });

  it('the worksheet records the storage ports by identity, not the first ports ibstat lists', async () => {
    const r = await sshplay([
      'worksheet',
      '-i',
      inventory,
      '--known-hosts',
      fleet.knownHostsFile,
      '--limit',
      'iser_hosts',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['rh2hca', 'ub2hca']) {
      const h = hostOf(name);
      // the storage fabric's GUIDs (mlx5_1) are recorded; mlx5_0's (another fabric, listed first) are not
      for (const g of h.guids) expect(r.stdout.toLowerCase(), name).toContain(g.toLowerCase().replace(/^0x/, ''));
      const other = (await sh(name, 'ibstat -p'))
        .trim()
        .split('\n')
        .filter((g) => !h.guids.includes(g));
      expect(other.length, name).toBe(2);
      for (const g of other) expect(r.stdout.toLowerCase(), name).not.toContain(g.toLowerCase().replace(/^0x/, ''));
    }
  });

  it('after a reboot: udev names the ports, opensm and the sessions come back on the right ports', async () => {
    for (const h of fleet.hosts) await fleet.reboot(h.name);
    for (const h of fleet.hosts) {
      await portsEndState(h);
      expect(await sh(h.name, 'grep -c "Failed to rename" /var/log/sim/boot.log || true')).toBe('0\n');
    }
    const again = await run(inventory);
    expect(again.code, again.stdout.slice(-3000)).toBe(0);
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
  });

  it('teardown removes only what sshplay added: its udev block and interface files', async () => {
    const r = await runIserPlaybook(fleet.knownHostsFile, inventory, 'iser-teardown.yml');
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    const rules = (await fleet.readFile('rh2hca', '/etc/udev/rules.d/70-persistent-ipoib.rules')) ?? '';
    expect(rules).toMatch(/^# This is a sample udev rules file/);
    expect(rules).not.toContain('sshplay');
    expect(rules.split('\n').filter((l) => l.startsWith('ACTION=='))).toEqual([]);
    expect(await fleet.readFile('rh2hca', `${RHEL_NET}/ifcfg-stor0`)).toBeNull();
    expect(await fleet.readFile('rh2hca', `${RHEL_NET}/ifcfg-stor1`)).toBe(
      'DEVICE=stor1\nTYPE=InfiniBand\nONBOOT=no\n',
    );
    expect(await sh('rh2hca', `ls ${RHEL_NET} | grep -c bak || true`)).toBe('0\n');
    for (const h of ['slsm', 'ub2hca'])
      expect(await fleet.readFile(h, '/etc/udev/rules.d/70-persistent-ipoib.rules'), h).toBeNull();
    expect(await fleet.readFile('ub2hca', '/etc/netplan/60-sshplay-ipoib.yaml')).toBeNull();
    expect(await fleet.readFile('ub2hca', '/etc/netplan/00-installer-config.yaml')).toContain('network:');
  });
});
