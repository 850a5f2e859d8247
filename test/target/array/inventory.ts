/**
 * Inventories for a fleet wired to the simulated array (host-link.ts), as the e2e test and the demo use them: the
 * array's group (eseries_arrays, its API, its iSER ports, a volume per host), and the fleet's host inventory with the
 * values the array now gives the hosts taken out (iser_target_iqn, iser_target_portals, iser_luns).
 */
import { parse, stringify } from 'yaml';
import type { SimHost } from '../types.js';

export interface ArrayInventoryOptions {
  url: string;
  certSha256: string;
  password: string;
  /** The hosts that get a volume each (LUN 1, mounted at /mnt/iser). */
  hosts: Pick<SimHost, 'name'>[];
  username?: string;
  name?: string;
}

/** The array's inventory as YAML: controller A/B ports 1 on 192.168.130.0/24, ports 2 on 192.168.131.0/24. */
export function arrayInventoryYaml(o: ArrayInventoryOptions): string {
  const doc = {
    all: {
      children: {
        eseries_arrays: {
          vars: {
            ansible_connection: 'eseries_api',
            eseries_api_username: o.username ?? 'admin',
            eseries_api_password: o.password,
            eseries_api_cert_sha256: o.certSha256,
          },
          hosts: {
            [o.name ?? 'array1']: {
              eseries_api_url: o.url,
              eseries_iser_ports: [
                { controller: 'A', channel: 1, address: '192.168.130.101' },
                { controller: 'B', channel: 1, address: '192.168.130.102' },
                { controller: 'A', channel: 2, address: '192.168.131.101' },
                { controller: 'B', channel: 2, address: '192.168.131.102' },
              ],
              // where each host's volume goes: the array's names and sizes, the hosts' mount points; no WWID
              eseries_volumes: o.hosts.map((h) => ({
                name: `vol_${h.name}`,
                pool: 'pool1',
                size_gb: 10,
                host: h.name,
                lun: 1,
                mountpoint: '/mnt/iser',
                fstype: 'ext4',
              })),
            },
          },
        },
      },
    },
  };
  return stringify(doc, { lineWidth: 0 });
}

/** A fleet inventory (inventory.ts's YAML) without the target IQN, the portals and the WWIDs: the array gives them. */
export function withoutArrayValues(fleetInventoryYaml: string): string {
  const doc = parse(fleetInventoryYaml);
  const group = doc.all.children.iser_hosts;
  delete group.vars.iser_target_iqn;
  delete group.vars.iser_target_portals;
  for (const h of Object.values(group.hosts ?? {}) as Record<string, unknown>[]) delete h.iser_luns;
  return stringify(doc, { lineWidth: 0 });
}
