import { describe, expect, test } from 'vitest';
import { normalizeGuid, parseIbstat, parseIpoibDevices } from '../../../src/facts/hca-ports.js';
import { IBSTAT_TWO_HCAS } from './ibstat-output.js';

describe('parseIbstat', () => {
  test('every port of every CA, in order, with state, physical state and GUID', () => {
    expect(parseIbstat(IBSTAT_TWO_HCAS)).toEqual([
      { ca: 'mlx5_0', port: 1, state: 'Active', physicalState: 'LinkUp', guid: '0x98039b03009fcfd6' },
      { ca: 'mlx5_0', port: 2, state: 'Down', physicalState: 'Polling', guid: '0x98039b03009fcfd7' },
      { ca: 'mlx5_1', port: 1, state: 'Initializing', physicalState: 'LinkUp', guid: '0x248a070300a80a80' },
      { ca: 'mlx5_1', port: 2, state: 'Active', physicalState: 'LinkUp', guid: '0x248a070300a80a81' },
    ]);
  });
  test('`ibstat CA PORT` (CA: header, port not indented)', () => {
    const one = "CA: 'mlx5_1'\nPort 2:\nState: Active\nPhysical state: LinkUp\nPort GUID: 0x248a070300a80a81\n";
    expect(parseIbstat(one)).toEqual([
      { ca: 'mlx5_1', port: 2, state: 'Active', physicalState: 'LinkUp', guid: '0x248a070300a80a81' },
    ]);
  });
  test('no CA: no ports', () => expect(parseIbstat('')).toEqual([]));
});

describe('normalizeGuid', () => {
  test.each([
    ['0x248A070300A80A80', '0x248a070300a80a80'],
    ['248a070300a80a80', '0x248a070300a80a80'],
    ['0x2c9030031', '0x00000002c9030031'],
    ['0xzz', null],
    ['0x248a070300a80a8000', null],
  ])('%s', (input, want) => expect(normalizeGuid(input)).toBe(want));
});

describe('parseIpoibDevices', () => {
  test('link/infiniband devices of `ip -o link show`, GUID from the last 8 bytes, UP flag; P_Key children skipped', () => {
    const out = [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '4: ib0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 2044 qdisc mq state UP mode DEFAULT group default qlen 256\\    link/infiniband 80:00:02:08:fe:80:00:00:00:00:00:00:98:03:9b:03:00:9f:cf:d6 brd 00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff',
      '5: ib0.8001@ib0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 2044 qdisc mq state UP mode DEFAULT group default qlen 256\\    link/infiniband 80:00:02:09:fe:80:00:00:00:00:00:00:98:03:9b:03:00:9f:cf:d6 brd 00:ff:ff:ff:ff:12:40:1b:80:01:00:00:00:00:00:00:ff:ff:ff:ff',
      '6: ib2: <BROADCAST,MULTICAST> mtu 4092 qdisc noop state DOWN mode DEFAULT group default qlen 256\\    link/infiniband 00:00:10:87:fe:80:00:00:00:00:00:00:24:8a:07:03:00:a8:0a:80 brd 00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff\\    altname ibp59s0',
    ].join('\n');
    expect(parseIpoibDevices(out)).toEqual([
      { name: 'ib0', guid: '0x98039b03009fcfd6', up: true },
      { name: 'ib2', guid: '0x248a070300a80a80', up: false },
    ]);
  });
});
