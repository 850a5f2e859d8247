/**
 * `npm run bench [-- --quick] [-- --hosts 20 --reps 5 --ansible-reps 3 --big 200 --big-reps 3 --scale 2000
 * --skip-ansible]`: sshplay against its floors, ansible-playbook and Ansible with Mitogen on simulated hosts
 * (namespace target: a real sshd per host, simulated storage tools). Writes bench/RESULTS.md and the
 * generated block of the README's Speed section; every figure and verdict in both comes from this run.
 *
 * Floors (the least any tool could spend on the same work), built from the run they are compared with:
 * - read floor: the commands and file reads sshplay's --check (or second) run sent to each host, as
 *   bench/trace-hook.ts recorded them, as one script per host over one ssh2 connection per host, all
 *   hosts in one Node process (bench/floor-runner.ts). Checked: the simulated-tool calls it causes are
 *   those of sshplay's run, argument for argument and exit status for exit status.
 * - work floor: a first run's own remote work, on fresh hosts: the files it wrote and the simulated-tool
 *   calls it caused (the hosts' argv log of that run only, /var/log/sim/calls.argv), in order, one bash
 *   script per host with `set -e` and each call's exit status checked. Checked: the same calls, and the
 *   end state of test/e2e/iser-assertions.ts on every host.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { iserAssertions } from '../test/e2e/iser-assertions.js';
import { inventoryYaml } from '../test/target/inventory.js';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { Fleet, SimFlavor, SimHost, SimHostSpec } from '../test/target/types.js';
import { formatRatio, median, medianRange, type Ratio, ratio, verdict } from './stats.js';
import {
  firstDifference,
  parseArgvLog,
  parseTrace,
  readFloorScript,
  type ToolCall,
  type TraceEntry,
  workFloorScript,
} from './trace.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const HOOK = join(ROOT, 'dist/bench/trace-hook.js');
const RUNNER = join(ROOT, 'dist/bench/floor-runner.js');
const ARGV_LOG = '/var/log/sim/calls.argv';
const FLAVORS: SimFlavor[] = ['rhel8', 'sles15', 'ubuntu22'];

interface Options {
  hosts: number;
  reps: number;
  ansibleReps: number;
  big: number;
  bigReps: number;
  scale: number;
  skipAnsible: boolean;
  out: string;
  readme: string | null;
}

export function parseOptions(argv: string[]): Options {
  const o: Options = {
    hosts: 20,
    reps: 5,
    ansibleReps: 3,
    big: 200,
    bigReps: 3,
    scale: 2000,
    skipAnsible: false,
    out: join(ROOT, 'bench/RESULTS.md'),
    readme: join(ROOT, 'README.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} takes a whole number, not ${argv[i]}`);
      return v;
    };
    if (a === '--quick') Object.assign(o, { hosts: 4, reps: 2, ansibleReps: 1, big: 0, scale: 100 });
    else if (a === '--hosts') o.hosts = next();
    else if (a === '--reps') o.reps = next();
    else if (a === '--ansible-reps') o.ansibleReps = next();
    else if (a === '--big') o.big = next();
    else if (a === '--big-reps') o.bigReps = next();
    else if (a === '--scale') o.scale = next();
    else if (a === '--skip-ansible') o.skipAnsible = true;
    else if (a === '--out') o.out = String(argv[++i]);
    else if (a === '--no-readme') o.readme = null;
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
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('exit', (code) =>
      resolve({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        code: code ?? 1,
        output: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Per-host argv logs: what each host's tools were called with since `mark`. */
async function argvLogs(fleet: Fleet, hosts: readonly SimHost[]): Promise<Map<string, ToolCall[]>> {
  const out = new Map<string, ToolCall[]>();
  await Promise.all(
    hosts.map(async (h) => out.set(h.name, parseArgvLog((await fleet.readFile(h.name, ARGV_LOG)) ?? ''))),
  );
  return out;
}

