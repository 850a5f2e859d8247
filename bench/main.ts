/**
 * `npm run bench [-- --hosts 20 --reps 3 --ansible-reps 1 --skip-ansible]`: sshplay against
 * ansible-playbook, Ansible with Mitogen, and the SSH floor, on simulated hosts (namespace target: a
 * real sshd per host, simulated storage tools), alternating runs, medians. Writes bench/RESULTS.md.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { quoteArg } from '../src/remote-command.js';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { Fleet, SimHostSpec } from '../test/target/types.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

interface Options {
  hosts: number;
  reps: number;
  ansibleReps: number;
  skipAnsible: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { hosts: 20, reps: 3, ansibleReps: 1, skipAnsible: false, out: join(ROOT, 'bench/RESULTS.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => Number(argv[++i]);
    if (a === '--hosts') o.hosts = next();
    else if (a === '--reps') o.reps = next();
    else if (a === '--ansible-reps') o.ansibleReps = next();
    else if (a === '--skip-ansible') o.skipAnsible = true;
    else if (a === '--out') o.out = String(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface Timing {
  seconds: number;
  code: number;
  output: string;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timing> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('exit', (code) =>
      resolve({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        code: code ?? 1,
        output,
      }),
    );
  });
}

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** What the floor reads on a host: the same state the playbooks read, in one shell script. */
const FLOOR_SCRIPT = `
cat /etc/os-release /etc/iscsi/iscsid.conf /etc/iscsi/initiatorname.iscsi /etc/multipath.conf >/dev/null 2>&1
uname -n -r
rpm -q device-mapper-multipath iscsi-initiator-utils opensm infiniband-diags multipath-tools open-iscsi
ibstat; ibstat -p
cat /etc/rc.d/rc.local /etc/rc.d/rc.after 2>/dev/null
systemctl is-active multipathd iscsi iscsid; systemctl is-enabled multipathd iscsi iscsid
cat /etc/sysconfig/network-scripts/ifcfg-ib0 /etc/sysconfig/network-scripts/ifcfg-ib1 /etc/sysconfig/network/ifcfg-ib0 /etc/sysconfig/network/ifcfg-ib1 2>/dev/null
ip -o -4 addr show
cat /var/lib/iscsi/ifaces/* /etc/iscsi/ifaces/* 2>/dev/null
ls -R /var/lib/iscsi/nodes /etc/iscsi/nodes 2>/dev/null
iscsiadm -m session
true
`;

/**
 * The first run's own remote work as one script per host: the files sshplay wrote (from its output and the
 * host's end state) and every simulated-tool call it caused (the host's call log), in order.
 */
async function firstRunWork(fleet: Fleet, sshplayOutput: string): Promise<Map<string, string>> {
  const written = new Map<string, string[]>();
  let host = '';
  for (const line of sshplayOutput.split('\n')) {
    const changed = /^changed: \[([^\]]+)\]/.exec(line);
    if (changed) host = changed[1] as string;
    const write = /^\s+\$ write (\S+)$/.exec(line);
    if (write && host) written.set(host, [...(written.get(host) ?? []), write[1] as string]);
  }
  const scripts = new Map<string, string>();
  for (const h of fleet.hosts) {
    const lines: string[] = [];
    for (const path of new Set(written.get(h.name) ?? [])) {
      const content = (await fleet.exec(h.name, `base64 -w0 ${quoteArg(path)}`)).stdout.trim();
      lines.push(`base64 -d > ${quoteArg(path)} <<'__END__'\n${content}\n__END__`);
    }
    for (const call of await fleet.calls(h.name)) lines.push(call.replace(/^\d+ /, ''));
    scripts.set(h.name, `${lines.join('\n')}\n`);
  }
  return scripts;
}

async function floor(fleet: Fleet, scripts?: Map<string, string>): Promise<Timing> {
  const started = process.hrtime.bigint();
  await Promise.all(
    fleet.hosts.map(
      (h) =>
        new Promise<void>((resolve, reject) => {
          const child = execFile(
            'ssh',
            [
              '-i',
              fleet.privateKeyFile,
              '-o',
              `UserKnownHostsFile=${fleet.knownHostsFile}`,
              '-o',
              'StrictHostKeyChecking=yes',
              '-o',
              'BatchMode=yes',
              '-p',
              String(h.port),
              `root@${h.address}`,
              'sh -s',
            ],
            (e) => (e ? reject(e) : resolve()),
          );
          child.stdin?.end(scripts?.get(h.name) ?? FLOOR_SCRIPT);
        }),
    ),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, code: 0, output: '' };
}

