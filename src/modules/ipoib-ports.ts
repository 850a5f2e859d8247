/**
 * ipoib_ports: ties each IPoIB interface of the inventory to its HCA port by identity, and (rename)
 * gives the port's kernel device the interface's name now, as NetApp's netapp_eseries.host collection
 * does (`ip link set OLD down; ip link set OLD name NEW`): a udev naming rule only acts when the device
 * is next added (a reboot), so without this `ifup NEW` fails until then.
 *
 * An interface names its port by `port_guid` (as `ibstat` prints it) or by `ca` + `port`. Without
 * either, position is the default only on a host with one HCA of at most two ports (interface i = port
 * i+1); any other host is ambiguous and refused with the ports found. A port must be Active; on a host
 * that will run the subnet manager (subnet_manager: true) Initializing or Armed with physical state
 * LinkUp is accepted too, since its ports come up only once opensm runs. Ports that no interface
 * names are ignored, whatever their state.
 *
 * Sets `ib_guids` (the port GUIDs in interface order: opensm lines and udev rules use them) and
 * `ib_ports` (per interface: name, ca, port, guid, state, physical_state, device).
 *
 *   - ipoib_ports:
 *       interfaces: "{{ipoib_interfaces}}"   # [{name: ib0, address: ..., port_guid: 0x248a070300a80a80}, ...]
 *       subnet_manager: "{{opensm_port_priorities is defined}}"
 *       rename: true
 */
import {
  describePort,
  type HcaPort,
  hcaPorts,
  type IpoibDevice,
  ipoibDevices,
  normalizeGuid,
} from '../facts/hca-ports.js';
import { defineModule } from './define-module.js';
import type { Change, Module } from './types.js';

export interface IpoibPortsArgs {
  interfaces: unknown[];
  subnet_manager: boolean;
  rename: boolean;
}

interface Resolved {
  name: string;
  port: HcaPort;
}

/** An interface whose port cannot be told (missing, ambiguous or on another CA): refused before any change. */
export class PortError extends Error {}

function listPorts(ports: HcaPort[]): string {
  return ports.length === 0 ? 'none' : ports.map(describePort).join('; ');
}

/**
 * The port an interface names (port_guid, or ca + port), or its positional default on a one-HCA host. The
 * playbooks and the worksheet tie interfaces to ports with this one rule.
 */
export function portOfInterface(iface: Record<string, unknown>, i: number, ports: HcaPort[], host: string): HcaPort {
  const name = String(iface.name ?? `ipoib_interfaces[${i}]`);
  const where = `${host}: ipoib_interfaces[${i}] (${name})`;
  const found = `ports found: ${listPorts(ports)}`;
  if (iface.port_guid !== undefined && iface.port_guid !== null && iface.port_guid !== '') {
    // YAML reads an unquoted 0x... as a number, and a 64-bit GUID does not survive as one
    if (typeof iface.port_guid === 'number' && !Number.isSafeInteger(iface.port_guid))
      throw new PortError(
        `${where}: port_guid must be quoted ('0x248a070300a80a80'): unquoted, YAML reads it as a number and loses digits`,
      );
    const guid = normalizeGuid(typeof iface.port_guid === 'number' ? iface.port_guid.toString(16) : iface.port_guid);
    if (!guid)
      throw new PortError(`${where}: port_guid ${String(iface.port_guid)} is not a GUID such as 0x248a070300a80a80`);
    const p = ports.find((x) => x.guid === guid);
    if (!p) throw new PortError(`${where}: no HCA port has GUID ${guid}; ${found}`);
    if (iface.ca !== undefined && iface.ca !== p.ca)
      throw new PortError(`${where}: port_guid ${guid} is on ${p.ca}, not ${String(iface.ca)}; ${found}`);
    return p;
  }
  const cas = [...new Set(ports.map((p) => p.ca))];
  if (iface.ca !== undefined || iface.port !== undefined) {
    const ca = iface.ca !== undefined ? String(iface.ca) : cas.length === 1 ? (cas[0] as string) : undefined;
    if (ca === undefined)
      throw new PortError(`${where}: port ${String(iface.port)} needs ca (the host has ${cas.join(', ')}); ${found}`);
    if (iface.port === undefined)
      throw new PortError(`${where}: ca ${ca} needs port (1, 2, ... as ibstat shows); ${found}`);
    const p = ports.find((x) => x.ca === ca && x.port === Number(iface.port));
    if (!p) throw new PortError(`${where}: there is no ${ca} port ${String(iface.port)}; ${found}`);
    return p;
  }
  if (cas.length !== 1 || ports.length > 2)
    throw new PortError(
      `${host}: ipoib_interfaces[${i}] (${name}) names no port, and the host has ${ports.length} ports on ${cas.length} HCAs, so position is ambiguous: give each interface port_guid (or ca and port); ${found}`,
    );
  const p = ports[i];
  if (!p) throw new PortError(`${where}: the host has only ${ports.length} HCA ports; ${found}`);
  return p;
}

