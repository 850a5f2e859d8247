import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable, recap, runIserPlaybook, sshplay, tempDir } from './helpers.js';
import { iserAssertions } from './iser-assertions.js';

const missing = e2eUnavailable();

describeNeeding(missing)('iSER playbooks on a mixed RHEL/SLES fleet', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  const check = () => iserAssertions(() => fleet);
  const run = (...extra: string[]) => runIserPlaybook(fleet.knownHostsFile, inventory, 'iser.yml', ...extra);

  beforeAll(async () => {
    fleet = await startNamespaceFleet({});
    dir = await tempDir('iser');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('--check --diff on fresh hosts: exit 0, real diffs, nothing changed', async () => {
    const before = await fleet.readFile('host1', '/etc/iscsi/iscsid.conf');
    const r = await run('--check', '--diff');
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(r.stdout).toContain('-node.startup = manual');
    expect(r.stdout).toContain('+node.startup = automatic');
    expect(r.stdout).toContain(`+opensm -B -g ${fleet.hosts[0]?.guids[0]} -p 15 -f /var/log/opensm-ib0.log`);
    expect(r.stdout).toContain(`+iface.initiatorname = ${fleet.hosts[0]?.initiatorIqn}`);
    expect(r.stdout).toMatch(/\$ iscsiadm -m discovery -t sendtargets -p 192\.168\.130\.101 -I iface-ib0/);
    expect(r.stdout).toMatch(/\$ parted -a optimal -s -- \/dev\/mapper\/3\w+ mklabel gpt mkpart primary ext4 0% 100%/);
    expect(await fleet.readFile('host1', '/etc/iscsi/iscsid.conf')).toBe(before);
    for (const h of fleet.hosts) expect(await check().mutatingCalls(h.name)).toEqual([]);
  });

  it('takes every host to the document end state; the second run reports changed=0', async () => {
    const first = await run();
    expect(first.code, first.stdout.slice(-4000) + first.stderr).toBe(0);
    const inGroup = fleet.hosts.filter((h) => h.name !== 'outsider');
    for (const h of inGroup) await check().endState(h);
    const second = await run();
    expect(second.code).toBe(0);
    for (const h of inGroup)
      expect(recap(second.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(await fleet.calls('outsider')).toEqual([]);
    expect(recap(second.stdout).outsider).toBeUndefined();
  });

  it('writes the worksheet from the inventory and live facts', async () => {
    const out = `${dir}/worksheet.md`;
    const r = await sshplay([
      'worksheet',
      '-i',
      inventory,
      '--known-hosts',
      fleet.knownHostsFile,
      '--limit',
      'iser_hosts',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    for (const h of fleet.hosts.filter((x) => x.name !== 'outsider')) {
      expect(text).toContain(h.initiatorIqn);
      expect(text).toContain(`192.168.130.${11 + h.index}`);
    }
    expect(text).toContain(fleet.array.targetIqn);
    expect(text).toContain('Network address 192.168.130.0, netmask 255.255.255.0');
    expect(text).toContain('| 5 | Controller A, port 1 | 192.168.130.101 |');
    expect(text).not.toContain(fleet.hosts.find((h) => h.name === 'outsider')?.initiatorIqn ?? 'none');
  });

  it('Method 2 (manual node records) reaches the same end state', async () => {
    await fleet.reset();
    const r = await run('-e', 'iser_discovery=manual');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    for (const h of fleet.hosts.filter((x) => x.name !== 'outsider')) {
      await check().endState(h);
      const calls = await fleet.calls(h.name);
      expect(calls.some((l) => /iscsiadm -m discovery/.test(l))).toBe(false);
      expect(calls.filter((l) => /iscsiadm -m node .* -o new/.test(l))).toHaveLength(4);
    }
    const again = await run('-e', 'iser_discovery=manual');
    for (const h of fleet.hosts.filter((x) => x.name !== 'outsider'))
      expect(recap(again.stdout)[h.name]?.changed, h.name).toBe(0);
  });
});
