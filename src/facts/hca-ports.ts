/**
 * The host's InfiniBand ports and IPoIB devices, as `ibstat` and `ip -o link show` print them.
 * ibstat (infiniband-diags, rdma-core's infiniband-diags/ibstat.c) prints, per CA, a header line
 * `CA 'mlx5_0'` and, per port, `\tPort 1:` followed by `\t\tState: Active`, `\t\tPhysical state: LinkUp`,
 * ..., `\t\tPort GUID: 0x248a070300a80a80`. An IPoIB device's hardware address (20 bytes) ends with the
 * 8 bytes of its port GUID, which is how a device is tied to its port (the udev rule matches the same).
 */

import { commandFact } from './fact.js';

export interface HcaPort {
  ca: string;
  port: number;
  /** ibstat's port_state_str: Down, Initializing, Armed, Active. */
  state: string;
  /** ibstat's port_phy_state_str: Polling, LinkUp, Disabled, ... */
  physicalState: string;
  /** 0x and 16 lowercase hex digits, as ibstat prints it. */
  guid: string;
}

export const IBSTAT_CMD = { argv: ['ibstat'] } as const;
export const IP_LINKS_CMD = { argv: ['ip', '-o', 'link', 'show'] } as const;

/** A port GUID in ibstat's form (0x + 16 lowercase hex digits), or null when it is not one. */
export function normalizeGuid(value: unknown): string | null {
  const m = /^(?:0x)?([0-9a-f]{1,16})$/i.exec(String(value).trim());
  return m ? `0x${(m[1] as string).toLowerCase().padStart(16, '0')}` : null;
}

export function parseIbstat(stdout: string): HcaPort[] {
  const ports: HcaPort[] = [];
  let ca = '';
  let current: HcaPort | null = null;
  for (const line of stdout.split('\n')) {
    const caLine = /^CA:? '([^']+)'/.exec(line);
    if (caLine) {
      ca = caLine[1] as string;
      current = null;
      continue;
    }
    const portLine = /^\s*Port (\d+):\s*$/.exec(line);
    if (portLine) {
      current = { ca, port: Number(portLine[1]), state: '', physicalState: '', guid: '' };
      ports.push(current);
      continue;
    }
    if (!current) continue;
    const kv = /^\s*(State|Physical state|Port GUID):\s*(\S+)/.exec(line);
    if (!kv) continue;
    if (kv[1] === 'State') current.state = kv[2] as string;
    else if (kv[1] === 'Physical state') current.physicalState = kv[2] as string;
    else current.guid = normalizeGuid(kv[2]) ?? (kv[2] as string);
  }
  return ports;
}

export interface IpoibDevice {
  name: string;
  /** The port GUID its hardware address ends with (0x + 16 hex digits). */
  guid: string;
  up: boolean;
}

/** `ip -o link show`: the link/infiniband devices, `4: ib0: <BROADCAST,MULTICAST,UP,LOWER_UP> ... link/infiniband 80:00:...`. */
export function parseIpoibDevices(stdout: string): IpoibDevice[] {
  const devices: IpoibDevice[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(@\S+)?:\s+<([^>]*)>.*link\/infiniband\s+((?:[0-9a-f]{2}:){19}[0-9a-f]{2})/i.exec(
      line,
    );
    // a P_Key child (ib0.8001@ib0) shares its parent's GUID: only the port's own device counts
    if (!m || m[2]) continue;
    const bytes = (m[4] as string).toLowerCase().split(':').slice(12).join('');
    devices.push({ name: m[1] as string, guid: `0x${bytes}`, up: (m[3] as string).split(',').includes('UP') });
  }
  return devices;
}

export function describePort(p: HcaPort): string {
  return `${p.ca} port ${p.port} (${p.guid}, ${p.state}/${p.physicalState})`;
}

/** The host's HCA ports, or ibstat's failure (no HCA, no driver, infiniband-diags missing). */
export const hcaPorts = commandFact<void, { ports: HcaPort[]; failed?: string }>({
  name: 'ib.hcaPorts',
  command: () => IBSTAT_CMD,
  parse: (r) =>
    r.rc === 0
      ? { ports: parseIbstat(r.stdout) }
      : { ports: [], failed: `ibstat failed (rc ${r.rc}): ${r.stderr.trim() || r.stdout.trim()}` },
});

/** The host's IPoIB devices (P_Key children left out), or why `ip -o link show` failed. */
export const ipoibDevices = commandFact<void, { devices: IpoibDevice[]; failed?: string }>({
  name: 'ib.ipoibDevices',
  command: () => IP_LINKS_CMD,
  parse: (r) =>
    r.rc === 0
      ? { devices: parseIpoibDevices(r.stdout) }
      : { devices: [], failed: `ip -o link show failed: ${r.stderr.trim()}` },
});
