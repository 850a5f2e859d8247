import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real, built CLI (`npm test` builds first), as a user would. */
export function sshplay(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 600_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The CLI as a child process (to signal it or feed its stdin); `output()` is what it printed so far. */
export function startSshplay(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
  return { child, done, output: () => stdout + stderr };
}

/** The CLI with text on its stdin (what -k, -K, -J and `vault encrypt_string` read from a pipe). */
export function sshplayWithInput(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const { child, done } = startSshplay(args, env);
  child.stdin.end(input);
  return done;
}

/** The PLAY RECAP numbers per host, parsed from the console output. */
export function recap(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  for (const line of stdout.slice(at).split('\n')) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const kv of (m[2] as string).matchAll(/(\w+)=(\d+)/g)) counts[kv[1] as string] = Number(kv[2]);
    out[m[1] as string] = counts;
  }
  return out;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sshplay-${prefix}-`));
}

export async function writeTemp(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** What the built CLI needs: null when dist/ holds it. */
export function cliMissing(): string | null {
  return existsSync(CLI) ? null : `the CLI is not built (${CLI}); run npm run build`;
}

/**
 * What a namespace fleet needs that this machine lacks (root, the ssh client, unshare, nsenter, debootstrap), or
 * null. Not the controller's sshd: each host runs the sshd of its own Debian root (test/target/namespace/host.sh).
 */
export function namespaceFleetMissing(): string | null {
  if (process.platform !== 'linux') return 'Linux (namespaces, overlayfs, loop devices)';
  if (process.getuid?.() !== 0) return 'root (the simulated fleet needs namespaces, mounts, loop devices)';
  for (const [tool, pkg] of [
    ['/usr/bin/ssh', 'openssh-client'],
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/bin/nsenter', 'util-linux'],
    ['/usr/sbin/debootstrap', "debootstrap (builds the hosts' Debian root)"],
  ] as const) {
    if (!existsSync(tool)) return `${tool} (install ${pkg})`;
  }
  return null;
}

/** Why the end-to-end suites cannot run here (a namespace fleet and the built CLI), or null when they can. */
export function e2eUnavailable(): string | null {
  return namespaceFleetMissing() ?? cliMissing();
}

/** ansible-vault (Debian's ansible-core), for the interop test. */
export function ansibleVaultMissing(): string | null {
  return existsSync('/usr/bin/ansible-vault') ? null : '/usr/bin/ansible-vault (install ansible-core)';
}

/** `sshplay run playbooks/<name> -i INV --known-hosts <fleet's> --limit iser_hosts ...extra`, as the iSER suites run it. */
export function runIserPlaybook(
  knownHostsFile: string,
  inventory: string,
  playbook: string,
  ...extra: string[]
): Promise<CliResult> {
  return runPlaybookOn('iser_hosts', knownHostsFile, inventory, playbook, ...extra);
}

/** runIserPlaybook for another --limit. */
export function runPlaybookOn(
  limit: string,
  knownHostsFile: string,
  inventory: string,
  playbook: string,
  ...extra: string[]
): Promise<CliResult> {
  return sshplay([
    'run',
    `playbooks/${playbook}`,
    '-i',
    inventory,
    '--known-hosts',
    knownHostsFile,
    '--limit',
    limit,
    ...extra,
  ]);
}
