import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { ConnectionFactory } from '../connection/factory.js';
import { KnownHosts } from '../connection/known-hosts.js';
import { UsageError } from '../errors.js';
import { IBSTAT_CMD, parseIbstat } from '../facts/hca-ports.js';
import { HostFacts } from '../facts/host-facts.js';
import { parseOsRelease } from '../facts/os-release.js';
import {
  arrayHostGroups,
  arrayHosts,
  targetIqn as arrayTargetIqn,
  arrayVolumes,
  hostTypes,
  iserInterfaces,
  volumeMappings,
} from '../facts/santricity.js';
import { hostVars, loadInventory, selectHosts } from '../inventory/index.js';
import { loadSshConfig } from '../inventory/ssh-config.js';
import type { Vars } from '../inventory/types.js';
import { LUN_REPORT_CMD, parseLunReport } from '../modules/eseries-luns.js';
import { PortError, portOfInterface } from '../modules/ipoib-ports.js';
import {
  automaticLoadBalancingOf,
  type WorksheetArray,
  type WorksheetHost,
  worksheetHtml,
  worksheetMarkdown,
} from '../report/worksheet.js';
import { configVars, inventorySources, loadAnsibleConfig } from './ansible-config.js';
import { checkLimit } from './limit-check.js';
import { positiveInt } from './positive-int.js';
import type { SecretPrompt } from './prompt.js';
import { useVaultPasswords, type VaultCliOptions } from './vault-passwords.js';

interface WorksheetOptions extends VaultCliOptions {
  inventory: string[];
  limit: string;
  output?: string;
  knownHosts?: string;
  timeout?: string;
  forks?: string;
  sshConfig?: string;
}

/** The worksheet's format by the output file's extension: .md/.markdown or .html/.htm; any other is refused. */
export function worksheetFormat(file: string): 'markdown' | 'html' {
  const ext = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  if (ext === 'md' || ext === 'markdown') return 'markdown';
  if (ext === 'html' || ext === 'htm') return 'html';
  throw new UsageError(
    `-o ${file}: ${ext ? `.${ext} is not a worksheet format` : 'the file name has no extension'}; write to a .md (Markdown) or .html file, or leave -o out for Markdown on stdout`,
  );
}

