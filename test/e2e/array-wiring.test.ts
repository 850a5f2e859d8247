import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { type ArrayHostLink, linkArrayToFleet, volumeWwid } from '../target/array/host-link.js';
import { makeSelfSignedCert, removeCert, type SelfSignedCert, SimulatedArray } from '../target/array/server.js';
import { interfaceId } from '../target/array/state.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable } from './helpers.js';

/**
 * The simulated array wired to simulated hosts (test/target/array/host-link.ts, test/target/sim/README.md "Wired to
 * the simulated array"), driven through the hosts' own tools and the array's own API, without sshplay: SendTargets
 * answers with the portals configured on the array and its IQN; a host sees a volume only once it is mapped to its
 * initiator (or its host group), with that LUN number and the volume's WWID; the array lists the hosts' sessions;
 * the hosts see nothing of the controller but the array's one read-only state file.
 */
describeNeeding(e2eUnavailable())('the simulated array wired to the simulated hosts', () => {
  let fleet: Fleet;
  let cert: SelfSignedCert;
  let array: SimulatedArray;
  let link: ArrayHostLink;
  const sh = async (host: string, cmd: string) => fleet.exec(host, cmd);
  const iqnOf = (name: string) => fleet.hosts.find((h) => h.name === name)?.initiatorIqn as string;
  const setPort = (controller: 'A' | 'B', channel: number, address: string) => {
    const port = array.state.ports.find((p) => p.controller === controller && p.channel === channel);
    if (!port) throw new Error(`no port ${controller}${channel}`);
    array.answer('POST', 'symbol/setIscsiInterfaceProperties', {
      iscsiInterface: interfaceId(port),
      settings: { ipv4Address: [address] },
    });
  };

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'rh', flavor: 'rhel8' },
        { name: 'sl', flavor: 'sles15' },
        { name: 'ub', flavor: 'ubuntu22' },
      ],
    });
    cert = makeSelfSignedCert();
    array = new SimulatedArray(cert);
    await array.start();
    for (const h of fleet.hosts) {
      // IPoIB up on subnet A (ib0) and B (ib1), multipathd running (RHEL: with a multipath.conf), LUN map fast
      const r = await sh(
        h.name,
        // the storage ports' devices as this OS names them (Ubuntu: ibp59s0f0, ibp59s0f1)
        `set -e; set -- $(ip -o link show | awk -F': ' '$2 ~ /^ib/ {print $2}'); ip addr add 192.168.130.${11 + h.index}/24 dev $1; ip link set $1 up; ip addr add 192.168.131.${11 + h.index}/24 dev $2; ip link set $2 up; touch /etc/multipath.conf; echo LUN_DELAY_MS=100 >/etc/sim/lun.conf; systemctl start multipathd`,
      );
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await array?.stop();
    if (cert) removeCert(cert);
    await fleet?.stop();
  });

  it("unwired, a host answers with the fleet's fixed array, as before", async () => {
    const r = await sh('rh', 'iscsiadm -m discovery -t st -p 192.168.130.101 -o nonpersistent');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
    expect(r.stdout).toContain(fleet.array.targetIqn);
  });

  it('wired: SendTargets answers only with the portals configured on the array, with its IQN and per-controller tags', async () => {
    link = linkArrayToFleet(array, fleet);
    // nothing configured yet: no portal answers (the array's ports have no address)
    const none = await sh('sl', 'iscsiadm -m discovery -t st -p 192.168.130.101');
    expect(none.code, none.stdout).toBe(4);
    expect(none.stderr).toContain('cannot make connection to 192.168.130.101');
    expect((await sh('sl', 'ping -c 1 192.168.130.101')).code).not.toBe(0);

    setPort('A', 1, '192.168.130.101');
    setPort('B', 1, '192.168.130.102');
    setPort('A', 2, '192.168.131.101');
    for (const h of fleet.hosts) {
      const r = await sh(h.name, 'iscsiadm -m discovery -t st -p 192.168.130.101');
      expect(r.code, `${h.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout.trim().split('\n').sort(), h.name).toEqual([
        `192.168.130.101:3260,1 ${array.state.iqn}`,
        `192.168.130.102:3260,2 ${array.state.iqn}`,
        `192.168.131.101:3260,1 ${array.state.iqn}`,
      ]);
      expect(r.stdout).not.toContain(fleet.array.targetIqn);
    }
    // B2 was never configured: not a portal
    expect((await sh('ub', 'iscsiadm -m discovery -t st -p 192.168.131.102')).code).toBe(4);
  });

  it("the array's session view lists the hosts' logins; no host sees a LUN before a volume is mapped to it", async () => {
    for (const h of fleet.hosts) {
      const r = await sh(h.name, 'iscsiadm -m node -L all');
      expect(r.code, `${h.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    await array.refreshSessions();
    const answer = array.answer('POST', 'symbol/getIscsiSessions', { type: 'all' }) as {
      sessions: {
        endpoints: {
          localEndpoint: { targetId: { iscsiPortName: { targetPortalGroupTag: number } } };
          remoteEndpoint: { initiatorId: { iscsiPortName: { initiatorNodeName: { iscsiNodeName: string } } } };
        };
      }[];
    };
    const seen = answer.sessions.map(
      (s) =>
        `${s.endpoints.remoteEndpoint.initiatorId.iscsiPortName.initiatorNodeName.iscsiNodeName},${s.endpoints.localEndpoint.targetId.iscsiPortName.targetPortalGroupTag}`,
    );
    for (const h of fleet.hosts)
      expect(seen.filter((s) => s.startsWith(`${h.initiatorIqn},`)).sort(), h.name).toEqual([
        `${h.initiatorIqn},1`,
        `${h.initiatorIqn},1`,
        `${h.initiatorIqn},2`,
      ]);
    await new Promise((r) => setTimeout(r, 1000));
    for (const h of fleet.hosts) {
      expect((await sh(h.name, 'multipath -ll')).stdout, h.name).toBe('');
      expect((await sh(h.name, 'ls /dev/mapper')).stdout.trim(), h.name).toBe('');
    }
  });

  it('a volume mapped to a host (LUN 3) or to its host group (LUN 5) appears on that host only, with its WWID and LUN', async () => {
    const host = (name: string) =>
      array.answer('POST', 'hosts', {
        name,
        hostType: { index: 28 },
        ports: [{ type: 'iscsi', port: iqnOf(name), label: `${name}_iqn` }],
      }) as { id: string };
    const rh = host('rh');
    const sl = host('sl');
    const group = array.answer('POST', 'host-groups', { name: 'iser_group', hosts: [sl.id] }) as { id: string };
    const volume = (name: string) =>
      array.answer('POST', 'volumes', {
        name,
        poolId: array.state.pools[0]?.id,
        sizeUnit: 'gb',
        size: 10,
      }) as { id: string; wwn: string };
    const v1 = volume('vol_rh');
    const v2 = volume('vol_group');
    array.answer('POST', 'volume-mappings', { mappableObjectId: v1.id, targetId: rh.id, lun: 3 });
    array.answer('POST', 'volume-mappings', { mappableObjectId: v2.id, targetId: group.id, lun: 5 });
    // a LUN number is used once by what a host sees: its own mappings and its group's
    expect(() =>
      array.answer('POST', 'volume-mappings', { mappableObjectId: volume('vol_x').id, targetId: sl.id, lun: 5 }),
    ).toThrow(/LUN 5 is already in use/);

    const want = { rh: [v1.wwn, 3, 'vol_rh'], sl: [v2.wwn, 5, 'vol_group'] } as const;
    for (const [name, [wwn, lun, volName]] of Object.entries(want)) {
      const wwid = volumeWwid(wwn);
      let ll = '';
      for (let i = 0; i < 50 && !ll.includes(wwid); i++) {
        await new Promise((r) => setTimeout(r, 100));
        ll = (await sh(name, 'multipath -ll')).stdout;
      }
      expect(ll, name).toMatch(new RegExp(`^${wwid} dm-0 NETAPP,INF-01-00`));
      expect(ll.match(new RegExp(`\\d+:0:0:${lun} sd`, 'g')), `${name} paths on LUN ${lun}`).toHaveLength(3);
      expect((await sh(name, `test -b /dev/mapper/${wwid} && echo yes`)).stdout, name).toBe('yes\n');
      // SMdevices (the SMutils package's payload) names the volume and LUN the array reports
      const sm = await sh(name, '/usr/local/lib/sim/payload/SMdevices');
      expect(sm.stdout, name).toContain(`Volume ${volName}, LUN ${lun}, Volume ID <${wwn.toLowerCase()}>`);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect((await sh('ub', 'multipath -ll')).stdout, 'ub is mapped nothing').toBe('');
    expect((await sh('ub', 'ls /dev/mapper')).stdout.trim()).toBe('');
  });

  it('the hosts see nothing of the controller but the read-only array state', async () => {
    const r = await sh('rh', 'ls -A /run/sim-array; touch /run/sim-array/x 2>&1; findmnt -no OPTIONS /run/sim-array');
    expect(r.stdout).toMatch(/^state\n.*Read-only file system\n(ro|.*\bro\b)/s);
    expect((await sh('rh', `test -e ${fleet.dir} && echo visible || echo absent`)).stdout).toBe('absent\n');
  });

  it("unwired again, the hosts answer with the fleet's fixed array", async () => {
    link.unlink();
    const r = await sh('ub', 'iscsiadm -m discovery -t st -p 192.168.130.101 -o nonpersistent');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`192.168.131.102:3260,2 ${fleet.array.targetIqn}`);
  });
});
