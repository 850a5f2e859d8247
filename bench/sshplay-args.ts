/**
 * The one command line every bench section runs sshplay with: playbooks/iser.yml, storage plays skipped,
 * no retry file, all hosts at once unless `forks` says otherwise. `node` arguments (the trace hook) come
 * before the CLI script.
 */
export interface SshplayRun {
  cli: string;
  inventory: string;
  knownHosts: string;
  forks: number;
  /** Node's own arguments, e.g. `--import` of bench/trace-hook.ts. */
  node?: string[];
  /** sshplay's further options: `--check`, `--json`. */
  extra?: string[];
}

export function sshplayArgs(r: SshplayRun): string[] {
  return [
    ...(r.node ?? []),
    r.cli,
    'run',
    'playbooks/iser.yml',
    '-i',
    r.inventory,
    '--known-hosts',
    r.knownHosts,
    '--forks',
    String(r.forks),
    '--skip-tags',
    'storage',
    '--no-retry-file',
    ...(r.extra ?? []),
  ];
}
