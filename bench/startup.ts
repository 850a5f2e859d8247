/**
 * `npm run bench:startup [-- RUNS]`: what the user's own command costs to start (issue 22, point 6).
 * Installs sshplay as the README says (`npm install -g`, here into a temporary prefix, offline, dist/ as
 * built) and times, RUNS times each (default 10, after one warm-up run), `node -e 0`, the installed
 * `sshplay --version`, `sshplay run --list-tasks playbooks/iser.yml` (inventory and every playbook loaded,
 * no connection) and, for comparison, `npx --no-install sshplay --version`. Prints medians and min-max,
 * and the start-up targets (within 100 ms / 250 ms of `node -e 0`) as met or not. The installed command
 * is package.json's "bin", the bundle `npm run build` makes (dist/bin/sshplay.js): refused here if older than
 * the tsc build it is made from, which would time another program than the one built.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const runs = Number(process.argv[2] ?? 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS is a whole number above 0, not ${process.argv[2]}`);

function time(cmd: string, args: string[]): number[] {
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const { bin } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { sshplay: string } };
const installed = join(ROOT, bin.sshplay);
const built = join(ROOT, 'dist/src/cli/main.js');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(built).mtimeMs)
  throw new Error(`${installed} is missing or older than ${built}: run npm run build (tsc, then the bundle)`);

const prefix = mkdtempSync(join(tmpdir(), 'sshplay-startup-'));
try {
  execFileSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', ROOT],
    {
      stdio: 'ignore',
    },
  );
  const sshplay = join(prefix, 'bin', 'sshplay');
  const listTasks = ['run', '--list-tasks', 'playbooks/iser.yml', '-i', 'inventory/example.yml'];
  const rows: [string, number[]][] = [
    ['node -e 0', time(process.execPath, ['-e', '0'])],
    ['sshplay --version (installed)', time(sshplay, ['--version'])],
    ['sshplay run --list-tasks playbooks/iser.yml', time(sshplay, listTasks)],
    ['npx --no-install sshplay --version', time('npx', ['--no-install', 'sshplay', '--version'])],
  ];
  const base = median(rows[0]?.[1] ?? []);
  const lines = rows.map(([name, xs]) => {
    const extra = name === 'node -e 0' ? '' : ` (+${(median(xs) - base).toFixed(0)} ms)`;
    return `  ${name.padEnd(46)} ${median(xs).toFixed(0).padStart(5)} ms  [${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}]${extra}`;
  });
  const target = (i: number, limit: number) => {
    const d = median(rows[i]?.[1] ?? []) - base;
    return `${d <= limit ? 'met' : 'NOT met'} (+${d.toFixed(0)} ms, target +${limit} ms)`;
  };
  process.stdout.write(
    [
      `CLI start-up, medians of ${runs} (min-max), Node ${process.version}, ${cpus().length} CPUs:`,
      ...lines,
      `  target --version within 100 ms of node -e 0: ${target(1, 100)}`,
      `  target --list-tasks within 250 ms of node -e 0: ${target(2, 250)}`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(prefix, { recursive: true, force: true });
}