/** Start-up of the CLI, idle: `--version`, and `run --list-tasks` (loads inventory and playbooks, connects nowhere). */
async function cliStartup(inventory: string): Promise<{ version: number; listTasks: number }> {
  const version: number[] = [];
  const listTasks: number[] = [];
  for (let i = 0; i < 9; i++) {
    version.push((await timed(process.execPath, [CLI, '--version'])).seconds);
    const t = await timed(process.execPath, [CLI, 'run', 'playbooks/iser.yml', '-i', inventory, '--list-tasks']);
    if (t.code !== 0) throw new Error(`--list-tasks failed:\n${t.output}`);
    listTasks.push(t.seconds);
  }
  return { version: median(version), listTasks: median(listTasks) };
}

function ensureAnsible(): string | null {
  const mitogen = '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy';
  if (!existsSync('/usr/bin/ansible-playbook') || !existsSync(mitogen)) {
    process.stdout.write('installing Debian ansible-core and ansible-mitogen for the comparison...\n');
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core', 'ansible-mitogen'], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch {
      return null;
    }
  }
  return existsSync(mitogen) ? mitogen : null;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const specs: SimHostSpec[] = Array.from({ length: o.hosts }, (_, i) => ({
    name: `host${i + 1}`,
    flavor: i % 2 === 0 ? 'rhel8' : 'sles15',
    groups: ['iser_hosts'],
  }));
  const mitogen = o.skipAnsible ? null : ensureAnsible();
  process.stdout.write(`starting ${o.hosts} simulated hosts...\n`);
  const t0 = Date.now();
  const fleet = await startNamespaceFleet({ hosts: specs });
  process.stdout.write(`  started in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  const results: Record<string, number[]> = {};
  const add = (k: string, t: Timing) => {
    if (t.code !== 0) throw new Error(`${k} failed (exit ${t.code}):\n${t.output.slice(-4000)}`);
    results[k] = [...(results[k] ?? []), t.seconds];
    process.stdout.write(`  ${k.padEnd(28)} ${t.seconds.toFixed(2)}s\n`);
  };
  type RunStats = { cpuMs: number[]; rssKb: number[]; channels: number[]; commands: number[]; roundTrips: number[] };
  const emptyRunStats = (): RunStats => ({ cpuMs: [], rssKb: [], channels: [], commands: [], roundTrips: [] });
  const stats = { first: emptyRunStats(), second: emptyRunStats() };
  let startup = { version: Number.NaN, listTasks: Number.NaN };
  try {
    const inventory = await fleet.writeInventory({ file: join(fleet.dir, 'bench-inventory.yml') });
    const statsFile = join(fleet.dir, 'sshplay-stats.json');
    const sshplay = (...extra: string[]) =>
      timed(
        process.execPath,
        [
          CLI,
          'run',
          'playbooks/iser.yml',
          '-i',
          inventory,
          '--known-hosts',
          fleet.knownHostsFile,
          '--forks',
          String(o.hosts),
          '--skip-tags',
          'storage',
          ...extra,
        ],
        {
          SSHPLAY_STATS_FILE: statsFile,
        },
      );
    const recordStats = async (into: RunStats) => {
      const s = JSON.parse(await readFile(statsFile, 'utf8'));
      into.cpuMs.push(s.cpuUserMs + s.cpuSystemMs);
      into.rssKb.push(s.maxRssKb);
      const conns = Object.values(s.connections) as { execChannels: number; commands: number; roundTrips: number }[];
      into.channels.push(median(conns.map((c) => c.execChannels)));
      into.commands.push(median(conns.map((c) => c.commands)));
      into.roundTrips.push(median(conns.map((c) => c.roundTrips)));
    };
    const ansibleEnv = (strategy?: string): NodeJS.ProcessEnv => ({
      ANSIBLE_FORKS: String(o.hosts),
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=120s`,
      ANSIBLE_PIPELINING: 'True',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ...(strategy ? { ANSIBLE_STRATEGY_PLUGINS: strategy, ANSIBLE_STRATEGY: 'mitogen_linear' } : {}),
    });
    const ansible = (strategy?: string) =>
      timed('ansible-playbook', ['-i', inventory, 'bench/ansible/iser.yml'], ansibleEnv(strategy));
    startup = await cliStartup(inventory);
    for (let rep = 0; rep < o.reps; rep++) {
      process.stdout.write(`repetition ${rep + 1}/${o.reps}\n`);
      await fleet.reset();
      add('sshplay --check (fresh)', await sshplay('--check'));
      const first = await sshplay();
      add('sshplay first run', first);
      await recordStats(stats.first);
      const work = await firstRunWork(fleet, first.output);
      add('sshplay second run', await sshplay());
      await recordStats(stats.second);
      add('floor (ssh + one script)', await floor(fleet));
      await fleet.reset();
      add('first-run floor (its work, one script)', await floor(fleet, work));
      if (!o.skipAnsible && rep < o.ansibleReps) {
        await fleet.reset();
        add('ansible first run', await ansible());
        add('ansible second run', await ansible());
        if (mitogen) {
          await fleet.reset();
          add('mitogen first run', await ansible(mitogen));
          add('mitogen second run', await ansible(mitogen));
        }
      }
    }
  } finally {
    await fleet.stop();
  }
  const m = (k: string) => median(results[k] ?? []);
  const ratio = (a: string, b: string) => (results[a] && results[b] ? `${(m(a) / m(b)).toFixed(1)}x` : 'n/a');
  const rows = Object.keys(results).map((k) => `| ${k} | ${m(k).toFixed(2)} s | ${results[k]?.length} |`);
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync('sh', ['-c', '. /etc/os-release; echo $PRETTY_NAME']).toString().trim()}`;
  const report = `# Benchmark results

