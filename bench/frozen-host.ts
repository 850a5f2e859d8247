/**
 * `npm run bench:frozen [-- HOSTS RUNS]`: the cost of one frozen host (issue 22, point 7). playbooks/iser.yml
 * (first run, as bench/main.ts runs it: storage plays skipped) over HOSTS namespace hosts (default 20), once
 * as it is and once with the last host frozen (SIGSTOP to every process of it, sshd included) 1 s into its
 * first task on the host (the second play's first: the first play runs on the controller). Prints, for each: when the other hosts finished their last task, the command's wall
 * time, and how long the frozen host took to be declared unreachable. Medians of RUNS (default 1). Needs root.
 * bench/main.ts runs the same measurement as its frozen-host section (measureFrozen).
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freezeHost, thawHost } from '../test/target/freeze.js';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { Fleet } from '../test/target/types.js';
import { isMain } from './is-main.js';
import type { SectionReport } from './report.js';
import { sshplayArgs } from './sshplay-args.js';
import { median, medianRange, ratio } from './stats.js';
import { boundTarget, ratioTarget, type Target, verdictWord } from './targets.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The installed command (package.json "bin"), as users run it. */
const CLI = join(ROOT, 'dist/bin/sshplay.js');

interface JsonEvent {
  time: string;
  type: string;
  host?: string;
  status?: string;
  msg?: string;
}

export interface Measured {
  /** Seconds from start until the last task result of a host other than the frozen one. */
  othersDone: number;
  /** Seconds the whole command took (it ends after the frozen host is given up). */
  wall: number;
  /** Seconds from the freeze to the frozen host's unreachable result (NaN without a freeze). */
  detected: number;
  message?: string;
}

function run(fleet: Fleet, inventory: string, frozen: string | null): Promise<Measured> {
  const args = sshplayArgs({
    cli: CLI,
    inventory,
    knownHosts: fleet.knownHostsFile,
    forks: fleet.hosts.length,
    extra: ['--json'],
  });
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  let frozenAt = Number.NaN;
  let freezeTimer: NodeJS.Timeout | undefined;
  let plays = 0;
  let seen = 0;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    if (!frozen || freezeTimer) return;
    // Mid-run: the first play (validate) runs on the controller only; freeze 1 s into the host's first
    // task of the second, when it is connected and working.
    const lines = stdout.split('\n');
    for (const line of lines.slice(seen, -1)) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as JsonEvent;
      if (e.type === 'play_start') plays++;
      if (plays >= 2 && e.type === 'task_start' && e.host === frozen && !freezeTimer)
        freezeTimer = setTimeout(() => {
          freezeHost(fleet, frozen);
          frozenAt = Date.now();
        }, 1000);
    }
    seen = lines.length - 1;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearTimeout(freezeTimer);
      if (frozen) thawHost(fleet, frozen);
      const wall = (Date.now() - started) / 1000;
      const events = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as JsonEvent);
      const expected = frozen ? 3 : 0;
      if (code !== expected)
        return reject(new Error(`exit ${code}, expected ${expected}:\n${(stdout + stderr).slice(-3000)}`));
      const others = events.filter((e) => e.type === 'task_result' && e.host !== frozen);
      const lost = events.find((e) => e.host === frozen && e.type === 'unreachable');
      if (frozen && (!lost || Number.isNaN(frozenAt))) return reject(new Error('the frozen host was not reported'));
      resolve({
        othersDone: (Math.max(...others.map((e) => Date.parse(e.time))) - started) / 1000,
        wall,
        detected: lost ? (Date.parse(lost.time) - frozenAt) / 1000 : Number.NaN,
        message: lost?.msg,
      });
    }),
  );
}

export interface Frozen {
  hosts: number;
  runs: number;
  /** The host frozen in each run with a freeze. */
  frozen: string;
  plain: Measured[];
  withFrozen: Measured[];
}

