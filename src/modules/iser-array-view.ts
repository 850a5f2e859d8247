/**
 * iser_array_view: what one host needs from the E-Series array, computed from the array's facts (eseries_facts,
 * registered by the array's play and read through hostvars): the array's target IQN, its iSER portals each paired
 * with this host's iface on the portal's subnet (iface-<IPoIB device>), and the LUNs the array maps to this host (or
 * its host group) with their WWIDs, plus each volume's mount point and filesystem from the array's `eseries_volumes`.
 * It is what the inventory otherwise gives by hand as iser_target_iqn, iser_target_portals and iser_luns.
 * Evaluates only: it never touches the host (nor the array).
 *
 *   - iser_array_view:
 *       array: "{{ hostvars[groups['eseries_arrays'][0]].eseries_array }}"
 *       interfaces: "{{ ipoib_interfaces }}"
 *       volumes: "{{ hostvars[groups['eseries_arrays'][0]].eseries_volumes }}"
 *     register: from_array
 */
import type { Module } from './types.js';

export interface IserArrayViewArgs {
  /** The array's eseries_facts result. */
  array: unknown;
  /** This host's IPoIB interfaces ({name, address: a.b.c.d/nn}). */
  interfaces: unknown[];
  /** The array's eseries_volumes ({name, mountpoint, fstype, ...}): where each volume is mounted. */
  volumes: unknown[];
  /** The iSER ports the array's play sets ({controller, channel, address}): used in check mode before they are set. */
  planned_ports: unknown[];
  /** This host's name on the array (default: its inventory name, as the array's play defines it). */
  host?: string;
}

interface ArrayFacts {
  target_iqn?: unknown;
  iser_interfaces?: { controller?: unknown; channel?: unknown; address?: unknown }[];
  host_luns?: Record<string, { volume?: unknown; lun?: unknown; wwid?: unknown }[]>;
}

const ipv4 = (s: string) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m ? m.slice(1).reduce((n, o) => n * 256 + Number(o), 0) : undefined;
};

/** The interface whose address/prefix holds `address`, or undefined. */
function ifaceFor(address: string, interfaces: { name: string; address: string }[]): string | undefined {
  const ip = ipv4(address);
  if (ip === undefined) return undefined;
  for (const i of interfaces) {
    const [net, len] = i.address.split('/');
    const base = ipv4(net ?? '');
    const bits = Number(len);
    if (base === undefined || !(bits >= 0 && bits <= 32)) continue;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((ip & mask) >>> 0 === (base & mask) >>> 0) return `iface-${i.name}`;
  }
  return undefined;
}

export const iserArrayView: Module<IserArrayViewArgs> = {
  name: 'iser_array_view',
  summary: "one host's target IQN, portals (with its iface per subnet) and LUNs, from the array's eseries_facts",
  local: true,
  schema: {
    array: { type: 'raw', required: true },
    interfaces: { type: 'list', required: true },
    volumes: { type: 'list', default: [] },
    planned_ports: { type: 'list', default: [] },
    host: { type: 'str' },
  },
  async plan(ctx, a) {
    const facts = a.array as ArrayFacts | undefined;
    const host = a.host ?? ctx.host;
    if (!facts || typeof facts !== 'object' || typeof facts.target_iqn !== 'string')
      return {
        changes: [],
        failed: `${ctx.host}: no facts of the array to take the target IQN, portals and LUNs from (the array's play did not run in this run: give iser_target_iqn, iser_target_portals and iser_luns by hand, or include the array)`,
      };
    const interfaces = a.interfaces.flatMap((i) =>
      i && typeof i === 'object' && typeof (i as { name?: unknown }).name === 'string'
        ? [{ name: String((i as { name: string }).name), address: String((i as { address?: unknown }).address ?? '') }]
        : [],
    );
    // the array's ports as it reports them; in check mode, a port its play would set is taken as planned
    const planned = new Map(
      a.planned_ports.map((p) => {
        const q = p as { controller?: unknown; channel?: unknown; address?: unknown };
        return [`${String(q.controller)}${String(q.channel)}`, String(q.address ?? '')];
      }),
    );
    const ports = (facts.iser_interfaces ?? [])
      .map((p) => {
        const key = `${String(p.controller)}${String(p.channel)}`;
        const actual = String(p.address ?? '');
        const address = actual && actual !== '0.0.0.0' ? actual : ctx.check ? (planned.get(key) ?? '') : '';
        return { key, channel: Number(p.channel), address };
      })
      .filter((p) => p.address !== '' && p.address !== '0.0.0.0')
      // the document's order: controller A port 1, B port 1, A port 2, B port 2
      .sort((x, y) => x.channel - y.channel || x.key.localeCompare(y.key));
    const portals: { address: string; iface: string }[] = [];
    const unreachable: string[] = [];
    for (const p of ports) {
      const iface = ifaceFor(p.address, interfaces);
      if (iface) portals.push({ address: p.address, iface });
      else unreachable.push(`${p.key} ${p.address}`);
    }
    if (portals.length === 0)
      return {
        changes: [],
        failed: `${ctx.host}: none of the array's iSER ports (${ports.map((p) => `${p.key} ${p.address}`).join(', ') || 'none has an address'}) is on a subnet of ipoib_interfaces (${interfaces.map((i) => `${i.name} ${i.address}`).join(', ')})`,
      };
    const spec = new Map(
      a.volumes.flatMap((v) =>
        v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string'
          ? [[(v as { name: string }).name, v as { mountpoint?: unknown; fstype?: unknown }] as const]
          : [],
      ),
    );
    const seen = facts.host_luns?.[host] ?? [];
    const luns: Record<string, unknown>[] = [];
    const unplaced: string[] = [];
    for (const l of seen) {
      const volume = String(l.volume);
      const where = spec.get(volume);
      if (typeof where?.mountpoint !== 'string') {
        unplaced.push(volume);
        continue;
      }
      luns.push({
        wwid: String(l.wwid),
        mountpoint: where.mountpoint,
        ...(typeof where.fstype === 'string' ? { fstype: where.fstype } : {}),
        lun: l.lun,
        volume,
      });
    }
    const notes = [
      unreachable.length ? `not on this host's subnets: ${unreachable.join(', ')}` : '',
      unplaced.length ? `mapped but without a mountpoint in eseries_volumes (left alone): ${unplaced.join(', ')}` : '',
      ctx.check && seen.length === 0 ? 'check mode: no volume mapped to it yet' : '',
    ].filter(Boolean);
    return {
      changes: [],
      noop: `${ctx.host}: target ${facts.target_iqn}, portals ${portals.map((p) => `${p.address} (${p.iface})`).join(', ')}, LUNs ${luns.map((l) => `${l.lun} ${l.wwid} ${l.mountpoint}`).join(', ') || 'none'}${notes.length ? `; ${notes.join('; ')}` : ''}`,
      result: { target_iqn: facts.target_iqn, portals, luns },
    };
  },
};
