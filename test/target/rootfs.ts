/**
 * The Debian root every simulated host starts from (test/target/rootfs/build.sh: debootstrap once,
 * cached under /var/cache/sshplay by a hash of its inputs). The namespace target mounts it as the lower
 * layer of each host's overlay; the Docker target imports it as its base image. One build per process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const ROOTFS_BUILDER = join(import.meta.dirname, 'rootfs/build.sh').replace(
  /\/dist\/test\/target\/rootfs\/build\.sh$/,
  '/test/target/rootfs/build.sh',
);

/** Where build.sh caches the roots (its SSHPLAY_ROOTFS_CACHE). */
export const SSHPLAY_ROOTFS_CACHE = process.env.SSHPLAY_ROOTFS_CACHE ?? '/var/cache/sshplay';

let build: Promise<string> | null = null;

function runBuilder(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    const child = execFile('bash', [ROOTFS_BUILDER, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 127) : 0, stdout: String(stdout) });
    });
    // progress (a first build takes minutes) goes where the caller's output goes
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  });
}

/** The hosts' root folder, built by debootstrap the first time on this machine (about 2 minutes). */
export function hostRootfs(): Promise<string> {
  build ??= (async () => {
    const r = await runBuilder([]);
    const path = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !path.startsWith('/')) {
      throw new Error(`the simulated hosts' root filesystem could not be built (${ROOTFS_BUILDER}: exit ${r.code})`);
    }
    return path;
  })();
  build.catch(() => {
    build = null;
  });
  return build;
}

/** The cache key of the hosts' root (changes when its packages or recipe do). */
export async function hostRootfsKey(): Promise<string> {
  const r = await runBuilder(['--hash']);
  if (r.code !== 0) throw new Error(`${ROOTFS_BUILDER} --hash: exit ${r.code}`);
  return r.stdout.trim();
}
