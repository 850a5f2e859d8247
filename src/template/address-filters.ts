/** The IP address filters (ansible.utils' ipaddr and ipv4). */
import { type Filter, FilterError } from './filter-values.js';

// --- ipaddr: IPv4 only, the queries the iSER playbooks need ------------------------------------------
// Semantics from ansible.utils' ipaddr filter ("Using the ipaddr filter",
// https://docs.ansible.com/ansible/latest/collections/ansible/utils/docsite/filters_ipaddr.html):
// with no query the value itself when it is an address or network, else False; 'address' the host
// address (False for a network's own address, so '192.168.32.0/24' | ipaddr('address') is False);
// 'network' the network address; 'netmask' the dotted mask; 'prefix' the prefix length as a number;
// 'network/prefix' and 'host/prefix' (host/prefix False for a network's own address); 'broadcast'.

interface Ipv4 {
  ip: number;
  prefix: number;
}

function parseIpv4(v: unknown): Ipv4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(String(v).trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { ip: octets.reduce((n, o) => n * 256 + o, 0), prefix };
}

function ipString(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function ipaddr(v: unknown, args: unknown[]): unknown {
  if (typeof v !== 'string' || v.includes(':')) {
    if (typeof v === 'string' && /^[0-9a-fA-F:]+(\/\d+)?$/.test(v) && v.includes(':'))
      throw new FilterError(`ipaddr: IPv6 addresses are not supported (${v})`);
    return false;
  }
  const net = parseIpv4(v);
  if (!net) return false;
  const size = 2 ** (32 - net.prefix);
  const network = Math.floor(net.ip / size) * size;
  const isNetworkAddress = size > 1 && net.ip === network;
  const query = args.length === 0 ? '' : String(args[0]);
  switch (query) {
    case '':
      return v;
    case 'address':
      return isNetworkAddress ? false : ipString(net.ip);
    case 'network':
      return ipString(network);
    case 'netmask':
      return ipString(2 ** 32 - size);
    case 'prefix':
      return net.prefix;
    case 'network/prefix':
    case 'net':
      return `${ipString(network)}/${net.prefix}`;
    case 'host/prefix':
      return isNetworkAddress ? false : `${ipString(net.ip)}/${net.prefix}`;
    case 'broadcast':
      return size > 1 ? ipString(network + size - 1) : false;
    default:
      throw new FilterError(
        `ipaddr('${query}') is not supported; supported queries: address, network, netmask, prefix, network/prefix, host/prefix, broadcast`,
      );
  }
}

export const ADDRESS_FILTERS: Record<string, Filter> = {
  ipaddr: (v, args) => ipaddr(v, args),
  ipv4: (v, args) => ipaddr(v, args),
};
