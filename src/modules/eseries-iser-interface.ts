/**
 * eseries_iser_interface: the IPv4 address of one InfiniBand iSER port of an E-Series array (the document's
 * "Configure iSER over InfiniBand Ports"), as netapp_eseries.santricity's na_santricity_ib_iser_interface sets it:
 * controller A or B, the port's channel counted from 1 within the controller, and the address.
 *
 *   - eseries_iser_interface:
 *       controller: A
 *       channel: 1
 *       address: 192.168.130.101
 */
import { iserInterfaces } from '../facts/santricity.js';
import { apiDiff } from './api-diff.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesIserInterfaceArgs {
  controller: 'A' | 'B';
  channel: number;
  address: string;
}

export const eseriesIserInterface: Module<EseriesIserInterfaceArgs> = defineModule({
  name: 'eseries_iser_interface',
  arrayApi: true,
  summary: "an E-Series array's InfiniBand iSER port address (controller, channel)",
  schema: {
    controller: { type: 'str', required: true, choices: ['A', 'B'] },
    channel: { type: 'int', required: true },
    address: { type: 'str', required: true },
  },
  facts: (_a: EseriesIserInterfaceArgs) => ({ ports: iserInterfaces.of() }),
  async plan(_ctx, a, read) {
    // The collection's own check: four dotted numbers.
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a.address))
      return { changes: [], failed: `address ${JSON.stringify(a.address)} is not an IPv4 address (xx.xx.xx.xx)` };
    const ports = await read.ports();
    if (ports.length === 0) return { changes: [], failed: 'the array has no InfiniBand iSER interfaces' };
    const mine = ports.filter((p) => p.controller === a.controller);
    const port = mine.find((p) => p.channel === a.channel);
    if (!port)
      return {
        changes: [],
        failed: `controller ${a.controller} has no iSER channel ${a.channel}; its channels: ${mine.map((p) => `${p.channel} (link ${p.linkState})`).join(', ') || 'none'}`,
      };
    const label = `iser-interface/${a.controller}/${a.channel}`;
    if (port.address === a.address)
      return {
        changes: [],
        noop: `controller ${a.controller} channel ${a.channel} has ${a.address}`,
        result: { interface: port },
      };
    const settings = Object.fromEntries(
      [
        'tcpListenPort',
        'ipv4Address',
        'ipv4SubnetMask',
        'ipv4GatewayAddress',
        'ipv4AddressConfigMethod',
        'maximumFramePayloadSize',
        'ipv4VlanId',
        'ipv4OutboundPacketPriority',
        'ipv4Enabled',
        'ipv6Enabled',
        'ipv6LocalAddresses',
        'ipv6RoutableAddresses',
        'ipv6PortRouterAddress',
        'ipv6AddressConfigMethod',
        'ipv6OutboundPacketPriority',
        'ipv6VlanId',
        'ipv6HopLimit',
        'ipv6NdReachableTime',
        'ipv6NdRetransmitTime',
        'ipv6NdStaleTimeout',
        'ipv6DuplicateAddressDetectionAttempts',
        'maximumInterfaceSpeed',
      ].map((k) => [k, k === 'ipv4Address' ? [a.address] : []]),
    );
    return {
      changes: [
        {
          kind: 'api',
          method: 'POST',
          path: 'symbol/setIscsiInterfaceProperties',
          body: { iscsiInterface: port.id, settings },
        },
      ],
      diff: apiDiff(label, { address: port.address }, { address: a.address }),
      preview: `set controller ${a.controller} channel ${a.channel} to ${a.address} (now ${port.address || 'none'})`,
    };
  },
});
