/**
 * The fleet sections of bench/main.ts (20 and 200 hosts): sshplay's --check, first and second run against
 * their floors, then Ansible and Ansible with Mitogen on the same kinds of run, like against like.
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

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { iserAssertions } from '../test/e2e/iser-assertions.js';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { Fleet, SimFlavor, SimHost, SimHostSpec } from '../test/target/types.js';
import type { SectionId } from './options.js';
import { load, log } from './progress.js';
import type { Comparison, SectionReport } from './report.js';
import { sshplayArgs } from './sshplay-args.js';
import { formatRatio, median, medianRange, type Ratio, ratio } from './stats.js';
import { floorTarget } from './targets.js';
import { failureLines, ROOT, type Timing, timed } from './timed.js';
import {
  firstDifference,
  parseArgvLog,
  parseTrace,
  readFloorScript,
  type ToolCall,
  type TraceEntry,
  workFloorScript,
} from './trace.js';

/** The installed command's bundle with the trace hook in it (bench/traced-cli.ts), built by `npm run build`. */
const TRACED_CLI = 'bench/bin/sshplay-traced.js';
const RUNNER = join(ROOT, 'dist/bench/floor-runner.js');
const ARGV_LOG = '/var/log/sim/calls.argv';
export const FLAVORS: SimFlavor[] = ['rhel8', 'sles15', 'ubuntu22'];

/** The rows of a fleet section, in the order they run. */
export const RUNS = {
  check: 'sshplay --check (fresh hosts)',
  checkFloor: 'read floor of --check',
  first: 'sshplay first run',
  second: 'sshplay second run',
  secondFloor: 'read floor of the second run',
  workFloor: 'work floor of the first run',
} as const;
const other = (tool: 'ansible' | 'mitogen', run: 'first run' | 'second run' | '--check (fresh hosts)') =>
  `${tool} ${run}`;

export interface RunStats {
  cpuMs: number[];
  rssKb: number[];
  commands: number[];
  roundTrips: number[];
}
const emptyRunStats = (): RunStats => ({ cpuMs: [], rssKb: [], commands: [], roundTrips: [] });

export interface FleetSection {
  id: SectionId;
  hosts: number;
  forks: number;
  reps: number;
  ansibleReps: number;
  /** Seconds the namespace fleet took to start. */
  startSeconds: number;
  loadBefore: string;
  loadAfter: string;
  times: Record<string, number[]>;
  stats: Record<'check' | 'first' | 'second', RunStats>;
  /** Problems the checks found, one line each (empty: all checks passed). */
  problems: string[];
  checked: string[];
}

export interface FleetPlan {
  id: SectionId;
  hosts: number;
  reps: number;
  ansibleReps: number;
  /** Mitogen's strategy plugins directory, or null to leave Mitogen out. */
  mitogen: string | null;
  /** How many hosts the end-state and same-calls checks look at. */
  verifyHosts: number;
  /** Only sshplay's --check and its read floor, each repetition. */
  checkOnly?: boolean;
  /** The build (dist directory) whose CLI and trace hook run instead of this tree's. */
  dist?: string | null;
}

