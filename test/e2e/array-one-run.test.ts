import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { type ArrayHostLink, linkArrayToFleet, volumeWwid } from '../target/array/host-link.js';
import { arrayInventoryYaml, withoutArrayValues } from '../target/array/inventory.js';
import { makeSelfSignedCert, removeCert, type SelfSignedCert, SimulatedArray } from '../target/array/server.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable, ROOT, recap, sshplay, tempDir } from './helpers.js';

/**
 * Issue 23's "done when": ONE `sshplay run playbooks/iser.yml` against the simulated array (wired to the hosts,
 * test/target/array/host-link.ts) and a mixed RHEL/SLES/Ubuntu fleet, from an inventory that names no target IQN, no
 * portal address and no WWID for the hosts: a wrong API password fails the array play and changes no host; --check
 * changes nothing on either side; a run reaches the end state, asserted from the array's API and from the hosts; a
 * second run changes nothing.
 */
const PASSWORD = 'One-Run-Array-Pw-7';
const MUTATING =
  /\b(opensm -B|dracut|update-initramfs|ifup|wicked ifup|netplan apply|parted|mkfs|kpartx|mount |systemctl (start|restart|enable|stop|disable)|iscsiadm .*(-o (new|update|delete)|--login|-l\b|-u\b|-m discovery))/;

