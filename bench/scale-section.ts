/**
 * The scale section of bench/main.ts: a read-only --check over many inventory hosts, each an alias of one
 * of a few real hosts (check mode changes nothing, so sharing is safe), at the same forks: how the
 * controller's CPU and peak memory grow with the fleet.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inventoryYaml } from '../test/target/inventory.js';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { SimFlavor, SimHost } from '../test/target/types.js';
import { FLAVORS } from './fleet-section.js';
import { load, log } from './progress.js';
import type { SectionReport } from './report.js';
import { sshplayArgs } from './sshplay-args.js';
import { boundTarget, type Target } from './targets.js';
import { failureLines, ROOT, timed } from './timed.js';

/** The installed command (package.json "bin"), as users run it. */
const CLI = join(ROOT, 'dist/bin/sshplay.js');

export interface ScaleRun {
  hosts: number;
  forks: number;
  seconds: number;
  cpuMs: number;
  rssKb: number;
  /** Highest V8 heap in use and highest memory outside it (Buffers, native state), sampled by the run. */
  heapKb: number;
  externalKb: number;
  /** Connections opened per inventory host: a host past the first forks is let go after a play and reconnects. */
  connectionsPerHost: number;
}

export interface Scale {
  realHosts: number;
  startSeconds: number;
  runs: ScaleRun[];
  loadBefore: string;
  loadAfter: string;
}

/** The case: `large` inventory hosts against a tenth of it, at forks 100 over 100 real hosts (fewer when smaller). */
export function scalePlan(large: number): { real: number; sizes: number[]; forks: number } {
  const small = Math.max(1, Math.round(large / 10));
  return { real: Math.min(100, small), sizes: [small, large], forks: Math.min(100, small) };
}

export async function measureScale(real: number, sizes: number[], forks: number): Promise<Scale> {
  log(`scale: starting ${real} simulated hosts (load ${load()})...`);
  const t0 = Date.now();
  const fleet = await startNamespaceFleet({
    hosts: Array.from({ length: real }, (_, i) => ({
      name: `host${i + 1}`,
      flavor: FLAVORS[i % FLAVORS.length] as SimFlavor,
      groups: ['iser_hosts'],
    })),
  });
  const scale: Scale = {
    realHosts: real,
    startSeconds: (Date.now() - t0) / 1000,
    runs: [],
    loadBefore: load(),
    loadAfter: '',
  };
  log(`  started in ${scale.startSeconds.toFixed(1)}s`);
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
        sshplayArgs({ cli: CLI, inventory, knownHosts: fleet.knownHostsFile, forks, extra: ['--check'] }),
        { SSHPLAY_STATS_FILE: statsFile },
      );
      if (t.code !== 0) {
        // A 2,000-host recap is all "ok" lines: keep what says which host failed and why, then the tail.
        const why = failureLines(t.output);
        throw new Error(
          `--check over ${size} hosts failed (exit ${t.code}); ${why.length} lines tell why:\n${why.slice(0, 40).join('\n')}\n...\n${t.output.slice(-1500)}`,
        );
      }
      const s = JSON.parse(await readFile(statsFile, 'utf8'));
      const opened = Object.values(s.connections as Record<string, { opened: number }>).reduce(
        (sum, c) => sum + c.opened,
        0,
      );
      scale.runs.push({
        hosts: size,
        forks,
        seconds: t.seconds,
        cpuMs: s.cpuUserMs + s.cpuSystemMs,
        rssKb: s.maxRssKb,
        heapKb: s.memory.heapUsedKb,
        externalKb: s.memory.externalKb,
        connectionsPerHost: opened / size,
      });
      log(
        `  --check over ${size} hosts: ${t.seconds.toFixed(1)}s, peak ${mb(s.maxRssKb)} (V8 heap ${mb(s.memory.heapUsedKb)}, outside it ${mb(s.memory.externalKb)})`,
      );
    }
  } finally {
    scale.loadAfter = load();
    await fleet.stop();
  }
  return scale;
}

/** Issue 22's scale targets: peak memory of the large run <= 1.5x the small one's; CPU per host flat (<= 1.2x). */
export function scaleTargets(large: number, s: Scale | null): Target[] {
  const [a, b] = [s?.runs[0], s?.runs.at(-1)];
  const both = a && b && a !== b;
  const x = (v: number) => `${v.toFixed(2)}x`;
  const small = a?.hosts ?? Math.max(1, Math.round(large / 10));
  return [
    boundTarget(
      `--check over ${large} hosts: peak memory / at ${small} hosts, same forks`,
      both ? b.rssKb / a.rssKb : null,
      1.5,
      x,
    ),
    boundTarget(
      `--check over ${large} hosts: CPU per host / at ${small} hosts (flat)`,
      both ? b.cpuMs / b.hosts / (a.cpuMs / a.hosts) : null,
      1.2,
      x,
    ),
  ];
}

/**
 * What the connections column says about CPU per host: a host past the first forks is let go after each play
 * (the controller holds connections in proportion to forks, not to the fleet) and opens a connection again at
 * the next; the larger the fleet against its forks, the more of its hosts do.
 */
function reconnects(s: Scale): string {
  const [a, b] = [s.runs[0], s.runs.at(-1)];
  if (!a || !b || a === b) return '';
  const more = b.connectionsPerHost - a.connectionsPerHost;
  const cpu = b.cpuMs / b.hosts - a.cpuMs / a.hosts;
  const each =
    more > 0 ? `; were all of it the reconnects, each would cost ${(cpu / more).toFixed(1)} ms of controller CPU` : '';
  return `
Hosts past the first forks are let go after each play and reconnect at the next, so that the connections held grow
with forks, not with the fleet: ${a.connectionsPerHost.toFixed(2)} connections per host at ${a.hosts} hosts,
${b.connectionsPerHost.toFixed(2)} at ${b.hosts}. CPU per host differs by ${cpu.toFixed(1)} ms${each}.
`;
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

export function scaleReport(large: number, s: Scale, seconds: number): SectionReport {
  const rows = s.runs.map(
    (r) =>
      `| ${r.hosts} | ${r.forks} | ${r.seconds.toFixed(1)} s | ${(r.cpuMs / 1000).toFixed(1)} s | ${(r.cpuMs / r.hosts).toFixed(1)} ms | ${r.connectionsPerHost.toFixed(2)} | ${mb(r.rssKb)} | ${mb(r.heapKb)} | ${mb(r.externalKb)} |`,
  );
  const body = `Inventory hosts are aliases spread over ${s.realHosts} real simulated hosts (started in ${s.startSeconds.toFixed(1)} s;
check mode changes nothing, so sharing is safe); one run each. Load average before ${s.loadBefore}, after ${s.loadAfter}.
Peak memory is the kernel's peak resident size of the process; the V8 heap (sshplay's own data) and the memory
outside it (Buffers, native crypto state) are the highest of samples taken every 200 ms.

| inventory hosts | forks | wall | controller CPU | CPU per host | connections opened per host | peak memory | peak V8 heap | peak outside the heap |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${reconnects(s)}`;
  return {
    id: 'scale',
    title: 'Scale: --check over many inventory hosts',
    body,
    targets: scaleTargets(large, s),
    comparisons: [],
    problems: [],
    seconds,
  };
}
