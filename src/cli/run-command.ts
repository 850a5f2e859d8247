import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { JumpPool } from '../connection/jump-pool.js';
import { KnownHosts } from '../connection/known-hosts.js';
import type { Connection } from '../connection/types.js';
import type { Reporter } from '../engine/events.js';
import { Engine, type RunSummary } from '../engine/run.js';
import { UsageError } from '../errors.js';
import { hostVars, loadInventory, selectHosts, selectPlayHosts } from '../inventory/index.js';
import { sessionBecome } from '../playbook/become.js';
import { loadPlaybook } from '../playbook/load.js';
import { ConsoleReporter } from '../report/console.js';
import { JsonReporter } from '../report/json.js';
import { configVars, inventorySources, loadAnsibleConfig } from './ansible-config.js';
import { parseExtraVars } from './extra-vars.js';
import { openLocal } from './local-host.js';
import { readSecret } from './prompt.js';
import { retryFileName, writeRetryFile } from './retry-file.js';
import { sshTargetOf } from './ssh-target.js';
import { useVaultPasswords, type VaultCliOptions } from './vault-passwords.js';

export interface RunCliOptions extends VaultCliOptions {
  inventory: string[];
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: string;
  extraVars: string[];
  tags?: string;
  skipTags?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  json?: boolean;
  verbose: number;
  listHosts?: boolean;
  listTasks?: boolean;
  timeout?: string;
  profile?: boolean;
  startAtTask?: string;
  step?: boolean;
  askPass?: boolean;
  askBecomePass?: boolean;
  retryFile?: boolean;
  syntaxCheck?: boolean;
  sshConfig?: string;
}

export const EXIT = { ok: 0, failed: 2, unreachable: 3, config: 4, usage: 5, interrupted: 99 } as const;