${new Date().toISOString()}: ${o.hosts} simulated hosts (namespace target: one real OpenSSH sshd per host,
simulated storage tools), forks ${o.hosts}, on ${machine}. Every run starts from fresh hosts where it says
"first" (the fleet is reset before each). sshplay runs playbooks/iser.yml without the storage-tagged plays;
Ansible runs bench/ansible/iser.yml (ansible.builtin only, same sections). Medians of the runs counted.
"floor" reads the same state in one shell script over one OpenSSH connection per host; "first-run floor"
replays a first run's own remote work (the files it wrote, then every simulated-tool call it caused, in
order) as one script per host on fresh hosts: the least any tool could spend on that work.

| run | median | runs |
|---|---|---|
${rows.join('\n')}

| ratio | value |
|---|---|
| ansible / sshplay, second run | ${ratio('ansible second run', 'sshplay second run')} |
| ansible / sshplay, first run | ${ratio('ansible first run', 'sshplay first run')} |
| ansible first run / sshplay --check | ${ratio('ansible first run', 'sshplay --check (fresh)')} |
| mitogen / sshplay, second run | ${ratio('mitogen second run', 'sshplay second run')} |
| mitogen / sshplay, first run | ${ratio('mitogen first run', 'sshplay first run')} |
| sshplay second run / floor | ${ratio('sshplay second run', 'floor (ssh + one script)')} |
| sshplay first run / first-run floor | ${ratio('sshplay first run', 'first-run floor (its work, one script)')} |

sshplay controller (median): CPU ${median(stats.first.cpuMs).toFixed(0)} ms first run, ${median(stats.second.cpuMs).toFixed(0)} ms second run; peak memory ${(Math.max(...stats.first.rssKb, ...stats.second.rssKb) / 1024).toFixed(0)} MB (highest of all runs).
Per host (median over hosts and runs): ${median(stats.second.channels)} exec channel (the persistent shell) plus one SFTP channel; remote commands ${median(stats.first.commands)} first run, ${median(stats.second.commands)} second run (a command is one or more remote processes); round trips ${median(stats.first.roundTrips)} first run, ${median(stats.second.roundTrips)} second run.
CLI start-up, idle (median of 9): \`sshplay --version\` ${(startup.version * 1000).toFixed(0)} ms; \`sshplay run playbooks/iser.yml --list-tasks\` (inventory and all playbooks loaded, no connection) ${(startup.listTasks * 1000).toFixed(0)} ms.
`;
  await writeFile(o.out, report);
  process.stdout.write(`\n${report}\nwritten to ${o.out}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
