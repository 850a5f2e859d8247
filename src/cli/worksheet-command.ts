import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { JumpPool } from '../connection/jump-pool.js';
import { KnownHosts } from '../connection/known-hosts.js';
import { SshConnection } from '../connection/ssh.js';
import { UsageError } from '../errors.js';
import { parseOsRelease } from '../facts/os-release.js';
import { hostVars, loadInventory, selectHosts } from '../inventory/index.js';
import { connectionWithSshConfig, loadSshConfig } from '../inventory/ssh-config.js';
import { LUN_REPORT_CMD, parseLunReport } from '../modules/eseries-luns.js';
import { type WorksheetHost, worksheetHtml, worksheetMarkdown } from '../report/worksheet.js';
import { configVars, inventorySources, loadAnsibleConfig } from './ansible-config.js';
import { sshTargetOf } from './ssh-target.js';
import { useVaultPasswords, type VaultCliOptions } from './vault-passwords.js';

interface WorksheetOptions extends VaultCliOptions {
  inventory: string[];
  limit: string;
  output?: string;
  knownHosts?: string;
  timeout?: string;
  sshConfig?: string;
}

/** Reads each host's IQN, OS, kernel and port GUIDs in one round trip, and writes the worksheet. */
export async function runWorksheetCommand(o: WorksheetOptions): Promise<number> {
  const config = await loadAnsibleConfig();
  await useVaultPasswords(o, config?.vaultPasswordFile);
  const inventory = await loadInventory(await inventorySources(o.inventory, config));
  const timeoutS = Number(o.timeout ?? config?.timeout ?? '10');
  const hosts = selectHosts(inventory, o.limit);
  if (hosts.length === 0) throw new UsageError(`--limit '${o.limit}' matches no host`);
  const knownHosts = await KnownHosts.load(o.knownHosts ?? join(homedir(), '.ssh', 'known_hosts'));
  const limit = pLimit(20);
  const jumps = new JumpPool();
  const sshConfig = await loadSshConfig(o.sshConfig, o.sshConfig !== undefined);
  let failures = 0;
  const first = hostVars(inventory, hosts[0] as string);
  const rows = await Promise.all(
    hosts.map((name) =>
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
        };
        try {
          const c = connectionWithSshConfig(name, vars, sshConfig);
          // Facts only: world-readable files and ibstat, so no sudo session even where become is set.
          const conn = await SshConnection.open(
            { ...sshTargetOf(name, c), become: false },
            { knownHosts, connectTimeoutMs: timeoutS * 1000, jumps },
          );
          try {
            const [[iqnFile, osFile], [uname, ibstat, lunReport]] = await Promise.all([
              conn.readFiles(['/etc/iscsi/initiatorname.iscsi', '/etc/os-release']),
              conn.read([{ argv: ['uname', '-r'] }, { argv: ['ibstat', '-p'] }, LUN_REPORT_CMD]),
            ]);
            if (lunReport?.rc === 0) row.luns = parseLunReport(lunReport.stdout);
            row.initiatorIqn = /InitiatorName=(\S+)/.exec(iqnFile?.content?.toString() ?? '')?.[1] ?? '(none)';
            row.osName = parseOsRelease(osFile?.content?.toString() ?? '').prettyName;
            row.kernel = uname?.stdout.trim() ?? '';
            const guids = ibstat?.rc === 0 ? ibstat.stdout.trim().split('\n') : [];
            row.ports.forEach((p, i) => {
              p.guid = guids[i];
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
  const portals = Array.isArray(first.iser_target_portals)
    ? (first.iser_target_portals as { address: string }[]).map((p) => p.address)
    : [];
  jumps.close();
  const data = {
    targetIqn: String(first.iser_target_iqn ?? '(not set)'),
    portals,
    hosts: rows,
    generatedAt: new Date().toISOString(),
  };
  const text = o.output?.endsWith('.html') ? worksheetHtml(data) : worksheetMarkdown(data);
  if (o.output) await writeFile(o.output, text);
  else process.stdout.write(text);
  return failures > 0 ? 3 : 0;
}
