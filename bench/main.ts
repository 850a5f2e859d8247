/**
 * `npm run bench [-- options]`: every measurement of issue 22, in sections, each target computed as met or
 * not met. Writes bench/RESULTS.md and the generated block of the README's Speed section; every figure and
 * verdict in both comes from this run, and a section this invocation did not run says so.
 *
 * Sections (all by default; `--only hosts,scale` for some):
 * - hosts (`--hosts 20 --reps 5`): sshplay against its floors (bench/fleet-section.ts)
 * - ansible (`--ansible-hosts 3 --ansible-reps 3 [--skip-ansible]`): the same on a fleet of its own, then
 *   Ansible and Ansible with Mitogen, like against like
 * - big (`--big 200 --big-reps 1`): sshplay against its floors on a big fleet
 * - scale (`--scale 2000`): --check over 2,000 inventory hosts against 200, forks 100 (bench/scale-section.ts)
 * - startup (`--startup-runs 10`): the installed command against `node -e 0` (bench/startup.ts)
 * - frozen (`--frozen-hosts 20 --frozen-reps 1`): one host frozen mid-run (bench/frozen-host.ts)
 * `--quick` is a small run of everything; `--out FILE` and `--no-readme` keep RESULTS.md and the README as they are.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { FLAVORS, fleetReport, fleetTargets, measureFleet } from './fleet-section.js';
import { FROZEN_TITLE, frozenReport, frozenTargets, measureFrozen } from './frozen-host.js';
import {
  DEFAULTS,
  effectiveOptions,
  notRunReason,
  type Options,
  parseOptions,
  SECTIONS,
  type SectionId,
} from './options.js';
import { load, log } from './progress.js';
import {
  type RunInfo,
  readmeBlock,
  replaceReadmeBlock,
  resultsMarkdown,
  type SectionReport,
  sourceLine,
} from './report.js';
import { measureScale, scalePlan, scaleReport, scaleTargets } from './scale-section.js';
import { measureStartup, startupTargets } from './startup.js';
import { STARTUP_TITLE, startupReport } from './startup-section.js';
import type { Target } from './targets.js';
import { ROOT } from './timed.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';
const ansibleTitle = (hosts: number) => `Against Ansible and Mitogen: ${hosts} hosts`;

/** A section's title and its targets before anything is measured (all "not measured"). */
function unmeasured(id: SectionId, o: Options): { title: string; targets: Target[] } {
  const hosts = o.hosts || DEFAULTS.hosts;
  const big = o.big || DEFAULTS.big;
  const scale = o.scale || DEFAULTS.scale;
  if (id === 'hosts') return { title: `${hosts} hosts`, targets: fleetTargets(hosts, {}) };
  if (id === 'ansible') return { title: ansibleTitle(o.ansibleHosts || DEFAULTS.ansibleHosts), targets: [] };
  if (id === 'big') return { title: `${big} hosts`, targets: fleetTargets(big, {}) };
  if (id === 'scale') return { title: 'Scale: --check over many inventory hosts', targets: scaleTargets(scale, null) };
  if (id === 'startup') return { title: STARTUP_TITLE, targets: startupTargets(null) };
  return {
    title: FROZEN_TITLE,
    targets: frozenTargets(o.frozenHosts >= 2 ? o.frozenHosts : DEFAULTS.frozenHosts, null),
  };
}

async function runSection(id: SectionId, o: Options, mitogen: string | null, started: number): Promise<SectionReport> {
  const took = () => (Date.now() - started) / 1000;
  if (id === 'hosts') {
    const s = await measureFleet({
      id,
      hosts: o.hosts,
      reps: o.reps,
      ansibleReps: 0,
      mitogen: null,
      verifyHosts: o.hosts,
      checkOnly: o.checkOnly,
      dist: o.dist,
    });
    return fleetReport(s, took());
  }
  if (id === 'ansible') {
    // a missing Ansible fails the section, naming itself: a comparison is never silently left out
    if (!existsSync(ANSIBLE_PLAYBOOK))
      throw new Error(`${ANSIBLE_PLAYBOOK} is not installed (apt-get install ansible-core)`);
    if (mitogen === null) throw new Error('Mitogen is not installed (apt-get install ansible-mitogen)');
    const s = await measureFleet({
      id,
      hosts: o.ansibleHosts,
      reps: o.reps,
      ansibleReps: o.ansibleReps,
      mitogen,
      verifyHosts: o.ansibleHosts,
      dist: o.dist,
    });
    return { ...fleetReport(s, took()), title: ansibleTitle(o.ansibleHosts), targets: [] };
  }
  if (id === 'big') {
    const s = await measureFleet({
      id,
      hosts: o.big,
      reps: o.bigReps,
      ansibleReps: 0,
      mitogen: null,
      verifyHosts: 20,
      checkOnly: o.checkOnly,
      dist: o.dist,
    });
    return fleetReport(s, took());
  }
  if (id === 'scale') {
    const plan = scalePlan(o.scale);
    return scaleReport(o.scale, await measureScale(plan.real, plan.sizes, plan.forks), took());
  }
  if (id === 'startup') {
    log(`startup: installing sshplay into a temporary prefix, ${o.startupRuns} runs of each command`);
    return startupReport(await measureStartup(o.startupRuns), took());
  }
  log(`frozen: ${o.frozenHosts} hosts, ${o.frozenReps} time(s) without and with a frozen host`);
  return frozenReport(await measureFrozen(o.frozenHosts, o.frozenReps, (l) => log(`  ${l}`)), took());
}