/** Reads each host's IQN, OS, kernel and port GUIDs in one round trip, and writes the worksheet. */
export async function runWorksheetCommand(o: WorksheetOptions, secrets: SecretPrompt): Promise<number> {
  // Before any host is read: x.pdf would otherwise get Markdown under a name that promises a PDF.
  if (o.output !== undefined) worksheetFormat(o.output);
  const config = await loadAnsibleConfig();
  const keyring = await useVaultPasswords(o, secrets, config?.vaultPasswordFile);
  const inventorySourceList = await inventorySources(o.inventory, config);
  const inventory = await loadInventory(inventorySourceList, { keyring });
  const timeoutS = positiveInt(o.timeout ?? config?.timeout ?? '10', o.timeout ? '--timeout' : 'timeout');
  const forks = positiveInt(o.forks ?? config?.forks ?? '10', o.forks ? '--forks' : 'forks');
  checkLimit(inventory, o.limit, inventorySourceList);
  const hosts = selectHosts(inventory, o.limit);
  const limit = pLimit(forks);
  const connections = new ConnectionFactory({
    knownHosts: await KnownHosts.load(o.knownHosts ?? join(homedir(), '.ssh', 'known_hosts')),
    connectTimeoutMs: timeoutS * 1000,
    sshConfig: await loadSshConfig(o.sshConfig, o.sshConfig !== undefined),
  });
  let failures = 0;
  // An E-Series array of the inventory (ansible_connection: eseries_api) is read through its REST API: it has no
  // initiator, files or ports of its own to list as a host.
  const isArray = (name: string) =>
    ({ ...configVars(config), ...hostVars(inventory, name) }).ansible_connection === 'eseries_api';
  // the arrays are the inventory's whatever --limit picks (by default the hosts of iser_hosts): the sheet records
  // the hosts and the array they are cabled to
  const arrayNames = [...new Set([...hosts, ...selectHosts(inventory, 'all')])].filter(isArray);
  const hostNames = hosts.filter((h) => !isArray(h));
  const first = hostVars(inventory, (hostNames[0] ?? hosts[0]) as string);
  const arrays = await Promise.all(
    arrayNames.map((name) =>
      limit(async () => {
        const read = await readArray(name, connections, { ...configVars(config), ...hostVars(inventory, name) });
        if (read.error) {
          failures++;
          process.stderr.write(`${name}: ${read.error}\n`);
        }
        return read;
      }),
    ),
  );
  const rows = await Promise.all(
    hostNames.map((name) =>
      limit(async (): Promise<WorksheetHost> => {
        const vars = { ...configVars(config), ...hostVars(inventory, name) };
        const ifaces = Array.isArray(vars.ipoib_interfaces)
          ? (vars.ipoib_interfaces as { name: string; address: string }[])
          : [];
        const row: WorksheetHost = {
          name,
          initiatorIqn: '(unreachable)',
          osName: '',
          kernel: '',
          ports: ifaces.map((i) => ({ ...i })),
          automaticLoadBalancing: automaticLoadBalancingOf(name, vars.eseries_automatic_load_balancing),
        };
        try {
          // Facts only: world-readable files and ibstat, so no sudo session even where become is set.
          const conn = await connections.connect(name, vars, { factsOnly: true });
          try {
            const [[iqnFile, osFile], [uname, ibstat, lunReport]] = await Promise.all([
              conn.readFiles(['/etc/iscsi/initiatorname.iscsi', '/etc/os-release']),
              conn.read([{ argv: ['uname', '-r'] }, IBSTAT_CMD, LUN_REPORT_CMD]),
            ]);
            if (lunReport?.rc === 0) row.luns = parseLunReport(lunReport.stdout);
            row.initiatorIqn = /InitiatorName=(\S+)/.exec(iqnFile?.content?.toString() ?? '')?.[1] ?? '(none)';
            row.osName = parseOsRelease(osFile?.content?.toString() ?? '').prettyName;
            row.kernel = uname?.stdout.trim() ?? '';
            // Ports by identity, as the playbooks tie them (port_guid, or ca + port; position only on one HCA).
            const ports = ibstat?.rc === 0 ? parseIbstat(ibstat.stdout) : [];
            row.ports.forEach((p, i) => {
              try {
                p.guid = portOfInterface(ifaces[i] as unknown as Record<string, unknown>, i, ports, name).guid;
              } catch (e) {
                if (!(e instanceof PortError)) throw e;
                p.guid = '(port not identified)';
                process.stderr.write(`${e.message}\n`);
              }
            });
          } finally {
            await conn.close();
          }
        } catch (e) {
          failures++;
          process.stderr.write(`${name}: ${(e as Error).message}\n`);
        }
        return row;
      }),
    ),
  );
  const read = arrays.find((a) => !a.error);
  const portals = Array.isArray(first.iser_target_portals)
    ? (first.iser_target_portals as { address: string }[]).map((p) => p.address)
    : (read?.portals.map((p) => p.address) ?? []);
  connections.close();
  const data = {
    targetIqn: String(first.iser_target_iqn ?? read?.targetIqn ?? '(not set)'),
    portals,
    hosts: rows,
    arrays,
    generatedAt: new Date().toISOString(),
  };
  const text =
    o.output !== undefined && worksheetFormat(o.output) === 'html' ? worksheetHtml(data) : worksheetMarkdown(data);
  if (o.output) await writeFile(o.output, text);
  else process.stdout.write(text);
  return failures > 0 ? 3 : 0;
}

/** An array's side of the worksheet, read through its REST API (reads only; the same reads as eseries_facts). */
async function readArray(name: string, connections: ConnectionFactory, vars: Vars): Promise<WorksheetArray> {
  const empty: WorksheetArray = { name, targetIqn: '', portals: [], hosts: [], luns: [] };
  try {
    const conn = await connections.connect(name, vars, { factsOnly: true });
    try {
      const facts = new HostFacts(conn);
      const [targetIqn, ports, hosts, groups, volumes, mappings, types] = await Promise.all([
        arrayTargetIqn.of().read(facts),
        iserInterfaces.of().read(facts),
        arrayHosts.of().read(facts),
        arrayHostGroups.of().read(facts),
        arrayVolumes.of().read(facts),
        volumeMappings.of().read(facts),
        hostTypes.of().read(facts),
      ]);
      const nameOf = (ref: string) =>
        hosts.find((h) => h.id === ref)?.name ?? groups.find((g) => g.id === ref)?.name ?? ref;
      return {
        name,
        targetIqn,
        portals: ports
          .filter((p) => p.address && p.address !== '0.0.0.0')
          .sort((a, b) => a.channel - b.channel || a.controller.localeCompare(b.controller))
          .map((p) => ({ port: `${p.controller}${p.channel}`, address: p.address })),
        hosts: hosts.map((h) => ({
          name: h.name,
          hostType: types.find((t) => t.index === h.hostTypeIndex)?.name ?? String(h.hostTypeIndex),
          iqns: h.ports.filter((p) => p.type === 'iscsi').map((p) => p.address),
          ...(h.groupRef ? { group: nameOf(h.groupRef) } : {}),
        })),
        luns: mappings.flatMap((m) => {
          const v = volumes.find((x) => x.id === m.volumeRef);
          return v ? [{ volume: v.name, lun: m.lun, wwid: `3${v.wwn}`, mappedTo: nameOf(m.mapRef) }] : [];
        }),
      };
    } finally {
      await conn.close();
    }
  } catch (e) {
    return { ...empty, error: (e as Error).message };
  }
}
