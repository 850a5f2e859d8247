/**
 * Issue 21 point 3: RHEL 9 and NetworkManager. A RHEL 9 host has no ifup (NetworkManager-initscripts-updown
 * is not installed by default) and no network service; NetworkManager reads its profiles from root-only
 * keyfiles in /etc/NetworkManager/system-connections when it starts or on `nmcli connection reload`.
 * sshplay chooses the interface configuration from what the host uses (gathered facts: NetworkManager
 * running or enabled, ifup installed), never from the version. Every assertion reads the simulated host.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, runPlaybookOn, sshplay, tempDir } from './helpers.js';
import { iserAssertions } from './iser-assertions.js';

const missing = e2eUnavailable();
const output = (r: CliResult) => `${r.stdout.slice(-6000)}\n${r.stderr}`;
const KEYFILES = '/etc/NetworkManager/system-connections';

describeNeeding(missing)('iSER playbooks on RHEL 9 with NetworkManager keyfiles (issue 21 point 3)', () => {
  let fleet: Fleet;
  let inventory: string;
  const check = () => iserAssertions(() => fleet);
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const playbook = (limit: string, ...extra: string[]) =>
    runPlaybookOn(limit, fleet.knownHostsFile, inventory, 'iser.yml', ...extra);
  const run = (...extra: string[]) => playbook('rh9', ...extra);

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rh9', flavor: 'rhel9', groups: ['iser_hosts'] },
        // the same release with NetworkManager disabled and stopped: nothing on it can bring IPoIB up
        { name: 'rh9nonm', flavor: 'rhel9', groups: ['iser_hosts'] },
      ],
    });
    const dir = await tempDir('iser-rhel9');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('--check --diff shows the keyfiles and changes nothing', async () => {
    const r = await run('--check', '--diff');
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(`${KEYFILES}/ib0.nmconnection`);
    expect(r.stdout).toContain('+transport-mode=datagram');
    expect(r.stdout).toContain('+address1=192.168.130.11/24');
    expect(r.stdout).toContain('+address1=192.168.131.11/24');
    expect(r.stdout).not.toContain('/etc/sysconfig/network-scripts/ifcfg-ib0');
    expect(await fleet.readFile('rh9', `${KEYFILES}/ib0.nmconnection`)).toBeNull();
    expect(await check().mutatingCalls('rh9')).toEqual([]);
    expect((await fleet.calls('rh9')).filter((l) => /nmcli connection (up|reload|load)/.test(l))).toEqual([]);
  });

  it('writes root-only keyfiles, brings IPoIB up with nmcli, reaches the end state; a second run changes nothing', async () => {
    const first = await run();
    expect(first.code, output(first)).toBe(0);
    for (const [i, ib] of ['ib0', 'ib1'].entries()) {
      const path = `${KEYFILES}/${ib}.nmconnection`;
      expect((await sh('rh9', `stat -c '%U %a' ${path}`)).trim()).toBe('root 600');
      const text = (await fleet.readFile('rh9', path)) ?? '';
      expect(text).toMatch(new RegExp(`\\[connection\\]\\nid=${ib}\\ntype=infiniband\\ninterface-name=${ib}\\n`));
      expect(text).toMatch(/\[infiniband\]\ntransport-mode=datagram\nmtu=2044\n/);
      expect(text).toContain(`[ipv4]\nmethod=manual\naddress1=192.168.${130 + i}.11/24\n`);
      expect(await fleet.readFile('rh9', `/etc/sysconfig/network-scripts/ifcfg-${ib}`)).toBeNull();
      expect(await sh('rh9', `ip -o -4 addr show dev ${ib}`)).toContain(`192.168.${130 + i}.11/24`);
    }
    const calls = await fleet.calls('rh9');
    expect(calls.some((l) => / nmcli connection reload$/.test(l))).toBe(true);
    expect(calls.some((l) => / nmcli connection up ib0$/.test(l))).toBe(true);
    await check().endState(fleet.hosts[0] as (typeof fleet.hosts)[number]);

    const second = await run();
    expect(second.code, output(second)).toBe(0);
    expect(recap(second.stdout).rh9).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
  });

  it('after a reboot NetworkManager brings the keyfiles up and the sessions come back', async () => {
    await fleet.reboot('rh9');
    expect(await sh('rh9', 'ip -o -4 addr show dev ib0')).toContain('192.168.130.11/24');
    expect(await sh('rh9', 'ip -o -4 addr show dev ib1')).toContain('192.168.131.11/24');
    expect((await sh('rh9', 'iscsiadm -m session')).trim().split('\n')).toHaveLength(4);
  });

  it('a keyfile made readable by others is ignored at boot; the next run restores 0600 and brings it up', async () => {
    await fleet.exec('rh9', `chmod 0644 ${KEYFILES}/ib0.nmconnection`);
    await fleet.reboot('rh9');
    expect(await sh('rh9', 'ip -o -4 addr show dev ib0')).not.toContain('192.168.130.11');
    expect(await fleet.readFile('rh9', '/var/log/sim/NetworkManager.log')).toContain(
      `keyfile: load: "${KEYFILES}/ib0.nmconnection": failed to load connection: File permissions (100644) are insecure`,
    );
    const before = (await fleet.calls('rh9')).length;
    const r = await run();
    expect(r.code, output(r)).toBe(0);
    expect((await sh('rh9', `stat -c '%a' ${KEYFILES}/ib0.nmconnection`)).trim()).toBe('600');
    const made = (await fleet.calls('rh9')).slice(before).map((l) => l.replace(/^\d+ /, ''));
    expect(made).toContain('nmcli connection reload');
    expect(made).toContain('nmcli connection up ib0');
    expect(await sh('rh9', 'ip -o -4 addr show dev ib0')).toContain('192.168.130.11/24');
  });

  it('--check --diff of a new MTU shows the keyfile line change and leaves the host as it is', async () => {
    const before = await fleet.readFile('rh9', `${KEYFILES}/ib0.nmconnection`);
    const calls = (await fleet.calls('rh9')).length;
    const r = await run('--check', '--diff', '-e', 'ipoib_mtu=4092');
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain('-mtu=2044');
    expect(r.stdout).toContain('+mtu=4092');
    expect(await fleet.readFile('rh9', `${KEYFILES}/ib0.nmconnection`)).toBe(before);
    const mutating = await check().mutatingCalls('rh9');
    const all = await fleet.calls('rh9');
    expect(all.slice(calls).filter((l) => mutating.includes(l))).toEqual([]);
  });

  it('NetworkManager running but disabled: the run enables it, so the keyfiles come up at the next boot', async () => {
    await fleet.exec('rh9', 'systemctl disable NetworkManager');
    const r = await run();
    expect(r.code, output(r)).toBe(0);
    expect((await sh('rh9', 'systemctl is-enabled NetworkManager')).trim()).toBe('enabled');
    await fleet.reboot('rh9');
    expect(await sh('rh9', 'ip -o -4 addr show dev ib0')).toContain('192.168.130.11/24');
  });

  it("iser-teardown.yml removes sshplay's keyfiles and leaves an administrator's own keyfile", async () => {
    const own = '[connection]\nid=mgmt\ntype=ethernet\ninterface-name=eth9\n';
    await fleet.exec(
      'rh9',
      `printf '%s' '${own}' > ${KEYFILES}/mgmt.nmconnection && chmod 0600 ${KEYFILES}/mgmt.nmconnection`,
    );
    const r = await sshplay([
      'run',
      'playbooks/iser-teardown.yml',
      '-i',
      inventory,
      '--known-hosts',
      fleet.knownHostsFile,
      '--limit',
      'rh9',
    ]);
    expect(r.code, output(r)).toBe(0);
    expect(await fleet.readFile('rh9', `${KEYFILES}/ib0.nmconnection`)).toBeNull();
    expect(await fleet.readFile('rh9', `${KEYFILES}/ib1.nmconnection`)).toBeNull();
    expect(await fleet.readFile('rh9', `${KEYFILES}/mgmt.nmconnection`)).toBe(own);
  });

  it('a RHEL 9 host without NetworkManager (and without ifup) is refused by name, untouched', async () => {
    await fleet.exec('rh9nonm', 'systemctl disable --now NetworkManager');
    const r = await playbook('rh9nonm');
    expect(r.code, output(r)).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/rh9nonm: .*neither NetworkManager .* nor ifup/);
    expect(await fleet.readFile('rh9nonm', `${KEYFILES}/ib0.nmconnection`)).toBeNull();
    expect(await fleet.readFile('rh9nonm', '/etc/sysconfig/network-scripts/ifcfg-ib0')).toBeNull();
    const changes = await check().mutatingCalls('rh9nonm');
    expect(changes.map((l) => l.replace(/^\d+ /, ''))).toEqual(['systemctl disable --now NetworkManager']);
  });
});