/** Mitogen's strategy plugins: Debian's ansible-mitogen, installed with apt-get when missing (as for ansible-core). */
function mitogenPlugins(): string | null {
  const dir = '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy';
  if (!existsSync(ANSIBLE_PLAYBOOK) || !existsSync(dir)) {
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

/** What makes the build and the job measured: a change there means the figures are not of the commit alone. */
const SOURCE_STATUS = [
  'status',
  '--porcelain',
  '--',
  'src',
  'bench',
  'playbooks',
  'templates',
  'test/target',
  'test/e2e/iser-assertions.ts',
  'package.json',
  'package-lock.json',
];

/** git's output in this tree, or null where it is no checkout (or git is missing). */
function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  } catch {
    return null;
  }
}

const version = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '';
  } catch {
    return 'not installed';
  }
};

const PREAMBLE = `## What runs

sshplay runs playbooks/iser.yml with the storage-tagged plays skipped, as the installed command runs it (the
bundle dist/bin/sshplay.js; in the fleet sections the same bundle with bench/trace-hook.ts in it,
bench/traced-cli.ts); Ansible runs bench/ansible/iser.yml (ansible.builtin only) with bench/ansible/ansible.cfg
(pipelining, ControlPersist, minimal facts), Mitogen the same with its mitogen_linear strategy. Every first run and every --check starts from fresh hosts (the fleet is
reset; a --check is checked to have made no changing call), every second run follows its first run. After
every reset an untimed sshplay --check warms the hosts' caches (a reset boots each host on a new overlay),
so that each run and its floor find them alike: otherwise the run right after a reset pays for it alone.
Ansible's and Mitogen's sessions start after such a warm-up too (its time is in none of their figures).
Round trips are counted per channel as waits for answers: a file read over SFTP is three (stat, open, read),
a file write three (open; the write's requests at once; rename), a batch of shell commands one.
Ratios compare like with like: first run with first run, second with second, --check with --check.
Floors (the least any tool could spend on the same work, built from the run they are compared with):
the *read floor* sends the commands and file reads that sshplay's run sent to each host (recorded by
bench/trace-hook.ts) as one script per host, over one ssh2 connection per host, all hosts from one Node
process (bench/floor-runner.ts); the *work floor* does on fresh hosts the first run's own remote work
only: the files it wrote (by bash's printf, no process) and the simulated-tool calls it caused (the argv
log of that run alone), in order, one \`set -e\` bash script per host, each call's exit status checked.`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseOptions(argv, { out: join(ROOT, 'bench/RESULTS.md'), readme: join(ROOT, 'README.md') });
  const started = new Date();
  const loadStart = load();
  const source = sourceLine(git(['rev-parse', '--short', 'HEAD']), git(SOURCE_STATUS) ?? '');
  const runsAnsible = notRunReason(o, 'ansible') === null;
  const mitogen = runsAnsible ? mitogenPlugins() : null;
  const sections: SectionReport[] = [];
  for (const id of SECTIONS) {
    const reason = notRunReason(o, id);
    if (reason) {
      sections.push({
        id,
        ...unmeasured(id, o),
        body: null,
        notRun: reason,
        comparisons: [],
        problems: [],
        seconds: 0,
      });
      log(`section ${id}: not run (${reason})`);
      continue;
    }
    const t0 = Date.now();
    log(`section ${id}: starting (load ${load()})`);
    try {
      sections.push(await runSection(id, o, mitogen, t0));
    } catch (e) {
      const msg = (e as Error).message;
      log(`section ${id}: FAILED: ${msg}`);
      const failure = msg.replace(/\s+/g, ' ').slice(0, 800);
      sections.push({
        id,
        ...unmeasured(id, o),
        // The message whole, lines kept: a failure at scale names its hosts and their errors line by line.
        body: `**Failed** after ${((Date.now() - t0) / 1000).toFixed(0)} s, nothing measured:\n\n\`\`\`\n${msg.slice(0, 6000).replaceAll('```', "'''")}\n\`\`\`\n`,
        comparisons: [],
        problems: [`section ${id} failed: ${failure}`],
        seconds: (Date.now() - t0) / 1000,
      });
    }
    log(`section ${id}: done in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${execFileSync('sh', ['-c', '. /etc/os-release; echo $PRETTY_NAME']).toString().trim()}`;
  const versions = `Node ${process.version}, sshplay ${version(process.execPath, [CLI, '--version'])} (${source}), ${runsAnsible ? version('ansible-playbook', ['--version']) : 'Ansible not run'}, Mitogen ${mitogen ? version('dpkg-query', ['-W', '-f', '\x24{Version}', 'ansible-mitogen']) : 'not run'}`;
  const run: RunInfo = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    options: effectiveOptions(o),
    started,
    ended: new Date(),
    machine,
    versions,
    loadStart,
    loadEnd: load(),
    cores: cpus().length,
  };
  const report = resultsMarkdown(run, `${PREAMBLE}\nSimulated hosts are ${FLAVORS.join(', ')} in turn.`, sections);
  await writeFile(o.out, report);
  log(`\n${report}\nwritten to ${o.out}`);
  if (o.readme) {
    const updated = replaceReadmeBlock(await readFile(o.readme, 'utf8'), readmeBlock(run, sections));
    if (updated === null) log(`${o.readme} has no generated block: not updated`);
    else {
      await writeFile(o.readme, updated);
      log(`README block updated in ${o.readme}`);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
