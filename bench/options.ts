/** bench/main.ts's command line: sizes, repetitions, and which sections run (all by default). */

export const SECTIONS = ['hosts', 'ansible', 'big', 'scale', 'startup', 'frozen'] as const;
export type SectionId = (typeof SECTIONS)[number];

export interface Options {
  /** The fleet section: hosts and sshplay's repetitions (of each kind of run, and of its floors). */
  hosts: number;
  reps: number;
  /**
   * The Ansible section: sshplay, Ansible and Ansible with Mitogen on a fleet of its own, like against like,
   * `ansibleReps` times each (Ansible is slow: at 20 hosts its runs take about 40 minutes of a 2-core machine).
   */
  ansibleHosts: number;
  ansibleReps: number;
  skipAnsible: boolean;
  /** The big fleet section (0: not run). */
  big: number;
  bigReps: number;
  /** The scale section: --check over `scale` inventory hosts against a tenth of it (0: not run). */
  scale: number;
  startupRuns: number;
  frozenHosts: number;
  frozenReps: number;
  /** The sections to run. */
  only: SectionId[];
  /** The fleet sections run only sshplay's --check and its read floor (a quick A/B of the --check rows). */
  checkOnly: boolean;
  /**
   * The build (a dist directory) whose CLI and trace hook the fleet sections run (default: this tree's), e.g.
   * another branch's for an A/B.
   */
  dist: string | null;
  out: string;
  readme: string | null;
}

export const DEFAULTS = {
  hosts: 20,
  reps: 5,
  ansibleHosts: 3,
  ansibleReps: 3,
  skipAnsible: false,
  big: 200,
  bigReps: 1,
  scale: 2000,
  startupRuns: 10,
  frozenHosts: 20,
  frozenReps: 1,
  only: [...SECTIONS],
  checkOnly: false,
  dist: null,
} as const;

export function parseOptions(argv: readonly string[], paths: { out: string; readme: string }): Options {
  const o: Options = { ...DEFAULTS, only: [...SECTIONS], out: paths.out, readme: paths.readme };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} takes a value`);
      return v;
    };
    const count = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} takes a whole number, not ${v}`);
      return n;
    };
    if (a === '--quick')
      Object.assign(o, { hosts: 4, reps: 2, ansibleHosts: 2, ansibleReps: 1, big: 0, scale: 100, frozenHosts: 4 });
    else if (a === '--hosts') o.hosts = count();
    else if (a === '--reps') o.reps = count();
    else if (a === '--ansible-hosts') o.ansibleHosts = count();
    else if (a === '--ansible-reps') o.ansibleReps = count();
    else if (a === '--skip-ansible') o.skipAnsible = true;
    else if (a === '--big') o.big = count();
    else if (a === '--big-reps') o.bigReps = count();
    else if (a === '--scale') o.scale = count();
    else if (a === '--startup-runs') o.startupRuns = count();
    else if (a === '--frozen-hosts') o.frozenHosts = count();
    else if (a === '--frozen-reps') o.frozenReps = count();
    else if (a === '--only') {
      const names = value().split(',');
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (unknown.length)
        throw new Error(`--only: no section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
      o.only = SECTIONS.filter((s) => names.includes(s));
    } else if (a === '--check-only') o.checkOnly = true;
    else if (a === '--dist') o.dist = value();
    else if (a === '--out') o.out = value();
    else if (a === '--no-readme') o.readme = null;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** Why a section does not run in this invocation, or null when it runs. */
export function notRunReason(o: Options, id: SectionId): string | null {
  if (!o.only.includes(id)) return `--only ${o.only.join(',')}`;
  if (id === 'hosts' && (o.hosts === 0 || o.reps === 0)) return o.hosts === 0 ? '--hosts 0' : '--reps 0';
  if (id === 'ansible') {
    if (o.skipAnsible) return '--skip-ansible';
    if (o.checkOnly) return '--check-only';
    if (o.ansibleHosts === 0 || o.ansibleReps === 0)
      return o.ansibleHosts === 0 ? '--ansible-hosts 0' : '--ansible-reps 0';
  }
  if (id === 'big' && (o.big === 0 || o.bigReps === 0)) return o.big === 0 ? '--big 0' : '--big-reps 0';
  if (id === 'scale' && o.scale === 0) return '--scale 0';
  if (id === 'startup' && o.startupRuns === 0) return '--startup-runs 0';
  if (id === 'frozen' && (o.frozenHosts < 2 || o.frozenReps === 0))
    return o.frozenReps === 0 ? '--frozen-reps 0' : `--frozen-hosts ${o.frozenHosts}`;
  return null;
}

/** The options in effect, defaults included, as a command line would give them. */
export function effectiveOptions(o: Options): string {
  return [
    `--only ${o.only.join(',')}`,
    `--hosts ${o.hosts} --reps ${o.reps}`,
    `--ansible-hosts ${o.ansibleHosts} --ansible-reps ${o.ansibleReps}${o.skipAnsible ? ' --skip-ansible' : ''}`,
    `--big ${o.big} --big-reps ${o.bigReps}`,
    `--scale ${o.scale}`,
    `--startup-runs ${o.startupRuns}`,
    `--frozen-hosts ${o.frozenHosts} --frozen-reps ${o.frozenReps}`,
    ...(o.checkOnly ? ['--check-only'] : []),
    ...(o.dist ? [`--dist ${o.dist}`] : []),
  ].join(' ');
}
