import { describe, expect, test } from 'vitest';
import { ipoibPorts } from '../../../src/modules/ipoib-ports.js';
import { IBSTAT_ONE_HCA, IBSTAT_TWO_HCAS } from '../facts/ibstat-output.js';
import { describeChanges, planWith } from './fake-context.js';

const G = {
  other1: '0x98039b03009fcfd6',
  other2: '0x98039b03009fcfd7',
  st1: '0x248a070300a80a80',
  st2: '0x248a070300a80a81',
};
const colons = (guid: string) => guid.slice(2).match(/../g)?.join(':');
const link = (n: number, name: string, guid: string, up = false) =>
  `${n}: ${name}: <BROADCAST,MULTICAST${up ? ',UP,LOWER_UP' : ''}> mtu 2044 qdisc mq state ${up ? 'UP' : 'DOWN'} mode DEFAULT group default qlen 256\\    link/infiniband 80:00:02:08:fe:80:00:00:00:00:00:00:${colons(guid)} brd 00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff`;
/** The kernel's names on the two-HCA host: ib0..ib3 in probe order (mlx5_0 first). */
const KERNEL_LINKS = [
  link(4, 'ib0', G.other1, true),
  link(5, 'ib1', G.other2),
  link(6, 'ib2', G.st1),
  link(7, 'ib3', G.st2),
].join('\n');
const host = (ibstat: string, links = KERNEL_LINKS) => ({
  commands: { ibstat: { stdout: ibstat }, 'ip -o link show': { stdout: links } },
});
const a1 = { name: 'ib0', address: '192.168.130.11/24' };
const a2 = { name: 'ib1', address: '192.168.131.11/24' };
const guids = (p: { result?: Record<string, unknown> }) => (p.result?.ansible_facts as { ib_guids: string[] }).ib_guids;

describe('ipoib_ports: which port each interface is', () => {
  test('one HCA, no identity: position (interface i = port i+1)', async () => {
    const p = await planWith(ipoibPorts, { interfaces: [a1, a2] }, host(IBSTAT_ONE_HCA));
    expect(p.failed).toBeUndefined();
    expect(guids(p)).toEqual([G.st1, G.st2]);
    expect(p.changes).toEqual([]);
  });

  test('two HCAs, no identity: refused, naming every port found (CA, port, GUID, state)', async () => {
    const p = await planWith(ipoibPorts, { interfaces: [a1, a2] }, host(IBSTAT_TWO_HCAS));
    expect(p.failed).toMatch(
      /fake-host: ipoib_interfaces\[0\] \(ib0\) names no port, and the host has 4 ports on 2 HCAs/,
    );
    for (const s of [
      `mlx5_0 port 1 (${G.other1}, Active/LinkUp)`,
      `mlx5_0 port 2 (${G.other2}, Down/Polling)`,
      `mlx5_1 port 1 (${G.st1}, Initializing/LinkUp)`,
      `mlx5_1 port 2 (${G.st2}, Active/LinkUp)`,
    ])
      expect(p.failed).toContain(s);
    expect(p.result).toBeUndefined();
  });

  test('port_guid (any case, with or without 0x) and ca + port; ib_guids in interface order', async () => {
    const p = await planWith(
      ipoibPorts,
      {
        interfaces: [
          { ...a1, ca: 'mlx5_1', port: 2 },
          { ...a2, port_guid: G.st1.toUpperCase().replace('0X', '') },
        ],
        subnet_manager: true,
      },
      host(IBSTAT_TWO_HCAS),
    );
    expect(p.failed).toBeUndefined();
    expect(guids(p)).toEqual([G.st2, G.st1]);
    expect((p.result?.ansible_facts as { ib_ports: unknown[] }).ib_ports[1]).toMatchObject({
      name: 'ib1',
      ca: 'mlx5_1',
      port: 1,
      state: 'Initializing',
      physical_state: 'LinkUp',
    });
  });

  test.each<[string, Record<string, unknown>[], RegExp]>([
    [
      'unknown GUID',
      [{ ...a1, port_guid: '0x1111' }],
      /ib0\): no HCA port has GUID 0x0000000000001111; ports found: mlx5_0 port 1/,
    ],
    ['not a GUID', [{ ...a1, port_guid: 'ib0' }], /port_guid ib0 is not a GUID/],
    ['an unquoted GUID (a YAML number)', [{ ...a1, port_guid: 2632924641628785000 }], /port_guid must be quoted/],
    ['no such port', [{ ...a1, ca: 'mlx5_1', port: 3 }], /there is no mlx5_1 port 3/],
    ['port without ca on two HCAs', [{ ...a1, port: 1 }], /port 1 needs ca \(the host has mlx5_0, mlx5_1\)/],
    [
      'two interfaces on one port',
      [
        { ...a1, port_guid: G.st2 },
        { ...a2, ca: 'mlx5_1', port: 2 },
      ],
      /ib0 and ib1 both name mlx5_1 port 2/,
    ],
    [
      'a Down port named',
      [{ ...a1, ca: 'mlx5_0', port: 2 }],
      /ib0 is mlx5_0 port 2 \(.*Down\/Polling\): the link is down: check the cable/,
    ],
    [
      'Initializing without a subnet manager on this host',
      [{ ...a1, port_guid: G.st1 }],
      /ib0 is mlx5_1 port 1 \(0x248a070300a80a80, Initializing\/LinkUp\): the link is up but no subnet manager has configured the port/,
    ],
  ])('refused: %s', async (_what, interfaces, message) => {
    const p = await planWith(ipoibPorts, { interfaces }, host(IBSTAT_TWO_HCAS));
    expect(p.failed).toMatch(message);
  });

  test('a Down port that no interface names is ignored', async () => {
    const p = await planWith(ipoibPorts, { interfaces: [{ ...a1, port_guid: G.st2 }] }, host(IBSTAT_TWO_HCAS));
    expect(p.failed).toBeUndefined();
  });
});