function checkState(r: Resolved, subnetManager: boolean, host: string, ports: HcaPort[]): void {
  const p = r.port;
  if (p.state === 'Active') return;
  const linkUp = p.physicalState === 'LinkUp';
  if (subnetManager && linkUp && (p.state === 'Initializing' || p.state === 'Armed')) return;
  const why = linkUp
    ? 'the link is up but no subnet manager has configured the port: run one on the fabric (the switches) or set opensm_port_priorities for this host'
    : 'the link is down: check the cable and the switch port';
  throw new PortError(`${host}: ${r.name} is ${describePort(p)}: ${why}; ports found: ${listPorts(ports)}`);
}

/** The renames that give each port's device its interface name (two steps when names are swapped). */
function planRenames(resolved: Resolved[], devices: IpoibDevice[], host: string): Change[] {
  const byGuid = new Map(devices.map((d) => [d.guid, d]));
  const movers: { from: IpoibDevice; to: string }[] = [];
  for (const r of resolved) {
    const dev = byGuid.get(r.port.guid);
    if (!dev)
      throw new PortError(
        `${host}: no IPoIB device has port ${r.port.guid} (${r.port.ca} port ${r.port.port}) in its hardware address; is ib_ipoib loaded? (ip -o link show)`,
      );
    if (dev.name !== r.name) movers.push({ from: dev, to: r.name });
  }
  const moving = new Set(movers.map((m) => m.from.name));
  for (const m of movers) {
    if (m.to.length > 15) throw new PortError(`${host}: ${m.to} is longer than 15 characters (IFNAMSIZ)`);
    const holder = devices.find((d) => d.name === m.to);
    if (holder && !moving.has(holder.name))
      throw new PortError(
        `${host}: cannot name ${m.from.name} (port ${m.from.guid}) ${m.to}: ${m.to} is the device of port ${holder.guid}, which no interface names; choose another name (the kernel names IPoIB devices ib0, ib1, ... in probe order)`,
      );
    if (m.from.up)
      throw new PortError(
        `${host}: ${m.from.name} (port ${m.from.guid}) is up: renaming it to ${m.to} would interrupt its traffic; bring it down first (or reboot: the udev rule names it at boot)`,
      );
  }
  const swap = movers.some((m) => moving.has(m.to));
  const changes: Change[] = [];
  const ip = (...argv: string[]): Change => ({ kind: 'exec', cmd: { argv: ['ip', 'link', 'set', ...argv] } });
  for (const [i, m] of movers.entries()) {
    changes.push(ip(m.from.name, 'down'));
    changes.push(ip(m.from.name, 'name', swap ? `sshplay-tmp${i}` : m.to));
  }
  if (swap) for (const [i, m] of movers.entries()) changes.push(ip(`sshplay-tmp${i}`, 'name', m.to));
  return changes;
}

export const ipoibPorts: Module<IpoibPortsArgs> = defineModule({
  name: 'ipoib_ports',
  summary: 'tie IPoIB interfaces to HCA ports by GUID or CA/port (ib_guids, ib_ports) and rename their devices',
  schema: {
    interfaces: { type: 'list', required: true },
    subnet_manager: { type: 'bool', default: false },
    rename: { type: 'bool', default: false },
  },
  // The devices are read only to rename them.
  facts: (a: IpoibPortsArgs) => ({ ports: hcaPorts.of(), devices: a.rename ? ipoibDevices.of() : undefined }),
  async plan(ctx, a, read) {
    const { ports, failed } = await read.ports();
    if (failed) return { changes: [], failed: `${ctx.host}: ${failed}` };
    try {
      const resolved: Resolved[] = a.interfaces.map((raw, i) => {
        const iface = (raw ?? {}) as Record<string, unknown>;
        return { name: String(iface.name), port: portOfInterface(iface, i, ports, ctx.host) };
      });
      const seen = new Map<string, string>();
      for (const r of resolved) {
        const other = seen.get(r.port.guid);
        if (other) throw new PortError(`${ctx.host}: ${other} and ${r.name} both name ${describePort(r.port)}`);
        seen.set(r.port.guid, r.name);
      }
      for (const r of resolved) checkState(r, a.subnet_manager, ctx.host, ports);
      let devices: IpoibDevice[] = [];
      let changes: Change[] = [];
      if (read.devices) {
        const links = await read.devices();
        if (links.failed) return { changes: [], failed: `${ctx.host}: ${links.failed}` };
        devices = links.devices;
        changes = planRenames(resolved, devices, ctx.host);
      }
      const device = (guid: string) => devices.find((d) => d.guid === guid)?.name ?? null;
      const ibPorts = resolved.map((r) => ({
        name: r.name,
        ca: r.port.ca,
        port: r.port.port,
        guid: r.port.guid,
        state: r.port.state,
        physical_state: r.port.physicalState,
        device: a.rename ? device(r.port.guid) : null,
      }));
      const summary = resolved.map((r) => `${r.name} = ${describePort(r.port)}`).join(', ');
      const result = {
        ansible_facts: { ib_guids: resolved.map((r) => r.port.guid), ib_ports: ibPorts },
        ports: ibPorts,
      };
      if (changes.length === 0) return { changes, noop: a.rename ? `device names match: ${summary}` : summary, result };
      const renames = ibPorts.filter((p) => p.device !== p.name).map((p) => `${p.device} -> ${p.name}`);
      return { changes, preview: `rename ${renames.join(', ')}`, result };
    } catch (e) {
      if (e instanceof PortError) return { changes: [], failed: e.message };
      throw e;
    }
  },
});