/** One size of fleet: sshplay and its floors `reps` times, then Ansible and Mitogen `ansibleReps` times each. */
export async function measureFleet(plan: FleetPlan): Promise<FleetSection> {
  const n = plan.hosts;
  const specs: SimHostSpec[] = Array.from({ length: n }, (_, i) => ({
    name: `host${i + 1}`,
    flavor: FLAVORS[i % FLAVORS.length] as SimFlavor,
    groups: ['iser_hosts'],
  }));
  log(`${n} hosts: starting the simulated hosts (load ${load()})...`);
  const t0 = Date.now();
  const fleet = await startNamespaceFleet({ hosts: specs });
  const section: FleetSection = {
    id: plan.id,
    hosts: n,
    forks: n,
    reps: plan.reps,
    ansibleReps: plan.ansibleReps,
    startSeconds: (Date.now() - t0) / 1000,
    loadBefore: load(),
    loadAfter: '',
    times: {},
    stats: { check: emptyRunStats(), first: emptyRunStats(), second: emptyRunStats() },
    problems: [],
    checked: [],
  };
  log(`  started in ${section.startSeconds.toFixed(1)}s`);
  const checked = new Set<string>();
  const add = (k: string, t: Timing) => {
    if (t.code !== 0) throw new Error(`${k} failed (exit ${t.code}):\n${t.output.slice(-4000)}`);
    section.times[k] = [...(section.times[k] ?? []), t.seconds];
    // The machine's busy CPU beside its capacity (cores x wall): near it, the run was bound by CPU.
    const capacity = cpus().length * t.seconds;
    log(
      `  ${k.padEnd(34)} ${t.seconds.toFixed(2)}s (machine busy ${t.machineBusySeconds.toFixed(1)} of ${capacity.toFixed(1)} CPU-s, ${t.processesStarted} processes started)`,
    );
  };
  /** Another tool's run that failed is a problem of its row, not the end of the section. */
  const addOther = (k: string, t: Timing): boolean => {
    if (t.code === 0) {
      add(k, t);
      return true;
    }
    const why = failureLines(t.output);
    problem(`${k} failed (exit ${t.code}), left out of the figures: ${why.slice(0, 3).join(' / ').slice(0, 400)}`);
    return false;
  };
  const problem = (what: string) => {
    if (!section.problems.includes(what)) section.problems.push(what);
    log(`  PROBLEM: ${what}`);
  };
  const verify = fleet.hosts.slice(0, plan.verifyHosts);
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
  /** A --check must change nothing: no changing simulated-tool call (the e2e tests' MUTATING pattern) on any host. */
  const unchanged = async (who: string): Promise<boolean> => {
    let clean = true;
    for (const h of fleet.hosts) {
      const calls = await assertions.mutatingCalls(h.name);
      if (calls.length > 0) {
        clean = false;
        problem(`${who}: ${h.name} made changing calls: ${calls.slice(0, 3).join('; ')}`);
      }
    }
    checked.add(`${who}: no changing simulated-tool call on any of the ${fleet.hosts.length} hosts`);
    return clean;
  };
  const sameCalls = (who: string, expected: Map<string, ToolCall[]>, actual: Map<string, ToolCall[]>) => {
    for (const h of verify) {
      const d = firstDifference(expected.get(h.name) ?? [], actual.get(h.name) ?? []);
      if (d) problem(`${who}: ${h.name} tool calls differ from sshplay's: ${d}`);
    }
    checked.add(`${who}: same simulated-tool calls (argv and exit status) as sshplay's run on ${verify.length} hosts`);
  };
  try {
    const tracedCli = resolve(plan.dist ?? join(ROOT, 'dist'), TRACED_CLI);
    if (!existsSync(tracedCli)) throw new Error(`${tracedCli} is missing: \`npm run build\` bundles it`);
    const inventory = await fleet.writeInventory({ file: join(fleet.dir, 'bench-inventory.yml') });
    const statsFile = join(fleet.dir, 'sshplay-stats.json');
    const traceFile = join(fleet.dir, 'sshplay-trace.jsonl');
    const sshplay = (...extra: string[]) =>
      timed(
        process.execPath,
        sshplayArgs({
          cli: tracedCli,
          inventory,
          knownHosts: fleet.knownHostsFile,
          forks: n,
          extra,
        }),
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
    // Each Ansible session (a --check, or a first run and the second run after it) gets its own
    // ControlPersist sockets: no run starts with the masters an earlier session left open.
    const ansible = async (strategy: string | null, controlDir: string, ...extra: string[]) =>
      timed('ansible-playbook', ['-i', inventory, ...extra, 'bench/ansible/iser.yml'], {
        ANSIBLE_CONFIG: join(ROOT, 'bench/ansible/ansible.cfg'),
        ANSIBLE_FORKS: String(n),
        ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=120s`,
        ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
        ...(strategy ? { ANSIBLE_STRATEGY_PLUGINS: strategy, ANSIBLE_STRATEGY: 'mitogen_linear' } : {}),
      });

    /**
     * Fresh hosts whose caches are as warm as a measured run leaves them. A reset boots every host again on a
     * new overlay of its root: the first run after it pays for the first look-up of every file in every
     * host's overlay and the first logins (at 200 hosts, three --checks in a row after a start took 58.5, 48.3
     * and 52.6 s). Without this, the run measured right after a reset (sshplay's --check, the work floor)
     * paid it and the run after it (the --check's floor, sshplay's first run) did not. An untimed --check
     * changes nothing (every measured --check is checked for that), so the hosts stay fresh.
     */
    const freshWarmHosts = async () => {
      await fleet.reset();
      const warmUp = await sshplay('--check');
      if (warmUp.code !== 0)
        throw new Error(`warm-up --check failed (exit ${warmUp.code}):\n${warmUp.output.slice(-4000)}`);
      // the hosts must still be fresh: a warm-up that changed one would hide it from the measured --check
      if (!(await unchanged('untimed warm-up --check after a reset')))
        throw new Error('the warm-up --check changed hosts: they are no longer fresh');
      await clearCallLogs(fleet);
    };

    for (let rep = 0; rep < plan.reps; rep++) {
      log(`${n} hosts: sshplay repetition ${rep + 1}/${plan.reps} (load ${load()})`);
      await freshWarmHosts();
      add(RUNS.check, await sshplay('--check'));
      await recordStats(section.stats.check);
      if (rep === 0) await unchanged(RUNS.check);
      const checkTrace = await readTraceFile(traceFile);
      const checkCalls = await argvLogs(fleet, verify);
      await clearCallLogs(fleet);
      add(RUNS.checkFloor, await floorRun(mapHosts(fleet, (h) => readFloorScript(checkTrace.get(h) ?? []))));
      sameCalls(RUNS.checkFloor, checkCalls, await argvLogs(fleet, verify));
      await clearCallLogs(fleet);
      const c = section.stats.check;
      log(
        `  --check: round trips per host ${c.roundTrips.at(-1)}, commands per host ${c.commands.at(-1)}, controller CPU ${c.cpuMs.at(-1)} ms`,
      );
      if (plan.checkOnly) continue;

      add(RUNS.first, await sshplay());
      await recordStats(section.stats.first);
      const firstTrace = await readTraceFile(traceFile);
      const firstCalls = await argvLogs(fleet, fleet.hosts);
      if (rep === 0) await endStates(RUNS.first);
      await clearCallLogs(fleet);

      add(RUNS.second, await sshplay());
      await recordStats(section.stats.second);
      const secondTrace = await readTraceFile(traceFile);
      const secondCalls = await argvLogs(fleet, verify);
      await clearCallLogs(fleet);
      add(RUNS.secondFloor, await floorRun(mapHosts(fleet, (h) => readFloorScript(secondTrace.get(h) ?? []))));
      sameCalls(RUNS.secondFloor, secondCalls, await argvLogs(fleet, verify));

      await freshWarmHosts();
      const work = mapHosts(fleet, (h) =>
        workFloorScript(
          firstCalls.get(h) ?? [],
          (firstTrace.get(h) ?? []).filter((e) => e.kind === 'write'),
        ),
      );
      const workRun = await floorRun(work);
      // a floor that did not do all the work on every host is no floor: its time is not counted (the
      // first-run target is then not measured by this repetition), the failure is listed
      if (workRun.code !== 0) problem(`work floor failed: ${workRun.output.slice(0, 600)}`);
      else add(RUNS.workFloor, workRun);
      sameCalls(RUNS.workFloor, firstCalls, await argvLogs(fleet, verify));
      if (rep === 0) await endStates(RUNS.workFloor);
    }
    const kinds: ['ansible' | 'mitogen', string | null][] = [['ansible', null]];
    if (plan.mitogen) kinds.push(['mitogen', plan.mitogen]);
    for (let rep = 0; rep < plan.ansibleReps; rep++)
      for (const [name, strategy] of kinds) {
        log(`${n} hosts: ${name} repetition ${rep + 1}/${plan.ansibleReps} (load ${load()})`);
        await freshWarmHosts();
        const check = other(name, '--check (fresh hosts)');
        const checkRan = addOther(check, await ansible(strategy, await controlDir(fleet), '--check'));
        // a --check that changed nothing leaves the hosts fresh for the first run; one that did is reported and undone
        if (!((await unchanged(check)) && checkRan)) await freshWarmHosts();
        const session = await controlDir(fleet);
        if (!addOther(other(name, 'first run'), await ansible(strategy, session))) continue;
        if (rep === 0) await endStates(other(name, 'first run'));
        if (addOther(other(name, 'second run'), await ansible(strategy, session)) && rep === 0)
          await endStates(other(name, 'second run'));
      }
  } catch (e) {
    // what was measured before the failure stays in the section, with the failure among its problems
    problem(`stopped early: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 600)}`);
  } finally {
    section.loadAfter = load();
    await fleet.stop();
  }
  section.checked = [...checked];
  return section;
}

const controlDir = (fleet: Fleet) => mkdtemp(join(fleet.dir, 'ansible-cp-'));

function mapHosts(fleet: Fleet, f: (host: string) => string): Map<string, string> {
  return new Map(fleet.hosts.map((h) => [h.name, f(h.name)]));
}

/** Per-host argv logs: what each host's tools were called with since the logs were last cleared. */
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

/** The section's ratios: sshplay against its floors, and the other tools against sshplay, run kind by run kind. */
export function fleetRatios(t: Record<string, number[]>): Record<string, Ratio | null> {
  const r = (a: string, b: string) => ratio(t[a] ?? [], t[b] ?? []);
  return {
    check: r(RUNS.check, RUNS.checkFloor),
    second: r(RUNS.second, RUNS.secondFloor),
    first: r(RUNS.first, RUNS.workFloor),
    ansibleCheck: r(other('ansible', '--check (fresh hosts)'), RUNS.check),
    ansibleFirst: r(other('ansible', 'first run'), RUNS.first),
    ansibleSecond: r(other('ansible', 'second run'), RUNS.second),
    mitogenCheck: r(other('mitogen', '--check (fresh hosts)'), RUNS.check),
    mitogenFirst: r(other('mitogen', 'first run'), RUNS.first),
    mitogenSecond: r(other('mitogen', 'second run'), RUNS.second),
  };
}

/** issue 22's floor targets for a fleet of `hosts`, from its times (none: not measured). */
export function fleetTargets(hosts: number, times: Record<string, number[]>) {
  const r = fleetRatios(times);
  return [
    floorTarget(`${hosts} hosts: --check / its read floor`, r.check ?? null, 1.2),
    floorTarget(`${hosts} hosts: second run / its read floor`, r.second ?? null, 1.2),
    floorTarget(`${hosts} hosts: first run / its work floor`, r.first ?? null, 1.3),
  ];
}

export function fleetReport(s: FleetSection, seconds: number): SectionReport {
  const t = s.times;
  const r = fleetRatios(t);
  const rows = Object.keys(t).map((k) => `| ${k} | ${medianRange(t[k] ?? [])} | ${t[k]?.length} |`);
  const st = s.stats;
  const mb = (xs: number[]) => (xs.length ? `${(Math.max(...xs) / 1024).toFixed(0)} MB` : 'n/a');
  const vs: [string, string, Ratio | null | undefined, Ratio | null | undefined][] = [
    ['first run', RUNS.first, r.ansibleFirst, r.mitogenFirst],
    ['second run', RUNS.second, r.ansibleSecond, r.mitogenSecond],
    ['--check', RUNS.check, r.ansibleCheck, r.mitogenCheck],
  ];
  const comparisons: Comparison[] = vs.map(([run, row, a, m]) => ({
    hosts: s.hosts,
    run,
    sshplay: medianRange(t[row] ?? []),
    ansible: formatRatio(a),
    mitogen: formatRatio(m),
  }));
  const others =
    s.ansibleReps > 0
      ? `Ansible${t[other('mitogen', 'first run')] ? ' and Mitogen' : ''} ${s.ansibleReps} times each (a --check on fresh hosts, then a first and a second run)`
      : 'Ansible and Mitogen are compared in a section of their own';
  const othersTable = `| against Ansible, like against like (ratio of medians; [range over all pairings of runs]) | Ansible / sshplay | Mitogen / sshplay |
|---|---|---|
${comparisons.map((c) => `| ${c.run} | ${c.ansible} | ${c.mitogen} |`).join('\n')}

`;
  // a kind of run not made (--check-only) has no figures: n/a, not NaN
  const perHost = (xs: number[]) => (xs.length > 0 ? String(median(xs)) : 'n/a');
  const body = `${s.hosts} simulated hosts (${FLAVORS.join(', ')} in turn), forks ${s.forks}, started in ${s.startSeconds.toFixed(1)} s;
sshplay and its floors ${s.reps} times; ${others}. Load average (1, 5, 15 min) before ${s.loadBefore}, after ${s.loadAfter}.
Times are medians [min-max] of wall time, command start to exit.

| run | median [min-max] | runs |
|---|---|---|
${rows.join('\n')}

${s.ansibleReps > 0 ? othersTable : ''}sshplay controller, median [min-max] CPU: --check ${medianRange(st.check.cpuMs, 'ms', 0)}, first run ${medianRange(st.first.cpuMs, 'ms', 0)}, second run ${medianRange(st.second.cpuMs, 'ms', 0)}; peak memory (highest): --check ${mb(st.check.rssKb)}, first ${mb(st.first.rssKb)}, second ${mb(st.second.rssKb)}.
Per host (median): remote commands ${perHost(st.first.commands)} first run, ${perHost(st.second.commands)} second run, ${perHost(st.check.commands)} --check; round trips ${perHost(st.first.roundTrips)} first run, ${perHost(st.second.roundTrips)} second run, ${perHost(st.check.roundTrips)} --check.

Checks made by this run:
${s.checked.map((c) => `- ${c}`).join('\n')}
${s.problems.length === 0 ? '- every check passed' : s.problems.map((p) => `- **failed**: ${p}`).join('\n')}
`;
  return {
    id: s.id,
    title: `${s.hosts} hosts`,
    body,
    targets: fleetTargets(s.hosts, t),
    comparisons: s.ansibleReps > 0 ? comparisons : [],
    problems: s.problems,
    seconds,
  };
}