async function clearCallLogs(fleet: Fleet): Promise<void> {
  await Promise.all(
    fleet.hosts.map((h) => fleet.exec(h.name, `: > ${ARGV_LOG}; : > /var/log/sim/calls.log`).then(() => undefined)),
  );
}

/** Per-host trace entries of one traced sshplay run. */
async function readTraceFile(file: string): Promise<Map<string, TraceEntry[]>> {
  const byHost = new Map<string, TraceEntry[]>();
  for (const e of parseTrace(await readFile(file, 'utf8'))) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
  return byHost;
}

interface RunStats {
  cpuMs: number[];
  rssKb: number[];
  commands: number[];
  roundTrips: number[];
}
const emptyRunStats = (): RunStats => ({ cpuMs: [], rssKb: [], commands: [], roundTrips: [] });

interface Section {
  title: string;
  hosts: number;
  forks: number;
  reps: number;
  loadBefore: string;
  loadAfter: string;
  times: Record<string, number[]>;
  stats: Record<'check' | 'first' | 'second', RunStats>;
  /** Problems the floors' and Ansible's checks found, one line each (empty: all checks passed). */
  problems: string[];
  checked: string[];
}

/** One size of fleet: sshplay and its floors `reps` times, then Ansible and Mitogen `ansibleReps` times each. */
async function measure(
  title: string,
  n: number,
  reps: number,
  ansibleReps: number,
  mitogen: string | null,
  verifyHosts: number,
): Promise<Section> {
  const specs: SimHostSpec[] = Array.from({ length: n }, (_, i) => ({
    name: `host${i + 1}`,
    flavor: FLAVORS[i % FLAVORS.length] as SimFlavor,
    groups: ['iser_hosts'],
  }));
  log(`${title}: starting ${n} simulated hosts (load ${load()})...`);
  const t0 = Date.now();
  const fleet = await startNamespaceFleet({ hosts: specs });
  log(`  started in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  const section: Section = {
    title,
    hosts: n,
    forks: n,
    reps,
    loadBefore: load(),
    loadAfter: '',
    times: {},
    stats: { check: emptyRunStats(), first: emptyRunStats(), second: emptyRunStats() },
    problems: [],
    checked: [],
  };
  const checked = new Set<string>();
  const add = (k: string, t: Timing) => {
    if (t.code !== 0) throw new Error(`${k} failed (exit ${t.code}):\n${t.output.slice(-4000)}`);
    section.times[k] = [...(section.times[k] ?? []), t.seconds];
    log(`  ${k.padEnd(34)} ${t.seconds.toFixed(2)}s`);
  };
  const problem = (what: string) => {
    if (!section.problems.includes(what)) section.problems.push(what);
    log(`  PROBLEM: ${what}`);
  };
  const verify = fleet.hosts.slice(0, verifyHosts);
  const assertions = iserAssertions(() => fleet);
  const endStates = async (who: string) => {
    for (const h of verify) {
      try {
        await assertions.endState(h, { storage: false });
      } catch (e) {
        problem(`${who}: end state not reached on ${h.name} (${h.flavor}): ${(e as Error).message.split('\n')[0]}`);
      }
    }
    checked.add(`${who}: end state of test/e2e/iser-assertions.ts (storage plays excluded) on ${verify.length} hosts`);
  };
  const sameCalls = (who: string, expected: Map<string, ToolCall[]>, actual: Map<string, ToolCall[]>) => {
    for (const h of verify) {
      const d = firstDifference(expected.get(h.name) ?? [], actual.get(h.name) ?? []);
      if (d) problem(`${who}: ${h.name} tool calls differ from sshplay's: ${d}`);
    }
    checked.add(`${who}: same simulated-tool calls (argv and exit status) as sshplay's run on ${verify.length} hosts`);
  };
  try {
    const inventory = await fleet.writeInventory({ file: join(fleet.dir, 'bench-inventory.yml') });
    const statsFile = join(fleet.dir, 'sshplay-stats.json');
    const traceFile = join(fleet.dir, 'sshplay-trace.jsonl');
    const sshplay = (...extra: string[]) =>
      timed(
        process.execPath,
        [
          '--import',
          HOOK,
          CLI,
          'run',
          'playbooks/iser.yml',
          '-i',
          inventory,
          '--known-hosts',
          fleet.knownHostsFile,
          '--forks',
          String(n),
          '--skip-tags',
          'storage',
          '--no-retry-file',
          ...extra,
        ],
        { SSHPLAY_STATS_FILE: statsFile, SSHPLAY_BENCH_TRACE: traceFile },
      );
    const recordStats = async (into: RunStats) => {
      const s = JSON.parse(await readFile(statsFile, 'utf8'));
      into.cpuMs.push(s.cpuUserMs + s.cpuSystemMs);
      into.rssKb.push(s.maxRssKb);
      const conns = Object.values(s.connections) as { commands: number; roundTrips: number }[];
      into.commands.push(median(conns.map((c) => c.commands)));
      into.roundTrips.push(median(conns.map((c) => c.roundTrips)));
    };
    const floorRun = async (scripts: Map<string, string>): Promise<Timing> => {
      const spec = join(fleet.dir, 'floor-spec.json');
      await writeFile(
        spec,
        JSON.stringify({
          privateKeyFile: fleet.privateKeyFile,
          hosts: fleet.hosts.map((h) => ({
            name: h.name,
            address: h.address,
            port: h.port,
            script: scripts.get(h.name),
          })),
        }),
      );
      return timed(process.execPath, [RUNNER, spec]);
    };
    const ansibleEnv = (strategy?: string): NodeJS.ProcessEnv => ({
      ANSIBLE_CONFIG: join(ROOT, 'bench/ansible/ansible.cfg'),
      ANSIBLE_FORKS: String(n),
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=120s`,
      ...(strategy ? { ANSIBLE_STRATEGY_PLUGINS: strategy, ANSIBLE_STRATEGY: 'mitogen_linear' } : {}),
    });
    const ansible = (strategy?: string) =>
      timed('ansible-playbook', ['-i', inventory, 'bench/ansible/iser.yml'], ansibleEnv(strategy));

    for (let rep = 0; rep < reps; rep++) {
      log(`repetition ${rep + 1}/${reps} (load ${load()})`);
      await fleet.reset();
      add('sshplay --check (fresh hosts)', await sshplay('--check'));
      await recordStats(section.stats.check);
      const checkTrace = await readTraceFile(traceFile);
      const checkCalls = await argvLogs(fleet, verify);
      await clearCallLogs(fleet);
      add('read floor of --check', await floorRun(mapHosts(fleet, (h) => readFloorScript(checkTrace.get(h) ?? []))));
      sameCalls('read floor of --check', checkCalls, await argvLogs(fleet, verify));
      await clearCallLogs(fleet);

      add('sshplay first run', await sshplay());
      await recordStats(section.stats.first);
      const firstTrace = await readTraceFile(traceFile);
      const firstCalls = await argvLogs(fleet, fleet.hosts);
      if (rep === 0) await endStates('sshplay first run');
      await clearCallLogs(fleet);

      add('sshplay second run', await sshplay());
      await recordStats(section.stats.second);
      const secondTrace = await readTraceFile(traceFile);
      const secondCalls = await argvLogs(fleet, verify);
      await clearCallLogs(fleet);
      add(
        'read floor of the second run',
        await floorRun(mapHosts(fleet, (h) => readFloorScript(secondTrace.get(h) ?? []))),
      );
      sameCalls('read floor of the second run', secondCalls, await argvLogs(fleet, verify));

      await fleet.reset();
      const work = mapHosts(fleet, (h) =>
        workFloorScript(
          firstCalls.get(h) ?? [],
          (firstTrace.get(h) ?? []).filter((e) => e.kind === 'write'),
        ),
      );
      const workRun = await floorRun(work);
      if (workRun.code !== 0) problem(`work floor failed: ${workRun.output.slice(0, 600)}`);
      add('work floor of the first run', { ...workRun, code: 0 });
      sameCalls('work floor of the first run', firstCalls, await argvLogs(fleet, verify));
      if (rep === 0) await endStates('work floor of the first run');
    }
    if (ansibleReps > 0 && existsSync('/usr/bin/ansible-playbook')) {
      const kinds: [string, string | undefined][] = [['ansible', undefined]];
      if (mitogen) kinds.push(['mitogen', mitogen]);
      for (let rep = 0; rep < ansibleReps; rep++)
        for (const [name, strategy] of kinds) {
          log(`${name} ${rep + 1}/${ansibleReps} (load ${load()})`);
          await fleet.reset();
          add(`${name} first run`, await ansible(strategy));
          if (rep === 0) await endStates(`${name} first run`);
          add(`${name} second run`, await ansible(strategy));
          if (rep === 0) await endStates(`${name} second run`);
        }
    }
  } finally {
    section.loadAfter = load();
    await fleet.stop();
  }
  section.checked = [...checked];
  return section;
}

function mapHosts(fleet: Fleet, f: (host: string) => string): Map<string, string> {
  return new Map(fleet.hosts.map((h) => [h.name, f(h.name)]));
}

interface Scale {
  realHosts: number;
  runs: { hosts: number; forks: number; seconds: number; cpuMs: number; rssKb: number }[];
  loadBefore: string;
  loadAfter: string;
}

/**
 * A read-only --check over many inventory hosts, each an alias of one of `real` hosts (check mode
 * changes nothing, so sharing is safe), at the same forks: how the controller's CPU and peak memory grow
 * with the fleet.
 */
async function measureScale(real: number, sizes: number[], forks: number): Promise<Scale> {
  log(`scale: starting ${real} simulated hosts (load ${load()})...`);
  const fleet = await startNamespaceFleet({
    hosts: Array.from({ length: real }, (_, i) => ({
      name: `host${i + 1}`,
      flavor: FLAVORS[i % FLAVORS.length] as SimFlavor,
      groups: ['iser_hosts'],
    })),
  });
  const scale: Scale = { realHosts: real, runs: [], loadBefore: load(), loadAfter: '' };
  try {
    for (const size of sizes) {
      const aliases = Array.from({ length: size }, (_, i) => {
        const h = fleet.hosts[i % real] as SimHost;
        return { ...h, name: `n${String(i + 1).padStart(5, '0')}`, groups: ['iser_hosts'] };
      });
      const inventory = join(fleet.dir, `scale-${size}.yml`);
      await writeFile(inventory, inventoryYaml(aliases, fleet.array, fleet.privateKeyFile));
      const statsFile = join(fleet.dir, `scale-${size}.json`);
      const t = await timed(
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
          String(forks),
          '--skip-tags',
          'storage',
          '--check',
          '--no-retry-file',
        ],
        { SSHPLAY_STATS_FILE: statsFile },
      );
      if (t.code !== 0)
        throw new Error(`--check over ${size} hosts failed (exit ${t.code}):\n${t.output.slice(-3000)}`);
      const s = JSON.parse(await readFile(statsFile, 'utf8'));
      scale.runs.push({
        hosts: size,
        forks,
        seconds: t.seconds,
        cpuMs: s.cpuUserMs + s.cpuSystemMs,
        rssKb: s.maxRssKb,
      });
      log(`  --check over ${size} hosts: ${t.seconds.toFixed(1)}s, peak ${(s.maxRssKb / 1024).toFixed(0)} MB`);
    }
  } finally {
    scale.loadAfter = load();
    await fleet.stop();
  }
  return scale;
}

/** Mitogen's strategy plugins: Debian's ansible-mitogen, installed with apt-get when missing (as for ansible-core). */
function mitogenPlugins(): string | null {
  const dir = '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy';
  if (!existsSync('/usr/bin/ansible-playbook') || !existsSync(dir)) {
    log('installing Debian ansible-core and ansible-mitogen for the comparison...');
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core', 'ansible-mitogen'], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch {
      log('apt-get could not install them: Ansible or Mitogen is left out of this run');
    }
  }
  return existsSync(dir) ? dir : null;
}

const version = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '';
  } catch {
    return 'not installed';
  }
};

function sectionMarkdown(s: Section): { text: string; ratios: Record<string, Ratio | null> } {
  const t = s.times;
  const rows = Object.keys(t).map((k) => `| ${k} | ${medianRange(t[k] ?? [])} | ${t[k]?.length} |`);
  const r: Record<string, Ratio | null> = {
    check: ratio(t['sshplay --check (fresh hosts)'] ?? [], t['read floor of --check'] ?? []),
    second: ratio(t['sshplay second run'] ?? [], t['read floor of the second run'] ?? []),
    first: ratio(t['sshplay first run'] ?? [], t['work floor of the first run'] ?? []),
    ansibleFirst: ratio(t['ansible first run'] ?? [], t['sshplay first run'] ?? []),
    ansibleSecond: ratio(t['ansible second run'] ?? [], t['sshplay second run'] ?? []),
    mitogenFirst: ratio(t['mitogen first run'] ?? [], t['sshplay first run'] ?? []),
    mitogenSecond: ratio(t['mitogen second run'] ?? [], t['sshplay second run'] ?? []),
  };
  const st = s.stats;
  const mb = (xs: number[]) => (xs.length ? `${(Math.max(...xs) / 1024).toFixed(0)} MB` : 'n/a');
  const ratioRows = [
    `| sshplay --check / its read floor | ${formatRatio(r.check)} | <= 1.2x: ${verdict(r.check, 1.2)} |`,
    `| sshplay second run / its read floor | ${formatRatio(r.second)} | <= 1.2x: ${verdict(r.second, 1.2)} |`,
    `| sshplay first run / its work floor | ${formatRatio(r.first)} | <= 1.3x: ${verdict(r.first, 1.3)} |`,
    `| ansible / sshplay, first run | ${formatRatio(r.ansibleFirst)} | reported |`,
    `| ansible / sshplay, second run | ${formatRatio(r.ansibleSecond)} | reported |`,
    `| mitogen / sshplay, first run | ${formatRatio(r.mitogenFirst)} | reported |`,
    `| mitogen / sshplay, second run | ${formatRatio(r.mitogenSecond)} | reported |`,
  ];
  const text = `## ${s.title}

${s.hosts} simulated hosts (${FLAVORS.join(', ')} in turn), forks ${s.forks}; sshplay and its floors ${s.reps} times,
Ansible and Mitogen as counted below. Load average (1, 5, 15 min) before ${s.loadBefore}, after ${s.loadAfter}.
Times are medians [min-max] of wall time, command start to exit.

| run | median [min-max] | runs |
|---|---|---|
${rows.join('\n')}

| ratio (medians; [range over all pairings of runs]) | value | target |
|---|---|---|
${ratioRows.join('\n')}

sshplay controller, median [min-max] CPU: --check ${medianRange(st.check.cpuMs, 'ms', 0)}, first run ${medianRange(st.first.cpuMs, 'ms', 0)}, second run ${medianRange(st.second.cpuMs, 'ms', 0)}; peak memory (highest): --check ${mb(st.check.rssKb)}, first ${mb(st.first.rssKb)}, second ${mb(st.second.rssKb)}.
Per host (median): remote commands ${median(st.first.commands)} first run, ${median(st.second.commands)} second run, ${median(st.check.commands)} --check; round trips ${median(st.first.roundTrips)} first run, ${median(st.second.roundTrips)} second run, ${median(st.check.roundTrips)} --check.

Checks made by this run:
${s.checked.map((c) => `- ${c}`).join('\n')}
${s.problems.length === 0 ? '- every check passed' : s.problems.map((p) => `- **failed**: ${p}`).join('\n')}
`;
  return { text, ratios: r };
}

function scaleMarkdown(s: Scale): {
  text: string;
  memRatio: number;
  cpuRatio: number;
  small: number;
  large: number;
  forks: number;
} {
  const rows = s.runs.map(
    (r) =>
      `| ${r.hosts} | ${r.forks} | ${r.seconds.toFixed(1)} s | ${(r.cpuMs / 1000).toFixed(1)} s | ${(r.cpuMs / r.hosts).toFixed(1)} ms | ${(r.rssKb / 1024).toFixed(0)} MB |`,
  );
  const [small, large] = [s.runs[0], s.runs.at(-1)];
  const memRatio = small && large ? large.rssKb / small.rssKb : Number.NaN;
  const cpuRatio = small && large ? large.cpuMs / large.hosts / (small.cpuMs / small.hosts) : Number.NaN;
  const text = `## Scale: --check over many inventory hosts

Inventory hosts are aliases spread over ${s.realHosts} real simulated hosts (check mode changes nothing, so
sharing is safe); one run each. Load average before ${s.loadBefore}, after ${s.loadAfter}.

| inventory hosts | forks | wall | controller CPU | CPU per host | peak memory |
|---|---|---|---|---|---|
${rows.join('\n')}

Peak memory ${large?.hosts} / ${small?.hosts} hosts: ${memRatio.toFixed(2)}x (target <= 1.5x: ${memRatio <= 1.5 ? 'met' : '**not met**'});
CPU per host ${cpuRatio.toFixed(2)}x (target flat, taken as <= 1.2x: ${cpuRatio <= 1.2 ? 'met' : '**not met**'}).
`;
  return { text, memRatio, cpuRatio, small: small?.hosts ?? 0, large: large?.hosts ?? 0, forks: small?.forks ?? 0 };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const mitogen = o.skipAnsible ? null : mitogenPlugins();
  const started = new Date();
  const loadStart = load();
  const sections: Section[] = [];
  sections.push(
    await measure(`${o.hosts} hosts`, o.hosts, o.reps, o.skipAnsible ? 0 : o.ansibleReps, mitogen, o.hosts),
  );
  if (o.big > 0) sections.push(await measure(`${o.big} hosts`, o.big, o.bigReps, 0, null, 20));
  // The issue's case: 2,000 inventory hosts against 200, at forks 100, over 100 real hosts; smaller runs scale it down.
  const base = Math.max(1, Math.round(o.scale / 10));
  const scale = o.scale > 0 ? await measureScale(Math.min(100, base), [base, o.scale], Math.min(100, base)) : null;
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${execFileSync('sh', ['-c', '. /etc/os-release; echo $PRETTY_NAME']).toString().trim()}`;
  const versions = `Node ${process.version}, sshplay ${version(process.execPath, [CLI, '--version'])}, ${version('ansible-playbook', ['--version'])}, Mitogen ${mitogen ? version('dpkg-query', ['-W', '-f', '\x24{Version}', 'ansible-mitogen']) : 'not used'}`;
  const parts = sections.map(sectionMarkdown);
  const sc = scale ? scaleMarkdown(scale) : null;
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const report = `# Benchmark results

Generated by \`${command}\` (bench/main.ts) from ${started.toISOString()} to ${new Date().toISOString()}; nothing in this
file is written by hand. Machine: ${machine}. ${versions}. Load average (1, 5, 15 min) at the start ${loadStart}, at
the end ${load()}: a load above the ${cpus().length} cores means other work shared the machine and the times are noisy.

What runs: sshplay runs playbooks/iser.yml with the storage-tagged plays skipped; Ansible runs
bench/ansible/iser.yml (ansible.builtin only) with bench/ansible/ansible.cfg. Every "first run" and every
--check starts from fresh hosts (the fleet is reset), every "second run" follows its first run.
Ratios compare like with like: first run with first run, second with second, --check with --check.
Floors (the least any tool could spend on the same work, built from the run they are compared with):
the *read floor* sends the commands and file reads that sshplay's run sent to each host (recorded by
bench/trace-hook.ts) as one script per host, over one ssh2 connection per host, all hosts from one Node
process (bench/floor-runner.ts); the *work floor* does on fresh hosts the first run's own remote work
only: the files it wrote (by bash's printf, no process) and the simulated-tool calls it caused (the argv
log of that run alone), in order, one \`set -e\` bash script per host, each call's exit status checked.

${parts.map((p) => p.text).join('\n')}
${sc ? sc.text : ''}`;
  await writeFile(o.out, report);
  log(`\n${report}\nwritten to ${o.out}`);
  if (o.readme) await writeReadmeBlock(o.readme, sections, parts, sc, started, loadStart);
}

const BEGIN = '<!-- bench:begin (generated by npm run bench; do not edit) -->';
const END = '<!-- bench:end -->';

async function writeReadmeBlock(
  readme: string,
  sections: Section[],
  parts: { ratios: Record<string, Ratio | null> }[],
  scale: { memRatio: number; cpuRatio: number; small: number; large: number; forks: number } | null,
  started: Date,
  loadStart: string,
): Promise<void> {
  const text = await readFile(readme, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    log(`${readme} has no ${BEGIN} ... ${END} block: not updated`);
    return;
  }
  const lines = sections.flatMap((s, i) => {
    const r = parts[i]?.ratios ?? {};
    const m = (k: string) => medianRange(s.times[k] ?? []);
    return [
      `| ${s.hosts} | first run | ${m('sshplay first run')} | ${formatRatio(r.first ?? null)} (${verdict(r.first ?? null, 1.3)}) | ${formatRatio(r.ansibleFirst ?? null)} | ${formatRatio(r.mitogenFirst ?? null)} |`,
      `| ${s.hosts} | second run | ${m('sshplay second run')} | ${formatRatio(r.second ?? null)} (${verdict(r.second ?? null, 1.2)}) | ${formatRatio(r.ansibleSecond ?? null)} | ${formatRatio(r.mitogenSecond ?? null)} |`,
      `| ${s.hosts} | --check | ${m('sshplay --check (fresh hosts)')} | ${formatRatio(r.check ?? null)} (${verdict(r.check ?? null, 1.2)}) | not run | not run |`,
    ];
  });
  const problems = sections.flatMap((s) => s.problems);
  const block = `${BEGIN}
Measured ${started.toISOString().slice(0, 16)} UTC, load average ${loadStart} on ${cpus().length} cores (see bench/RESULTS.md for the conditions and every run):

| hosts | run | sshplay, median [min-max] | sshplay / floor (target) | Ansible / sshplay | Mitogen / sshplay |
|---|---|---|---|---|---|
${lines.join('\n')}
${scale ? `\n--check over ${scale.large} inventory hosts against ${scale.small} (forks ${scale.forks}): peak memory ${scale.memRatio.toFixed(2)}x (target <= 1.5x: ${scale.memRatio <= 1.5 ? 'met' : '**not met**'}), CPU per host ${scale.cpuRatio.toFixed(2)}x.\n` : ''}${problems.length ? `\nChecks that failed in this run: ${problems.length} (listed in bench/RESULTS.md).\n` : ''}${END}`;
  await writeFile(readme, text.slice(0, a) + block + text.slice(b + END.length));
  log(`README block updated in ${readme}`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
