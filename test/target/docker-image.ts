/**
 * The Docker test target's image, built through the engine's Docker API (dockerode; no docker client):
 *   base    sshplay-base:<rootfs key>, the hosts' Debian root (test/target/rootfs/build.sh, the same one
 *           the namespace target mounts) imported as an image (POST /images/create?fromSrc=-): no
 *           registry. $SSHPLAY_BASE names another base instead (e.g. debian:bookworm from a registry).
 *   image   sshplay-target:latest from test/target/Dockerfile over that base, labelled with the hash of
 *           its inputs (Dockerfile, docker/, sim/, the base): rebuilt only when one changes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type Docker from 'dockerode';
import { hostRootfs, hostRootfsKey } from './rootfs.js';

const CONTEXT = join(import.meta.dirname).replace(/\/dist\/test\/target$/, '/test/target');
const CONTEXT_ENTRIES = ['Dockerfile', 'docker', 'sim'];
export const IMAGE = 'sshplay-target:latest';
const INPUTS_LABEL = 'sshplay.inputs';

const log = (s: string) => process.stderr.write(`[docker-image] ${s}\n`);

/** Every file under the entries, sorted, relative to the context. */
function contextFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = join(CONTEXT, rel);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of readdirSync(abs).sort()) walk(join(rel, e));
    else out.push(rel);
  };
  for (const e of CONTEXT_ENTRIES) walk(e);
  return out.sort();
}

function inputsHash(base: string): string {
  const h = createHash('sha256');
  for (const f of contextFiles()) {
    h.update(`${f}\n`);
    const abs = join(CONTEXT, f);
    try {
      h.update(readlinkSync(abs));
    } catch {
      h.update(readFileSync(abs));
    }
  }
  h.update(`base=${base}\n`);
  return h.digest('hex').slice(0, 16);
}

async function imageLabels(docker: Docker, name: string): Promise<Record<string, string> | null> {
  try {
    return (await docker.getImage(name).inspect()).Config?.Labels ?? {};
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
}

/** Follows a build/import progress stream to its end; an error event in it is thrown. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((done, fail) => {
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string; errorDetail?: unknown }[]) => {
      const failed = events?.find((e) => e.error);
      if (error) fail(new Error(`${what}: ${error.message}`));
      else if (failed) fail(new Error(`${what}: ${failed.error}`));
      else done();
    });
  });
}

/** The registry-free base: the hosts' Debian root imported as sshplay-base:<key>. */
async function ensureBase(docker: Docker): Promise<string> {
  if (process.env.SSHPLAY_BASE) return process.env.SSHPLAY_BASE;
  const rootfs = await hostRootfs();
  const base = `sshplay-base:${await hostRootfsKey()}`;
  if ((await imageLabels(docker, base)) !== null) return base;
  const t = Date.now();
  log(`importing ${rootfs} as ${base}`);
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((done) => tar.once('close', (code) => done(code ?? 1)));
  // The tag inside `repo` (both engines accept it; Podman ignores a separate `tag`).
  await follow(docker, await docker.importImage(tar.stdout, { repo: base }), `importing ${base}`);
  if ((await exited) !== 0) throw new Error(`tar of ${rootfs} failed`);
  if ((await imageLabels(docker, base)) === null) throw new Error(`importing ${base}: the engine does not list it`);
  log(`${base} imported in ${Date.now() - t} ms`);
  return base;
}

/** The image to run (built when its inputs changed); its name. */
export async function ensureImage(docker: Docker): Promise<string> {
  const base = await ensureBase(docker);
  const hash = inputsHash(base);
  if ((await imageLabels(docker, IMAGE))?.[INPUTS_LABEL] === hash) return IMAGE;
  const t = Date.now();
  log(`building ${IMAGE} from ${base} (${hash})`);
  const stream = await docker.buildImage(
    { context: CONTEXT, src: contextFiles().map((f) => relative('.', f)) },
    { t: IMAGE, buildargs: { BASE: base }, labels: { [INPUTS_LABEL]: hash }, rm: true, forcerm: true },
  );
  await follow(docker, stream, `building ${IMAGE}`);
  const built = await imageLabels(docker, IMAGE);
  if (built?.[INPUTS_LABEL] !== hash) throw new Error(`building ${IMAGE}: the engine holds no image labelled ${hash}`);
  log(`${IMAGE} built in ${Date.now() - t} ms`);
  // Earlier builds, now untagged, are not kept (their label marks them as ours).
  await docker.pruneImages({ filters: { label: [INPUTS_LABEL], dangling: ['true'] } }).catch(() => {});
  return IMAGE;
}