function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} expects a positive whole number, got '${value}'`);
  return n;
}

export async function runPlaybookCommand(playbookFile: string, o: RunCliOptions): Promise<number> {
  const config = await loadAnsibleConfig();
  for (const warning of config?.warnings ?? []) process.stderr.write(`[WARNING] ${warning}\n`);
  const forks = positiveInt(o.forks ?? config?.forks ?? '10', o.forks ? '--forks' : 'forks');
  const timeoutS = positiveInt(o.timeout ?? config?.timeout ?? '10', o.timeout ? '--timeout' : 'timeout');
  await useVaultPasswords(o, config?.vaultPasswordFile);
  const extraVars = await parseExtraVars(o.extraVars);
  const inventorySourceList = await inventorySources(o.inventory, config);
  const inventory = await loadInventory(inventorySourceList);
  const defaultsFromConfig = configVars(config);
  const playbook = await loadPlaybook(playbookFile);
  const split = (s?: string) =>
    s
      ? s
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [];

  if (o.limit) {
    const limited = selectHosts(inventory, o.limit);
    if (limited.length === 0)
      throw new UsageError(`--limit '${o.limit}' matches no host of the inventory (${inventorySourceList.join(', ')})`);
  }
  if (o.startAtTask && !playbook.plays.some((p) => p.tasks.some((t) => t.name === o.startAtTask)))
    throw new UsageError(`--start-at-task '${o.startAtTask}': no task of ${playbookFile} has that name`);
  // The engine asks for a play's hosts per host and per prefetch: select each pattern once.
  const hostsCache = new Map<string, string[]>();
  const hostsFor = (pattern: string) => {
    let hosts = hostsCache.get(pattern);
    if (!hosts) {
      hosts = selectPlayHosts(inventory, pattern, o.limit);
      hostsCache.set(pattern, hosts);
    }
    return hosts;
  };
  // Who each host's session runs as: a conflict is bad input, refused before any prompt or connection.
  const becomePlan = sessionBecome(playbook, hostsFor);
  if (o.syntaxCheck) {
    process.stdout.write(
      `playbook: ${playbookFile}: syntax OK (${playbook.plays.length} plays; inventory read, tasks' arguments checked)\n`,
    );
    return EXIT.ok;
  }
  if (o.listHosts || o.listTasks) {
    for (const play of playbook.plays) {
      const hosts = hostsFor(play.hosts);
      process.stdout.write(`play: ${play.name} (${hosts.length} hosts)\n`);
      if (o.listHosts) for (const h of hosts) process.stdout.write(`    ${h}\n`);
      if (o.listTasks)
        for (const t of play.tasks) {
          // As ansible-playbook lists them: a task's tags include its play's.
          const tags = [...new Set([...play.tags, ...t.tags])];
          process.stdout.write(`    ${t.name}${tags.length ? `  TAGS: [${tags.join(', ')}]` : ''}\n`);
        }
    }
    return EXIT.ok;
  }

  const password = o.askPass ? await readSecret('SSH password: ') : undefined;
  const becomePassword = o.askBecomePass ? await readSecret('BECOME password: ') : undefined;
  const knownHosts = await KnownHosts.load(o.knownHosts ?? join(homedir(), '.ssh', 'known_hosts'));
  // Loaded past --list-*/--syntax-check: those never connect, so their start-up skips the parser.
  const { connectionWithSshConfig, loadSshConfig } = await import('../inventory/ssh-config.js');
  const sshConfig = await loadSshConfig(o.sshConfig, o.sshConfig !== undefined);
  const reporter: Reporter = o.json
    ? new JsonReporter()
    : new ConsoleReporter({
        verbosity: o.verbose,
        // Loaded only for a terminal: start-up of every other run skips it. A terminal that reports no
        // size (a pty nobody sized: some CI runners, `docker exec -t`) gets the plain lines, since
        // log-update draws nothing in zero rows and ok results would vanish.
        live:
          process.stdout.isTTY && (process.stdout.rows ?? 0) > 0 && !o.step
            ? (await import('log-update')).default
            : undefined,
        color: !!process.stdout.isTTY && !process.env.NO_COLOR,
        profile: !!o.profile,
      });
  const varsCache = new Map<string, Record<string, unknown>>();
  const inventoryVars = (host: string) => {
    let v = varsCache.get(host);
    if (!v) {
      v = { ...defaultsFromConfig, ...hostVars(inventory, host, extraVars) };
      varsCache.set(host, v);
    }
    return v;
  };
  let jumps: JumpPool | undefined;
  const connect = async (host: string, vars: Record<string, unknown>): Promise<Connection> => {
    const c = connectionWithSshConfig(host, vars, sshConfig);
    // The playbook's become for this host, else ansible.cfg's; the host's own variables still win.
    const playBecome = {
      become: becomePlan.get(host)?.become ?? config?.become,
      becomeUser: becomePlan.get(host)?.becomeUser ?? config?.becomeUser,
    };
    if (c.connection === 'local') return openLocal(host, c, playBecome);
    // ssh2 loads on the first connection: --list-hosts, --list-tasks and bad input never pay for it.
    const { SshConnection } = await import('../connection/ssh.js');
    // Checked and made with no await in between: hosts connect concurrently and must share the one pool.
    if (c.jumps && !jumps) jumps = new JumpPool();
    const target = sshTargetOf(host, c, { password, becomePassword, ...playBecome });
    return SshConnection.open(target, {
      knownHosts,
      acceptNewHostKeys: o.acceptNewHostKeys,
      connectTimeoutMs: timeoutS * 1000,
      jumps,
    });
  };
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\nInterrupted: finishing running tasks, starting no new ones (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let step: ((task: string) => Promise<boolean>) | undefined;
  // Closed after the run: an open interface holds stdin and the process would never exit.
  const rl = o.step ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  if (rl) step = async (task) => !/^n/i.test(await rl.question(`Perform task: ${task} (y/n)? `));
  knownHosts.onRecorded = (lookup, keyType, fingerprint, file) =>
    reporter.emit({
      type: 'warning',
      msg: `--accept-new-host-keys: recorded the new host key of ${lookup} (${keyType} ${fingerprint}) in ${file}`,
    });
  let summary: RunSummary;
  try {
    summary = await new Engine(
      {
        playbook,
        hostsFor,
        inventoryVars,
        connect,
        reporter,
        signal: abort.signal,
      },
      {
        check: !!o.check,
        diff: !!o.diff,
        forks,
        tags: split(o.tags),
        skipTags: split(o.skipTags),
        extraVars,
        startAtTask: o.startAtTask,
        step,
      },
    ).run();
  } finally {
    jumps?.close();
    rl?.close();
    process.off('SIGINT', onSigint);
    reporter.close?.();
  }
  if (process.env.SSHPLAY_STATS_FILE) {
    // For the benchmark: the controller's own cost and the remote work it caused, per host.
    const usage = process.resourceUsage();
    await writeFile(
      process.env.SSHPLAY_STATS_FILE,
      JSON.stringify({
        cpuUserMs: usage.userCPUTime / 1000,
        cpuSystemMs: usage.systemCPUTime / 1000,
        maxRssKb: usage.maxRSS,
        connections: summary.connectionStats,
      }),
    );
  }
  // Failed and unreachable hosts, and those any_errors_fatal stopped (as Ansible marks them failed).
  const bad = [...new Set([...summary.failed, ...summary.unreachable, ...summary.stoppedByFatal])];
  if (bad.length > 0 && o.retryFile !== false && config?.retryFilesEnabled !== false) {
    const retry = retryFileName(playbookFile);
    await writeRetryFile(retry, bad);
    // Only the option to add, as Ansible prints it: a whole command line would differ from this run's
    // (its --check, -e, --known-hosts...), and copying it could turn a preview into a change.
    if (!o.json)
      process.stderr.write(
        `\nTo retry the failed, unreachable and stopped hosts only, run the same command again with: --limit @${retry}\n`,
      );
  }
  if (summary.interrupted) return EXIT.interrupted;
  if (summary.failed.length > 0) return EXIT.failed;
  if (summary.unreachable.length > 0) return EXIT.unreachable;
  return EXIT.ok;
}