describe('ipoib_ports rename: the device of each port gets the interface name now', () => {
  const ifaces = [
    { name: 'stor0', address: '192.168.130.11/24', port_guid: G.st1 },
    { name: 'stor1', address: '192.168.131.11/24', ca: 'mlx5_1', port: 2 },
  ];
  test('kernel names ib2/ib3 renamed (down, then name), as NetApp collection does', async () => {
    const p = await planWith(
      ipoibPorts,
      { interfaces: ifaces, subnet_manager: true, rename: true },
      host(IBSTAT_TWO_HCAS),
    );
    expect(p.failed).toBeUndefined();
    expect(describeChanges(p)).toEqual([
      { exec: 'ip link set ib2 down' },
      { exec: 'ip link set ib2 name stor0' },
      { exec: 'ip link set ib3 down' },
      { exec: 'ip link set ib3 name stor1' },
    ]);
    expect(p.preview).toBe('rename ib2 -> stor0, ib3 -> stor1');
  });

  test('names already right: no change', async () => {
    const links = [
      link(4, 'ib0', G.other1, true),
      link(5, 'ib1', G.other2),
      link(6, 'stor0', G.st1, true),
      link(7, 'stor1', G.st2, true),
    ].join('\n');
    const p = await planWith(
      ipoibPorts,
      { interfaces: ifaces, subnet_manager: true, rename: true },
      host(IBSTAT_TWO_HCAS, links),
    );
    expect(p.changes).toEqual([]);
    expect(p.noop).toMatch(/^device names match: stor0 = mlx5_1 port 1/);
  });

  test('a name held by a port no interface names: refused (at boot udev could not give it either)', async () => {
    const p = await planWith(
      ipoibPorts,
      {
        interfaces: [
          { ...a1, port_guid: G.st1 },
          { ...a2, port_guid: G.st2 },
        ],
        subnet_manager: true,
        rename: true,
      },
      host(IBSTAT_TWO_HCAS),
    );
    expect(p.failed).toMatch(
      /cannot name ib2 \(port 0x248a070300a80a80\) ib0: ib0 is the device of port 0x98039b03009fcfd6, which no interface names/,
    );
  });

  test('swapped names go through temporary names', async () => {
    const links = [link(4, 'ib0', G.st1), link(5, 'ib1', G.st2)].join('\n');
    const p = await planWith(
      ipoibPorts,
      {
        interfaces: [
          { ...a1, port: 2 },
          { ...a2, port: 1 },
        ],
        rename: true,
      },
      host(IBSTAT_ONE_HCA, links),
    );
    expect(describeChanges(p)).toEqual([
      { exec: 'ip link set ib1 down' },
      { exec: 'ip link set ib1 name sshplay-tmp0' },
      { exec: 'ip link set ib0 down' },
      { exec: 'ip link set ib0 name sshplay-tmp1' },
      { exec: 'ip link set sshplay-tmp0 name ib0' },
      { exec: 'ip link set sshplay-tmp1 name ib1' },
    ]);
  });

  test('a device that is up is not renamed (its traffic would stop)', async () => {
    const links = [
      link(4, 'ib0', G.other1, true),
      link(5, 'ib1', G.other2),
      link(6, 'ib2', G.st1, true),
      link(7, 'ib3', G.st2),
    ].join('\n');
    const p = await planWith(
      ipoibPorts,
      { interfaces: ifaces, subnet_manager: true, rename: true },
      host(IBSTAT_TWO_HCAS, links),
    );
    expect(p.failed).toMatch(/ib2 \(port 0x248a070300a80a80\) is up: renaming it to stor0 would interrupt its traffic/);
  });
});