describeNeeding(e2eUnavailable())('playbooks/iser.yml: the array and the hosts in one run', () => {
  let fleet: Fleet;
  let cert: SelfSignedCert;
  let array: SimulatedArray;
  let link: ArrayHostLink;
  let dir: string;
  let hostsInv: string;
  let url: string;

  const arrayInventory = async (password: string) => {
    const file = join(dir, `array-${password.length}-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, arrayInventoryYaml({ url, certSha256: cert.sha256, password, hosts: fleet.hosts }));
    return file;
  };
  const run = async (password: string, ...extra: string[]) =>
    sshplay([
      'run',
      join(ROOT, 'playbooks/iser.yml'),
      '-i',
      hostsInv,
      '-i',
      await arrayInventory(password),
      '--known-hosts',
      fleet.knownHostsFile,
      ...extra,
    ]);
  const out = (r: { stdout: string; stderr: string }) => `${r.stdout.slice(-5000)}\n${r.stderr}`;
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rh', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'sl', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'ub', flavor: 'ubuntu22', groups: ['iser_hosts'] },
      ],
    });
    dir = await tempDir('one-run');
    cert = makeSelfSignedCert();
    array = new SimulatedArray(cert, { password: PASSWORD });
    url = await array.start();
    link = linkArrayToFleet(array, fleet);
    // the fleet's inventory without what the array now tells the hosts: no target IQN, no portals, no WWID
    const file = await fleet.writeInventory({ file: join(dir, 'hosts.yml') });
    hostsInv = join(dir, 'hosts-no-array-values.yml');
    const text = withoutArrayValues(await readFile(file, 'utf8'));
    expect(text).not.toMatch(/iqn\.1992-08|192\.168\.13[01]\.10[12]|\b3[0-9a-f]{32}\b/);
    await writeFile(hostsInv, text);
  });
  afterAll(async () => {
    link?.unlink();
    await array?.stop();
    if (cert) removeCert(cert);
    await fleet?.stop();
  });

  it('a wrong API password fails the array play with a clear message and stops the run before any host is changed', async () => {
    const r = await run('Not-The-Password-3');
    expect(r.code, out(r)).not.toBe(0);
    expect(out(r)).toMatch(
      /array1: the array refused the credentials \(401 .*check eseries_api_username and eseries_api_password/,
    );
    expect(out(r)).not.toContain('Not-The-Password-3');
    expect(array.state.changeLog).toEqual([]);
    // the hosts were only read (the facts the plays declare are read ahead when a host is first connected)
    for (const h of fleet.hosts)
      expect(
        (await fleet.calls(h.name)).filter((l) => MUTATING.test(l)),
        h.name,
      ).toEqual([]);
    expect(out(r)).not.toMatch(/changed: \[(rh|sl|ub)\]/);
  });

  it('--check changes nothing on either side, and shows what both would do', async () => {
    const r = await run(PASSWORD, '--check', '--diff');
    expect(r.code, out(r)).toBe(0);
    expect(array.state.changeLog).toEqual([]);
    for (const h of fleet.hosts)
      expect(
        (await fleet.calls(h.name)).filter((l) => MUTATING.test(l)),
        h.name,
      ).toEqual([]);
    expect(r.stdout).toContain('+++ array:host/rh');
    for (const h of fleet.hosts) expect(r.stdout).toContain(`"port": "${h.initiatorIqn}"`);
    // the hosts' discovery goes to the portal the array will have, learnt from the array's play
    expect(r.stdout).toMatch(/\$ iscsiadm -m discovery -t sendtargets -p 192\.168\.130\.101 -I iface-ib0/);
  });

  it('one run: the array defines the hosts by the IQNs they report, the hosts find the array and mount its volumes', async () => {
    const r = await run(PASSWORD);
    expect(r.code, out(r)).toBe(0);
    // from the array's API: the hosts with their own IQNs and host type, a volume each mapped as LUN 1
    const hosts = array.answer('GET', 'hosts') as {
      name: string;
      hostTypeIndex: number;
      hostSidePorts: { address: string }[];
    }[];
    expect(hosts.map((h) => [h.name, h.hostTypeIndex, h.hostSidePorts.map((p) => p.address)])).toEqual(
      fleet.hosts.map((h) => [h.name, 28, [h.initiatorIqn]]),
    );
    const volumes = array.answer('GET', 'volumes') as {
      name: string;
      wwn: string;
      listOfMappings: { lun: number; mapRef: string }[];
    }[];
    for (const h of fleet.hosts) {
      const v = volumes.find((x) => x.name === `vol_${h.name}`);
      expect(
        v?.listOfMappings.map((m) => [m.lun, m.mapRef]),
        h.name,
      ).toEqual([[1, array.state.hosts.find((x) => x.name === h.name)?.id]]);
    }
    // the array sees each host's four sessions (two per controller)
    await array.refreshSessions();
    for (const h of fleet.hosts) {
      const mine = array.state.sessions.filter((s) => s.initiatorIqn === h.initiatorIqn);
      expect(mine.map((s) => s.controller).sort(), h.name).toEqual(['A', 'A', 'B', 'B']);
    }
    expect(out(r)).toMatch(/ok: \[array1\] Check the sessions from the array/);
    // from the hosts: sessions to the array's IQN, the volume's WWID mounted
    for (const h of fleet.hosts) {
      const wwid = volumeWwid((volumes.find((x) => x.name === `vol_${h.name}`) as { wwn: string }).wwn);
      const sessions = await sh(h.name, 'iscsiadm -m session');
      expect(sessions.trim().split('\n'), h.name).toHaveLength(4);
      for (const [portal, tag] of [
        ['192.168.130.101', 1],
        ['192.168.130.102', 2],
        ['192.168.131.101', 1],
        ['192.168.131.102', 2],
      ])
        expect(sessions, h.name).toContain(`${portal}:3260,${tag} ${array.state.iqn}`);
      expect(
        sessions
          .trim()
          .split('\n')
          .every((l) => l.startsWith('iser: ')),
        h.name,
      ).toBe(true);
      expect(await sh(h.name, 'findmnt -rn -o FSTYPE /mnt/iser'), h.name).toBe('ext4\n');
      expect(await fleet.readFile(h.name, '/etc/fstab'), h.name).toMatch(
        new RegExp(`^/dev/mapper/${wwid}(p|-part)?1 /mnt/iser ext4 defaults,_netdev 0 0$`, 'm'),
      );
      expect(h.lunWwid, 'the fleet default WWID is not what the host used').not.toBe(wwid);
    }
  });

  it('the worksheet shows both sides: the hosts as they report, the array as its API does; no host row for the array', async () => {
    // the default --limit (iser_hosts) and --limit all (the array among the selected hosts: it was a "(none)" host row)
    for (const limit of [[], ['--limit', 'all']]) {
      const file = join(dir, `worksheet${limit.length}.md`);
      const r = await sshplay([
        'worksheet',
        '-i',
        hostsInv,
        '-i',
        await arrayInventory(PASSWORD),
        '--known-hosts',
        fleet.knownHostsFile,
        ...limit,
        '-o',
        file,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const text = await readFile(file, 'utf8');
      expect(text).toContain(`| 6 | Array controller (target): array1 | ${array.state.iqn} |`);
      expect(text).toContain('| 5 | Controller A, port 1 | 192.168.130.101 |');
      expect(text).toContain('| 9 | Controller B, port 2 | 192.168.131.102 |');
      expect(text).not.toMatch(/Host \(initiator\) \d+: array1/);
      expect(text).not.toContain('(none)');
      for (const h of fleet.hosts) {
        expect(text).toContain(`| ${h.name} | Linux DM-MP (Kernel 3.10 or later) | ${h.initiatorIqn} |  |`);
        const v = array.state.volumes.find((x) => x.name === `vol_${h.name}`) as { wwn: string };
        expect(text).toContain(`| vol_${h.name} | ${h.name} | 1 | ${volumeWwid(v.wwn)} |`);
        // the host's own report of the same LUN
        expect(text).toMatch(new RegExp(`\\| ${h.name} \\| ${volumeWwid(v.wwn)} \\| /dev/mapper/\\S+ \\| 4/4 \\|`));
      }
    }
  });

  it('a second run changes nothing on either side', async () => {
    const before = array.state.changeLog.length;
    const r = await run(PASSWORD);
    expect(r.code, out(r)).toBe(0);
    const counts = recap(r.stdout);
    for (const name of ['array1', ...fleet.hosts.map((h) => h.name)])
      expect(counts[name], name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(array.state.changeLog.length).toBe(before);
  });
});
