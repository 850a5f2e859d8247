/**
 * eseries_host: a host defined on an E-Series array with its initiator IQN and host type (the document's "Create host
 * manually"), planned as netapp_eseries.santricity's na_santricity_host plans it: created when absent, its host type and
 * ports updated when they differ. An iSER initiator is an iSCSI host port (type iscsi), as the collection defines it.
 * A host port belongs to one host only: an IQN already on another host is refused, never moved (that host would lose
 * its paths); a port with a live session on the array is never removed. With state: absent and initiator_iqn, only a
 * host whose ports are exactly that IQN is removed (one of the same name with other ports is someone else's).
 *
 *   - eseries_host:
 *       name: rhel9-1
 *       initiator_iqn: iqn.1994-05.com.redhat:rhel9-1
 *       host_type: Linux DM-MP (Kernel 3.10 or later)     # a name from the array's host-types, or its index
 */

import {
  type ArrayHost,
  type ArraySession,
  arrayHosts,
  arraySessions,
  type HostTypeEntry,
  hostTypes,
  volumeMappings,
} from '../facts/santricity.js';
import { apiDiff } from './api-diff.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesHostArgs {
  name: string;
  initiator_iqn?: string;
  /** Unique on the array; default `<name>_iqn`. */
  port_label?: string;
  host_type: string;
  state: 'present' | 'absent';
}

/** The collection's short names (module_utils/santricity.py HOST_TYPE_INDEXES) for the types sshplay's playbooks use. */
const SHORT_NAMES: Record<string, number> = { 'linux dm-mp': 28 };

export function resolveHostType(wanted: string, types: readonly HostTypeEntry[]): HostTypeEntry | string {
  const w = wanted.trim().toLowerCase();
  const index = /^\d+$/.test(w) ? Number(w) : (SHORT_NAMES[w] ?? types.find((t) => t.name.toLowerCase() === w)?.index);
  const found = types.find((t) => t.index === index);
  return (
    found ??
    `the array has no host type ${JSON.stringify(wanted)}; it has: ${types.map((t) => `${t.name} (${t.index})`).join(', ')}`
  );
}

/** The host as --diff shows it. */
function shown(h: { name: string; hostTypeIndex: number; ports: { type: string; address: string; label: string }[] }) {
  return {
    name: h.name,
    hostTypeIndex: h.hostTypeIndex,
    ports: h.ports.map((p) => ({ type: p.type, port: p.address, label: p.label })),
  };
}

