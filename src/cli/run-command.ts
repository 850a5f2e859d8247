import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Connection } from '../connection/types.js';
import type { RunSummary } from '../engine/run.js';
import { UsageError } from '../errors.js';
import { hostVars, loadInventory, selectPlayHosts } from '../inventory/index.js';
import { sessionBecome } from '../playbook/become.js';
import { type LoadOptions, loadPlaybook } from '../playbook/load.js';
import { parseTimeoutSeconds } from '../playbook/task-timeout.js';
import type { Playbook } from '../playbook/types.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { configVars, inventorySources, loadAnsibleConfig } from './ansible-config.js';
import { checkArrayTasks } from './array-task-check.js';
import { parseExtraVars } from './extra-vars.js';
import { boundHeapGrowth } from './heap-growth.js';
import { checkLimit } from './limit-check.js';
import { sampleMemoryPeaks } from './memory-peaks.js';
import { positiveInt } from './positive-int.js';
import { type CliSession, cliSession } from './session.js';
import { useVaultPasswords, type VaultCliOptions } from './vault-passwords.js';

export interface RunCliOptions extends VaultCliOptions {
  inventory: string[];
  user?: string;
  privateKey?: string;
  become?: boolean;
  becomeUser?: string;
  listTags?: boolean;
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
  taskTimeout?: string;
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

/**
 * Connection defaults from -u and --private-key: above ansible.cfg, below the inventory's own
 * ansible_user / ansible_ssh_private_key_file, as Ansible ranks command-line connection options.
 */
function cliConnectionVars(o: RunCliOptions): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  if (o.user !== undefined) vars.ansible_user = o.user;
  if (o.privateKey !== undefined) vars.ansible_ssh_private_key_file = o.privateKey;
  return vars;
}

/** Several playbooks run as ansible-playbook runs them: their plays one after the other, in the order given. */
async function loadPlaybooks(
  files: string[],
  keyring: VaultKeyring,
  options: LoadOptions,
): Promise<{ playbook: Playbook; each: Playbook[] }> {
  const each = [];
  for (const file of files) each.push(await loadPlaybook(file, keyring, options));
  return { playbook: { file: files[0] as string, plays: each.flatMap((p) => p.plays), keyring }, each };
}

