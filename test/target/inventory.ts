/**
 * The Ansible YAML inventory of a simulated fleet, shared by the namespace and Docker targets:
 * a pure function of (hosts, array, key, options) to YAML text, and a writer.
 *
 *   all:
 *     vars: {ansible_user: root, ansible_ssh_private_key_file: <key>}
 *     children:
 *       iser_hosts:
 *         vars: {iser_target_iqn, iser_target_portals, opensm_port_priorities, ...groupVars}
 *         hosts: {host1: {ansible_host, ansible_port, ipoib_interfaces, iser_luns, ...extraHostVars.host1}}
 *       <extra groups>: {hosts: ...}
 *       rhel / sles / ubuntu: {hosts: ...}     (flavor family)
 *       rhel8 / sles15 / ...: {hosts: ...}     (exact flavor)
 *
 * A host's variables are written once, in the first group that lists it; the other groups list it as `{}`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { SimArray, SimFlavor, SimHost } from './types.js';

/** The group the iSER playbooks target; it carries the array's variables. */
export const ISER_GROUP = 'iser_hosts';

/** A fleet host with the extra groups of its spec. */
export interface InventoryHost extends SimHost {
  groups?: string[];
}

export interface InventoryOptions {
  /** Merged into each named host's variables (wins over the defaults). */
  extraHostVars?: Record<string, Record<string, unknown>>;
  /** Merged into the iser_hosts group's variables (wins over the defaults). */
  groupVars?: Record<string, unknown>;
  /** Give every host `iser_luns` for its LUN (default true: the hosts have a loop-backed LUN). */
  lun?: boolean;
  /** A comment line at the top of the file. */
  comment?: string;
}

export function flavorFamily(flavor: SimFlavor): 'rhel' | 'sles' | 'ubuntu' {
  if (flavor.startsWith('rhel')) return 'rhel';
  if (flavor.startsWith('sles')) return 'sles';
  return 'ubuntu';
}

/** The README's iSER variables for an array: portals A1, B1 on iface-ib0 and A2, B2 on iface-ib1. */
export function iserGroupVars(array: SimArray): Record<string, unknown> {
  const ifaces = ['iface-ib0', 'iface-ib0', 'iface-ib1', 'iface-ib1'];
  return {
    iser_target_iqn: array.targetIqn,
    iser_target_portals: array.portals.map((address, i) => ({ address, iface: ifaces[i] ?? 'iface-ib1' })),
    opensm_port_priorities: [15, 1],
  };
}

/** Connection variables and the host's IPoIB addresses (192.168.130.(11+i)/24, 192.168.131.(11+i)/24) and LUN. */
export function defaultHostVars(host: SimHost, lun = true): Record<string, unknown> {
  return {
    ansible_host: host.address,
    ansible_port: host.port,
    ipoib_interfaces: [
      { name: 'ib0', address: `192.168.130.${11 + host.index}/24` },
      { name: 'ib1', address: `192.168.131.${11 + host.index}/24` },
    ],
    ...(lun ? { iser_luns: [{ wwid: host.lunWwid, mountpoint: '/mnt/iser', fstype: 'ext4' }] } : {}),
  };
}

/** The inventory as YAML text. */
export function inventoryYaml(
  hosts: InventoryHost[],
  array: SimArray,
  privateKeyFile: string,
  options: InventoryOptions = {},
): string {
  const members = new Map<string, string[]>();
  const add = (group: string, host: string) => {
    const list = members.get(group) ?? [];
    if (!list.includes(host)) list.push(host);
    members.set(group, list);
  };
  members.set(ISER_GROUP, []);
  for (const h of hosts) for (const g of h.groups ?? []) add(g, h.name);
  for (const h of hosts) add(flavorFamily(h.flavor), h.name);
  for (const h of hosts) add(h.flavor, h.name);

  const written = new Set<string>();
  const children: Record<string, Record<string, unknown>> = {};
  for (const [group, names] of members) {
    const entries: Record<string, Record<string, unknown>> = {};
    for (const name of names) {
      const host = hosts.find((h) => h.name === name) as InventoryHost;
      entries[name] = written.has(name)
        ? {}
        : { ...defaultHostVars(host, options.lun ?? true), ...options.extraHostVars?.[name] };
      written.add(name);
    }
    children[group] =
      group === ISER_GROUP
        ? { vars: { ...iserGroupVars(array), ...options.groupVars }, hosts: entries }
        : { hosts: entries };
  }
  const doc = {
    all: {
      vars: { ansible_user: 'root', ansible_ssh_private_key_file: resolve(privateKeyFile) },
      children,
    },
  };
  const head = options.comment ? `# ${options.comment.replace(/\n/g, ' ')}\n` : '';
  return head + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Writes the inventory to `file` (folders made as needed) and returns the file's absolute path. */
export async function writeInventoryFile(
  file: string,
  hosts: InventoryHost[],
  array: SimArray,
  privateKeyFile: string,
  options: InventoryOptions = {},
): Promise<string> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, inventoryYaml(hosts, array, privateKeyFile, options));
  return path;
}