export const eseriesHost: Module<EseriesHostArgs> = defineModule({
  name: 'eseries_host',
  arrayApi: true,
  summary: 'a host on an E-Series array with its initiator IQN and host type',
  schema: {
    name: { type: 'str', required: true },
    initiator_iqn: { type: 'str' },
    port_label: { type: 'str' },
    host_type: { type: 'str', default: 'Linux DM-MP (Kernel 3.10 or later)' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  },
  facts: (_a: EseriesHostArgs) => ({
    hosts: arrayHosts.of(),
    types: hostTypes.of(),
    mappings: volumeMappings.of(),
    sessions: arraySessions.of(),
  }),
  async plan(ctx, a, read) {
    const [hosts, types] = await Promise.all([read.hosts(), read.types()]);
    const host = hosts.find((h) => h.name.toLowerCase() === a.name.toLowerCase());
    const label = `host/${a.name}`;
    if (a.state === 'absent') {
      if (!host) return { changes: [], noop: `no host ${a.name} on the array` };
      // a host of that name whose ports are not the inventory's is someone else's: never removed
      const iqn = a.initiator_iqn?.trim().toLowerCase();
      const foreign = iqn ? host.ports.filter((p) => p.address !== iqn) : [];
      if (foreign.length > 0 || (iqn && host.ports.length === 0))
        return {
          changes: [],
          failed: `host ${a.name} on the array has port${foreign.length === 1 ? '' : 's'} ${foreign.map((p) => p.address).join(', ') || '(none)'}, not ${iqn} as the inventory says: not the host sshplay defined, left alone`,
        };
      const mapped = (await read.mappings()).filter((m) => m.mapRef === host.id);
      // in check mode an earlier task of the teardown would unmap them: previewed, not failed
      if (mapped.length > 0 && !ctx.check)
        return {
          changes: [],
          failed: `host ${a.name} still has ${mapped.length} volume mapping(s): unmap them first (eseries_lun_mapping state: absent)`,
        };
      return {
        changes: [{ kind: 'api', method: 'DELETE', path: `hosts/${host.id}` }],
        diff: apiDiff(label, shown(host), null),
        preview: `remove host ${a.name}${mapped.length ? ` once its ${mapped.length} volume mapping(s) are unmapped by an earlier task` : ''}`,
      };
    }
    if (!a.initiator_iqn) return { changes: [], failed: 'initiator_iqn is required with state: present' };
    const iqn = a.initiator_iqn.trim().toLowerCase();
    if (!/^iqn\.\d{4}-\d{2}\.[^\s]+$/.test(iqn))
      return {
        changes: [],
        failed: `initiator_iqn ${JSON.stringify(a.initiator_iqn)} is not an iSCSI qualified name (iqn.yyyy-mm.…)`,
      };
    const type = resolveHostType(a.host_type, types);
    if (typeof type === 'string') return { changes: [], failed: type };
    const portLabel = a.port_label ?? `${a.name}_iqn`;
    const owner = hosts.find((h) => h !== host && h.ports.some((p) => p.address === iqn));
    if (owner)
      return {
        changes: [],
        failed: `initiator IQN ${iqn} is already a port of host ${owner.name} on the array; a host port belongs to one host only (remove it from ${owner.name} first)`,
      };
    const labelOwner = hosts.find(
      (h) => h !== host && h.ports.some((p) => p.label.toLowerCase() === portLabel.toLowerCase()),
    );
    if (labelOwner)
      return {
        changes: [],
        failed: `port label ${portLabel} is already used by host ${labelOwner.name}; set port_label`,
      };
    const port = { type: 'iscsi', label: portLabel, port: iqn };
    const wanted = {
      name: a.name,
      hostTypeIndex: type.index,
      ports: [{ type: 'iscsi', address: iqn, label: portLabel }],
    };
    if (!host)
      return {
        changes: [
          {
            kind: 'api',
            method: 'POST',
            path: 'hosts',
            body: { name: a.name, hostType: { index: type.index }, ports: [port] },
          },
        ],
        diff: apiDiff(label, null, shown(wanted)),
        preview: `define host ${a.name} (${type.name}) with ${iqn}`,
      };
    return planUpdate(read.sessions, host, wanted, type, port, label);
  },
});

/** An existing host: its type and its one port brought to what is wanted, ports in live use never removed. */
async function planUpdate(
  sessions: () => Promise<ArraySession[]>,
  host: ArrayHost,
  wanted: Pick<ArrayHost, 'name' | 'hostTypeIndex' | 'ports'>,
  type: HostTypeEntry,
  port: { type: string; label: string; port: string },
  label: string,
) {
  const keep = host.ports.find((p) => p.address === port.port && p.type === port.type && p.label === port.label);
  const remove = host.ports.filter((p) => p !== keep);
  if (keep && remove.length === 0 && host.hostTypeIndex === type.index)
    return { changes: [], noop: `host ${host.name} is defined with ${port.port} (${type.name})` };
  if (remove.length > 0) {
    const live = new Set((await sessions()).map((s) => s.initiatorIqn.toLowerCase()));
    const busy = remove.filter((p) => live.has(p.address) && p.address !== port.port);
    if (busy.length > 0)
      return {
        changes: [],
        failed: `host ${host.name}: port ${busy.map((p) => p.address).join(', ')} has a live session on the array; sshplay does not remove a port in use`,
      };
  }
  const body = {
    name: host.name,
    hostType: { index: type.index },
    ports: keep ? [] : [port],
    portsToRemove: remove.flatMap((p) => (p.id ? [p.id] : [])),
  };
  return {
    changes: [{ kind: 'api' as const, method: 'POST' as const, path: `hosts/${host.id}`, body }],
    diff: apiDiff(label, shown(host), shown(wanted)),
    preview: `update host ${host.name}: ${type.name}, port ${port.port}`,
  };
}
