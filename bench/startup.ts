/**
 * `npm run bench:startup [-- RUNS]`: what the user's own command costs to start (issue 22, point 6).
 * Installs sshplay as the README says (`npm install -g`, here into a temporary prefix, offline, dist/ as
 * built) and times, RUNS times each (default 10, after one warm-up run), `node -e 0`, the installed
 * `sshplay --version`, `sshplay run --list-tasks playbooks/iser.yml` (inventory and every playbook loaded,
 * no connection) and, for comparison, `npx --no-install sshplay --version`. Prints medians and min-max,
 * and the start-up targets (within 100 ms / 250 ms of `node -e 0`) as met or not. bench/main.ts
 * runs the same measurement as its start-up section (measureStartup). The installed command is package.json's
 * "bin", the bundle `npm run build` makes (dist/bin/sshplay.js), installed by bench/installed-command.ts,
 * which refuses a bundle older than the tsc build it is made from (it would time another program).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { installInto } from './installed-command.js';
import { isMain } from './is-main.js';
import { formatExcess, median } from './stats.js';
import { boundTarget, type Target, verdictWord } from './targets.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The rows measureStartup times, in order: the first is the baseline the targets are measured from. */
export const STARTUP_ROWS = [
  'node -e 0',
  'sshplay --version (installed)',
  'sshplay run --list-tasks playbooks/iser.yml',
  'npx --no-install sshplay --version',
] as const;

export interface Startup {
  runs: number;
  /** Milliseconds of each run, per row of STARTUP_ROWS. */
  ms: Record<(typeof STARTUP_ROWS)[number], number[]>;
}

function time(runs: number, cmd: string, args: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    if (i > 0) out.push(ms); // the first run warms the file cache
  }
  return out;
}

export async function measureStartup(runs: number): Promise<Startup> {
  const prefix = mkdtempSync(join(tmpdir(), 'sshplay-startup-'));
  try {
    const sshplay = installInto(ROOT, prefix);
    const listTasks = ['run', '--list-tasks', 'playbooks/iser.yml', '-i', 'inventory/example.yml'];
    return {
      runs,
      ms: {
        'node -e 0': time(runs, process.execPath, ['-e', '0']),
        'sshplay --version (installed)': time(runs, sshplay, ['--version']),
        'sshplay run --list-tasks playbooks/iser.yml': time(runs, sshplay, listTasks),
        'npx --no-install sshplay --version': time(runs, 'npx', ['--no-install', 'sshplay', '--version']),
      },
    };
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

/** Issue 22's start-up targets: the installed command within 100 ms (--version) and 250 ms (--list-tasks) of `node -e 0`. */
export function startupTargets(s: Startup | null): Target[] {
  const over = (row: (typeof STARTUP_ROWS)[number]) => (s ? median(s.ms[row]) - median(s.ms['node -e 0']) : null);
  return [
    boundTarget(
      'start-up: installed `sshplay --version`, over `node -e 0`',
      over('sshplay --version (installed)'),
      100,
      formatExcess,
    ),
    boundTarget(
      'start-up: installed `sshplay run --list-tasks playbooks/iser.yml`, over `node -e 0`',
      over('sshplay run --list-tasks playbooks/iser.yml'),
      250,
      formatExcess,
    ),
  ];
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 10);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS is a whole number above 0, not ${process.argv[2]}`);
  const s = await measureStartup(runs);
  const base = median(s.ms['node -e 0']);
  const lines = STARTUP_ROWS.map((name) => {
    const xs = s.ms[name];
    const extra = name === 'node -e 0' ? '' : ` (+${(median(xs) - base).toFixed(0)} ms)`;
    return `  ${name.padEnd(46)} ${median(xs).toFixed(0).padStart(5)} ms  [${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}]${extra}`;
  });
  process.stdout.write(
    [
      `CLI start-up, medians of ${runs} (min-max), Node ${process.version}, ${cpus().length} CPUs:`,
      ...lines,
      ...startupTargets(s).map((t) => `  target ${t.what} ${t.bound}: ${verdictWord(t)} (${t.measured})`),
      '',
    ].join('\n'),
  );
}