export async function runPlaybookCommand(
  playbookFiles: string[],
  o: RunCliOptions,
  session: CliSession = cliSession(),
): Promise<number> {
  const playbookFile = playbookFiles.join(' ');
  const config = await loadAnsibleConfig();
  for (const warning of config?.warnings ?? []) process.stderr.write(`[WARNING] ${warning}\n`);
  const forks = positiveInt(o.forks ?? config?.forks ?? '10', o.forks ? '--forks' : 'forks');
  const timeoutS = positiveInt(o.timeout ?? config?.timeout ?? '10', o.timeout ? '--timeout' : 'timeout');
  const taskTimeout = parseTimeoutSeconds(o.taskTimeout ?? config?.taskTimeout ?? '0');
  if ('error' in taskTimeout)
    throw new UsageError(`${o.taskTimeout !== undefined ? '--task-timeout' : 'task_timeout'} ${taskTimeout.error}`);
  const keyring = await useVaultPasswords(o, session.secrets, config?.vaultPasswordFile);
  const extraVars = await parseExtraVars(o.extraVars, keyring);
  const inventorySourceList = await inventorySources(o.inventory, config);
  const inventory = await loadInventory(inventorySourceList, { keyring });
  const defaultsFromConfig = { ...configVars(config), ...cliConnectionVars(o) };
  // --list-* render nothing: their values' templates are checked by the run (and --syntax-check), not here.
  const listOnly = !o.syntaxCheck && !!(o.listHosts || o.listTasks || o.listTags);
  const { playbook, each: playbooks } = await loadPlaybooks(playbookFiles, keyring, { checkValues: !listOnly });
  const split = (s?: string) =>
    s
      ? s
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [];

  if (o.limit) checkLimit(inventory, o.limit, inventorySourceList);
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
  // An array's REST API runs array modules only, and array modules need one: refused before anything connects.
  checkArrayTasks(
    playbook,
    hostsFor,
    (host) => ({ ...defaultsFromConfig, ...hostVars(inventory, host, extraVars) }).ansible_connection,
  );
  if (o.syntaxCheck) {
    process.stdout.write(
      `playbook: ${playbookFile}: syntax OK (${playbook.plays.length} plays; inventory read, tasks' arguments checked)\n`,
    );
    return EXIT.ok;
  }
  if (o.listHosts || o.listTasks || o.listTags) {
    for (const play of playbook.plays) {
      const hosts = hostsFor(play.hosts);
      process.stdout.write(`play: ${play.name} (${hosts.length} hosts)\n`);
      if (o.listTags) {
        // As ansible-playbook --list-tags: the play's own tags, then every tag its tasks carry.
        const taskTags = [...new Set(play.tasks.flatMap((t) => [...play.tags, ...t.tags]))].sort();
        process.stdout.write(`    TAGS: [${play.tags.join(', ')}]\n    TASK TAGS: [${taskTags.join(', ')}]\n`);
      }
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

  boundHeapGrowth();
  // Loaded past --list-*/--syntax-check: those run nothing, so their start-up skips the engine and reporters.
  const [{ KnownHosts }, { Engine }, { ConsoleReporter }, { JsonReporter }, retryFiles, verbose] = await Promise.all([
    import('../connection/known-hosts.js'),
    import('../engine/run.js'),
    import('../report/console.js'),
    import('../report/json.js'),
    import('./retry-file.js'),
    import('../report/verbose-playbook.js'),
  ]);
  const password = o.askPass ? await session.secrets.read('SSH password: ') : undefined;
  const becomePassword = o.askBecomePass ? await session.secrets.read('BECOME password: ') : undefined;
  const knownHosts = await KnownHosts.load(o.knownHosts ?? join(homedir(), '.ssh', 'known_hosts'));
  // Loaded past --list-*/--syntax-check: those never connect, so their start-up skips the parser.
  const { loadSshConfig } = await import('../inventory/ssh-config.js');
  const { ConnectionFactory } = await import('../connection/factory.js');
  const sshConfig = await loadSshConfig(o.sshConfig, o.sshConfig !== undefined);
  const reporter = o.json
    ? new JsonReporter(session.json)
    : new ConsoleReporter({
        verbosity: o.verbose,
        taskPath: verbose.taskPaths(playbook),
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
  // As ansible-playbook: -v names the config file read, -vv the playbooks and the task files they import.
  if (!o.json && o.verbose >= 1)
    process.stdout.write(
      `${config ? `Using ${config.file} as config file` : 'No config file found; using defaults'}\n`,
    );
  if (!o.json && o.verbose >= 2) process.stdout.write(`${verbose.playbookBanner(playbooks).join('\n')}\n`);
  const varsCache = new Map<string, Record<string, unknown>>();
  const inventoryVars = (host: string) => {
    let v = varsCache.get(host);
    if (!v) {
      v = { ...defaultsFromConfig, ...hostVars(inventory, host, extraVars) };
      varsCache.set(host, v);
    }
    return v;
  };
  // The playbook's become for each host, else -b, else ansible.cfg's; the host's own variables still win.
  const connections = new ConnectionFactory({
    knownHosts,
    acceptNewHostKeys: o.acceptNewHostKeys,
    connectTimeoutMs: timeoutS * 1000,
    sshConfig,
    password,
    becomePassword,
    log: { verbosity: o.verbose, line: (host, text) => reporter.note(host, text) },
    becomeFor: (host) => ({
      become: becomePlan.get(host)?.become ?? o.become ?? config?.become,
      becomeUser: becomePlan.get(host)?.becomeUser ?? o.becomeUser ?? config?.becomeUser,
    }),
  });
  const connect = (host: string, vars: Record<string, unknown>): Promise<Connection> => connections.connect(host, vars);
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
  const memory = process.env.SSHPLAY_STATS_FILE ? sampleMemoryPeaks() : null;
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
        taskTimeoutS: taskTimeout.seconds,
      },
    ).run();
  } finally {
    connections.close();
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
        memory: memory?.stop(),
        connections: summary.connectionStats,
      }),
    );
  }
  // Failed and unreachable hosts, and those any_errors_fatal stopped (as Ansible marks them failed).
  const bad = [...new Set([...summary.failed, ...summary.unreachable, ...summary.stoppedByFatal])];
  if (bad.length > 0 && o.retryFile !== false && config?.retryFilesEnabled !== false) {
    const retry = retryFiles.retryFileName(playbookFiles[0] as string);
    await retryFiles.writeRetryFile(retry, bad);
    // Only the option to add, as Ansible prints it: a whole command line would differ from this run's
    // (its --check, -e, --known-hosts...), and copying it could turn a preview into a change.
    if (!o.json)
      process.stderr.write(
        `\nTo retry the failed, unreachable and stopped hosts only, run the same command again with: --limit @${retry}\n`,
      );
  }
  const code = summary.interrupted
    ? EXIT.interrupted
    : summary.failed.length > 0
      ? EXIT.failed
      : summary.unreachable.length > 0
        ? EXIT.unreachable
        : EXIT.ok;
  if (reporter instanceof JsonReporter) reporter.finish(code);
  return code;
}