/** `runs` times: a first run over `hosts` fresh hosts as they are, then one with the last host frozen. */
export async function measureFrozen(hosts: number, runs: number, progress?: (line: string) => void): Promise<Frozen> {
  if (!Number.isInteger(hosts) || hosts < 2 || hosts > 254) throw new Error(`HOSTS is 2..254, not ${hosts}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS is a whole number above 0, not ${runs}`);
  const fleet = await startNamespaceFleet({
    hosts: Array.from({ length: hosts }, (_, i) => ({
      name: `host${i + 1}`,
      flavor: i % 2 === 0 ? ('rhel8' as const) : ('sles15' as const),
      groups: ['iser_hosts'],
    })),
  });
  try {
    const inventory = await fleet.writeInventory({ file: join(fleet.dir, 'frozen-inventory.yml') });
    const frozen = fleet.hosts.at(-1)?.name as string;
    const result: Frozen = { hosts, runs, frozen, plain: [], withFrozen: [] };
    for (let i = 0; i < runs; i++) {
      await fleet.reset();
      result.plain.push(await run(fleet, inventory, null));
      progress?.(`without a frozen host: all done after ${result.plain.at(-1)?.othersDone.toFixed(2)}s`);
      await fleet.reset();
      result.withFrozen.push(await run(fleet, inventory, frozen));
      const m = result.withFrozen.at(-1);
      progress?.(
        `${frozen} frozen: the others done after ${m?.othersDone.toFixed(2)}s, detected ${m?.detected.toFixed(2)}s`,
      );
    }
    return result;
  } finally {
    // a host that is not running needs no thaw; an error here must not hide the one that ended the runs
    for (const h of fleet.hosts)
      try {
        thawHost(fleet, h.name);
      } catch (e) {
        progress?.(`could not thaw ${h.name}: ${(e as Error).message}`);
      }
    await fleet.stop();
  }
}

/** Issue 22's targets for one frozen host among `hosts`: detected within 20 s; the others finish within 1.2x of a run without it. */
export function frozenTargets(hosts: number, f: Frozen | null): Target[] {
  return [
    boundTarget(
      `frozen host among ${hosts} hosts: declared unreachable after it froze`,
      f ? median(f.withFrozen.map((m) => m.detected)) : null,
      20,
      (s) => `${s.toFixed(1)} s`,
    ),
    ratioTarget(
      `frozen host: the ${hosts - 1} others' finish / a run without it`,
      f
        ? ratio(
            f.withFrozen.map((m) => m.othersDone),
            f.plain.map((m) => m.othersDone),
          )
        : null,
      1.2,
    ),
  ];
}

export const FROZEN_TITLE = 'One frozen host';

export function frozenReport(f: Frozen, seconds: number): SectionReport {
  const col = (xs: Measured[], k: 'othersDone' | 'wall' | 'detected') => medianRange(xs.map((x) => x[k]));
  const body = `playbooks/iser.yml first run (storage plays skipped) over ${f.hosts} fresh namespace hosts (rhel8, sles15 in
turn), forks ${f.hosts}, ${f.runs} time${f.runs === 1 ? '' : 's'} each: once as they are, once with ${f.frozen} frozen (SIGSTOP to every
process of it, sshd included) 1 s into its first task on the host. "Others done": from the command's start to
the last task result of a host other than ${f.frozen}.

| run | others done, median [min-max] | command | frozen host declared unreachable after the freeze |
|---|---|---|---|
| without a frozen host | ${col(f.plain, 'othersDone')} | ${col(f.plain, 'wall')} | |
| with ${f.frozen} frozen | ${col(f.withFrozen, 'othersDone')} | ${col(f.withFrozen, 'wall')} | ${col(f.withFrozen, 'detected')} |

How sshplay reported it: ${f.withFrozen[0]?.message?.replace(/\s+/g, ' ') ?? 'n/a'}
`;
  return {
    id: 'frozen',
    title: FROZEN_TITLE,
    body,
    targets: frozenTargets(f.hosts, f),
    comparisons: [],
    problems: [],
    seconds,
  };
}

if (isMain(import.meta.url)) {
  const [hostsArg, runsArg] = process.argv.slice(2).map(Number);
  const hosts = hostsArg ?? 20;
  const runs = runsArg ?? 1;
  const f = await measureFrozen(hosts, runs);
  const m = (xs: Measured[], k: 'othersDone' | 'wall' | 'detected') => median(xs.map((x) => x[k]));
  const s = (x: number) => `${x.toFixed(2)} s`;
  const base = m(f.plain, 'othersDone');
  const slowed = m(f.withFrozen, 'othersDone');
  process.stdout.write(
    [
      `one frozen host among ${hosts} (playbooks/iser.yml first run, storage skipped; medians of ${runs}; ${cpus().length} CPUs)`,
      `  without it: the ${hosts} hosts finished after ${s(base)}, command ${s(m(f.plain, 'wall'))}`,
      `  with ${f.frozen} frozen 1 s into its first task on the host: the other ${hosts - 1} finished after ${s(slowed)} (${(slowed / base).toFixed(2)}x), command ${s(m(f.withFrozen, 'wall'))}`,
      `  ${f.frozen} declared unreachable ${s(m(f.withFrozen, 'detected'))} after it froze: ${f.withFrozen[0]?.message}`,
      ...frozenTargets(f.hosts, f).map((t) => `  target ${t.what} ${t.bound}: ${verdictWord(t)} (${t.measured})`),
      '',
    ].join('\n'),
  );
}
