import { describe, expect, it } from 'vitest';
import { iserArrayView } from '../../../src/modules/iser-array-view.js';
import type { Module } from '../../../src/modules/types.js';
import { planWith } from './fake-context.js';

/** iser_array_view: a host's target IQN, portals by subnet and LUNs from the array's eseries_facts. */
const facts = {
  target_iqn: 'iqn.1992-08.com.netapp:2800.600a0980',
  iser_interfaces: [
    { controller: 'A', channel: 1, address: '192.168.130.101' },
    { controller: 'A', channel: 2, address: '192.168.131.101' },
    { controller: 'B', channel: 1, address: '192.168.130.102' },
    { controller: 'B', channel: 2, address: '0.0.0.0' },
  ],
  host_luns: {
    h1: [
      { volume: 'v1', lun: 1, wwid: '3600a098000000001' },
      { volume: 'raw', lun: 2, wwid: '3600a098000000002' },
    ],
  },
};
const interfaces = [
  { name: 'ib0', address: '192.168.130.11/24' },
  { name: 'ib1', address: '192.168.131.11/24' },
];
const plan = (args: Record<string, unknown>, check = false) =>
  planWith(iserArrayView as unknown as Module<Record<string, unknown>>, args, {}, { check });

describe('iser_array_view', () => {
  it("pairs each configured port with the iface of the host's subnet, in the document's order; LUNs with their mount", async () => {
    const p = await plan({
      array: facts,
      interfaces,
      host: 'h1',
      volumes: [{ name: 'v1', mountpoint: '/mnt/a', fstype: 'xfs' }],
    });
    expect(p.failed).toBeUndefined();
    expect(p.result?.portals).toEqual([
      { address: '192.168.130.101', iface: 'iface-ib0' },
      { address: '192.168.130.102', iface: 'iface-ib0' },
      { address: '192.168.131.101', iface: 'iface-ib1' },
    ]);
    expect(p.result?.luns).toEqual([
      { wwid: '3600a098000000001', mountpoint: '/mnt/a', fstype: 'xfs', lun: 1, volume: 'v1' },
    ]);
    expect(p.noop).toMatch(/mapped but without a mountpoint in eseries_volumes \(left alone\): raw/);
  });

  it('in check mode a port the array play would set is taken as planned; outside it, not', async () => {
    const planned = [{ controller: 'B', channel: 2, address: '192.168.131.102' }];
    const check = await plan({ array: facts, interfaces, planned_ports: planned }, true);
    expect((check.result?.portals as unknown[]).length).toBe(4);
    const real = await plan({ array: facts, interfaces, planned_ports: planned }, false);
    expect((real.result?.portals as unknown[]).length).toBe(3);
  });

  it('fails naming the ports and interfaces when no port is on a subnet of the host, or when there are no facts', async () => {
    const far = await plan({ array: facts, interfaces: [{ name: 'ib0', address: '10.1.0.5/16' }] });
    expect(far.failed).toMatch(
      /none of the array's iSER ports \(A1 192.168.130.101, .*\) is on a subnet of ipoib_interfaces \(ib0 10.1.0.5\/16\)/,
    );
    const none = await plan({ array: {}, interfaces });
    expect(none.failed).toMatch(
      /no facts of the array .* give iser_target_iqn, iser_target_portals and iser_luns by hand/,
    );
  });
});
