/**
 * The iSCSI side of the iSER playbooks on RHEL 8, SLES 15 and Ubuntu 22.04, asserted on the hosts
 * themselves: node records on disk under the portal group tag the array reported (controller A 1,
 * controller B 2; `-o new` records -1), sessions with their iface and transport (`iscsiadm -m session
 * -P 1`), one per record, and the verification failing on a TCP session or two paths through one port.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseIscsiSessionTree } from '../../src/facts/iscsi.js';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { e2eUnavailable, ROOT, recap, runIserPlaybook, sshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();

const nodesDir = (h: SimHost) => (h.flavor.startsWith('rhel') ? '/var/lib/iscsi/nodes' : '/etc/iscsi/nodes');

describeNeeding(missing)('iSER records and sessions on RHEL 8, SLES 15, Ubuntu 22.04', () => {
  let fleet: Fleet;
  let inventory: string;
  let dir: string;
  const run = (...extra: string[]) => runIserPlaybook(fleet.knownHostsFile, inventory, 'iser.yml', ...extra);
  const sh = async (host: string, cmd: string) => (await fleet.exec(host, cmd)).stdout;
  const [A1, B1, A2, B2] = ['192.168.130.101', '192.168.130.102', '192.168.131.101', '192.168.131.102'];
  /** Records on disk, relative to <nodes>/<target>: `<ip>,<port>,<tpgt>/<iface>`, sorted. */
  const records = async (h: SimHost) =>
    (await sh(h.name, `cd ${nodesDir(h)}/${fleet.array.targetIqn} && find . -type f | sed 's|^\\./||' | sort`))
      .split('\n')
      .filter(Boolean)
      .sort();
  const sessions = async (h: SimHost) =>
    parseIscsiSessionTree(await sh(h.name, 'iscsiadm -m session -P 1'))
      .map((s) => `${s.transport} ${s.portal}:${s.port},${s.tpgt} ${s.iface} ${s.netdev}`)
      .sort();
  const wantSessions = [
    `iser ${A1}:3260,1 iface-ib0 ib0`,
    `iser ${A2}:3260,1 iface-ib1 ib1`,
    `iser ${B1}:3260,2 iface-ib0 ib0`,
    `iser ${B2}:3260,2 iface-ib1 ib1`,
  ].sort();

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rhel', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'sles', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'ubuntu', flavor: 'ubuntu22', groups: ['iser_hosts'] },
      ],
    });
    dir = await tempDir('iser-iscsi');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("fresh hosts carry their distribution's iscsid.conf and iscsiadm version", async () => {
    const want: Record<string, { startup: string; version: string }> = {
      rhel8: { startup: 'automatic', version: '6.2.1.4' }, // iscsi-initiator-utils 6.2.1.4 (Red Hat's 6. prefix)
      sles15: { startup: 'manual', version: '2.1.7' }, // open-iscsi 2.1.7 (SLES 15 SP4)
      ubuntu22: { startup: 'manual', version: '2.1.5' }, // open-iscsi 2.1.5-1ubuntu1
    };
    for (const h of fleet.hosts) {
      const conf = (await fleet.readFile(h.name, '/etc/iscsi/iscsid.conf')) ?? '';
      expect(
        conf.split('\n').filter((l) => /^node\.startup\s*=/.test(l)),
        h.name,
      ).toEqual([`node.startup = ${want[h.flavor]?.startup}`]);
      expect(await sh(h.name, 'iscsiadm --version'), h.name).toBe(`iscsiadm version ${want[h.flavor]?.version}\n`);
    }
  });

  it('by OS: SendTargets on RHEL 8 and Ubuntu (tags 1 and 2), Method 2 on SLES 15 (tag -1); each host says which and why', async () => {
    const r = await run();
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /rhel: Method 1 \(SendTargets discovery\): SendTargets is the document's preferred method/,
    );
    expect(r.stdout).toMatch(/ubuntu: Method 1 \(SendTargets discovery\)/);
    expect(r.stdout).toMatch(
      /sles: Method 2 \(manual node records\): the document says Method 2 for RHEL 6\.x or SLES 11\.3 or later, and this host runs \S+ 15\.4/,
    );
    for (const h of fleet.hosts) {
      const manual = h.flavor === 'sles15';
      expect(await records(h), h.name).toEqual(
        [
          `${A1},3260,${manual ? -1 : 1}/iface-ib0`,
          `${A2},3260,${manual ? -1 : 1}/iface-ib1`,
          `${B1},3260,${manual ? -1 : 2}/iface-ib0`,
          `${B2},3260,${manual ? -1 : 2}/iface-ib1`,
        ].sort(),
      );
      expect(await sessions(h), h.name).toEqual(wantSessions);
      // what iscsiadm shows is the file: the record on disk carries what the play set
      const rec = await fleet.readFile(
        h.name,
        `${nodesDir(h)}/${fleet.array.targetIqn}/${B1},3260,${manual ? -1 : 2}/iface-ib0`,
      );
      expect(rec).toContain('node.startup = automatic');
      expect(rec).toContain('node.session.timeo.replacement_timeout = 20');
    }
    const again = await run();
    expect(again.code, again.stdout.slice(-3000)).toBe(0);
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
  });

  it('the record file on disk is the truth: an edit there is caught by the reboot check and repaired', async () => {
    const h = fleet.hosts.find((x) => x.flavor === 'ubuntu22') as SimHost;
    const file = `${nodesDir(h)}/${fleet.array.targetIqn}/${B1},3260,2/iface-ib0`;
    await sh(h.name, `sed -i 's/^node.startup = automatic/node.startup = manual/' ${file}`);
    // the reboot check after the inventory's validation (which sets the document's defaults)
    const playbook = await writeTemp(
      dir,
      'reboot-check.yml',
      ['iser-validate.yml', 'iser-reboot-check.yml']
        .map((p) => `- import_playbook: ${join(ROOT, 'playbooks', p)}\n`)
        .join(''),
    );
    const caught = await sshplay([
      'run',
      playbook,
      '-i',
      inventory,
      '--known-hosts',
      fleet.knownHostsFile,
      '--limit',
      h.name,
    ]);
    expect(caught.code, caught.stdout.slice(-3000)).toBe(2);
    expect(caught.stdout).toContain(
      `${h.name}: the record ${B1} via iface-ib0 would not come back as configured after a reboot`,
    );
    const repaired = await run('--limit', h.name);
    expect(repaired.code, repaired.stdout.slice(-3000)).toBe(0);
    expect(recap(repaired.stdout)[h.name]?.changed).toBe(1);
    expect(await fleet.readFile(h.name, file)).toContain('node.startup = automatic');
  });

  it('a TCP session to a portal: the iSER login still happens, then verification names host, portal and the TCP session', async () => {
    const h = fleet.hosts[0] as SimHost;
    const iqn = fleet.array.targetIqn;
    await sh(
      h.name,
      `iscsiadm -m node -T ${iqn} -p ${A1} -I iface-ib0 -u && iscsiadm -m node -T ${iqn} -p ${A1} -I default -o new && iscsiadm -m node -T ${iqn} -p ${A1} -I default -l`,
    );
    expect(await sessions(h)).toContain(`tcp ${A1}:3260,1 default default`);
    const r = await run('--limit', h.name);
    expect(r.code, r.stdout.slice(-3000)).toBe(2);
    expect(await fleet.calls(h.name)).toContainEqual(
      expect.stringMatching(new RegExp(`iscsiadm -m node -T ${iqn} -p ${A1.replace(/\./g, '\\.')} -I iface-ib0 -l$`)),
    );
    expect(r.stdout).toMatch(new RegExp(`${h.name}: portal ${A1}.*tcp`));
    expect(await sessions(h)).toEqual([...wantSessions, `tcp ${A1}:3260,1 default default`].sort());
    await sh(
      h.name,
      `iscsiadm -m node -T ${iqn} -p ${A1} -I default -u && iscsiadm -m node -T ${iqn} -p ${A1} -I default -o delete`,
    );
    const fixed = await run('--limit', h.name);
    expect(fixed.code, fixed.stdout.slice(-3000)).toBe(0);
  });

  it('two paths through one port: verification fails naming host, portal and both sessions', async () => {
    const h = fleet.hosts[1] as SimHost;
    const iqn = fleet.array.targetIqn;
    await sh(
      h.name,
      [
        'iscsiadm -m iface -I iface-dup -o new',
        'iscsiadm -m iface -I iface-dup -o update -n iface.transport_name -v iser',
        'iscsiadm -m iface -I iface-dup -o update -n iface.net_ifacename -v ib0',
        `iscsiadm -m node -T ${iqn} -p ${B1} -I iface-dup -o new`,
        `iscsiadm -m node -T ${iqn} -p ${B1} -I iface-dup -l`,
      ].join(' && '),
    );
    const r = await run('--limit', h.name);
    expect(r.code, r.stdout.slice(-3000)).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`${h.name}: portal ${B1}.*iface-dup`));
    await sh(
      h.name,
      `iscsiadm -m node -T ${iqn} -p ${B1} -I iface-dup -u && iscsiadm -m node -T ${iqn} -p ${B1} -I iface-dup -o delete`,
    );
  });

  it('iser_discovery overrides the OS: SendTargets everywhere keeps every record under the tag the array reported', async () => {
    await fleet.reset();
    const r = await run('-e', 'iser_discovery=sendtargets');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /sles: Method 1 \(SendTargets discovery\): iser_discovery: sendtargets is set for this host/,
    );
    for (const h of fleet.hosts) {
      expect(await records(h), h.name).toEqual(
        [`${A1},3260,1/iface-ib0`, `${A2},3260,1/iface-ib1`, `${B1},3260,2/iface-ib0`, `${B2},3260,2/iface-ib1`].sort(),
      );
      expect(await sessions(h), h.name).toEqual(wantSessions);
    }
    const again = await run('-e', 'iser_discovery=sendtargets');
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
  });

  it('Method 2 everywhere (iser_discovery: manual): records under tag -1, sessions carry the tag the target reported', async () => {
    await fleet.reset();
    const r = await run('-e', 'iser_discovery=manual');
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rhel: Method 2 \(manual node records\): iser_discovery: manual is set for this host/);
    for (const h of fleet.hosts) {
      expect(await records(h), h.name).toEqual(
        [
          `${A1},3260,-1/iface-ib0`,
          `${A2},3260,-1/iface-ib1`,
          `${B1},3260,-1/iface-ib0`,
          `${B2},3260,-1/iface-ib1`,
        ].sort(),
      );
      expect(await sessions(h), h.name).toEqual(wantSessions);
    }
    const again = await run('-e', 'iser_discovery=manual');
    for (const h of fleet.hosts) expect(recap(again.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0 });
  });
});
