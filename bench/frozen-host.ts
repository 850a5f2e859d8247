/**
 * `npm run bench:frozen [-- HOSTS RUNS]`: the cost of one frozen host (issue 22, point 7). playbooks/iser.yml
 * (first run, as bench/main.ts runs it: storage plays skipped) over HOSTS namespace hosts (default 20), once
 * as it is and once with the last host frozen (SIGSTOP to every process of it, sshd included) 1 s into its
 * first task on the host (the second play's first: the first play runs on the controller). Prints, for each: when the other hosts finished their last task, the command's wall
 * time, and how long the frozen host took to be declared unreachable. Medians of RUNS (default 1). Needs root.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freezeHost, thawHost } from '../test/target/freeze.js';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { Fleet } from '../test/target/types.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

interface JsonEvent {
  time: string;
  type: string;
  host?: string;
  status?: string;
  msg?: string;
}

interface Measured {
  /** Seconds from start until the last task result of a host other than the frozen one. */
  othersDone: number;
  /** Seconds the whole command took (it ends after the frozen host is given up). */
  wall: number;
  /** Seconds from the freeze to the frozen host's unreachable result (NaN without a freeze). */
  detected: number;
  message?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function run(fleet: Fleet, inventory: string, frozen: string | null): Promise<Measured> {
  const args = ['run', 'playbooks/iser.yml', '-i', inventory, '--known-hosts', fleet.knownHostsFile];
  args.push('--forks', String(fleet.hosts.length), '--skip-tags', 'storage', '--json', '--no-retry-file');
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
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

const [hostsArg, runsArg] = process.argv.slice(2).map(Number);
const hosts = hostsArg ?? 20;
const runs = runsArg ?? 1;
if (!Number.isInteger(hosts) || hosts < 2 || hosts > 254) throw new Error(`HOSTS is 2..254, not ${hostsArg}`);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS is a whole number above 0, not ${runsArg}`);

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
  const plain: Measured[] = [];
  const withFrozen: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    await fleet.reset();
    plain.push(await run(fleet, inventory, null));
    await fleet.reset();
    withFrozen.push(await run(fleet, inventory, frozen));
  }
  const m = (xs: Measured[], k: 'othersDone' | 'wall' | 'detected') => median(xs.map((x) => x[k]));
  const f = (s: number) => `${s.toFixed(2)} s`;
  const base = m(plain, 'othersDone');
  const slowed = m(withFrozen, 'othersDone');
  process.stdout.write(
    [
      `one frozen host among ${hosts} (playbooks/iser.yml first run, storage skipped; medians of ${runs}; ${cpus().length} CPUs)`,
      `  without it: the ${hosts} hosts finished after ${f(base)}, command ${f(m(plain, 'wall'))}`,
      `  with ${frozen} frozen 1 s into its first task on the host: the other ${hosts - 1} finished after ${f(slowed)} (${(slowed / base).toFixed(2)}x), command ${f(m(withFrozen, 'wall'))}`,
      `  ${frozen} declared unreachable ${f(m(withFrozen, 'detected'))} after it froze: ${withFrozen[0]?.message}`,
      '',
    ].join('\n'),
  );
} finally {
  for (const h of fleet.hosts) thawHost(fleet, h.name);
  await fleet.stop();
}
