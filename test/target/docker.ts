/**
 * The Docker test target: one container per simulated host (test/target/Dockerfile), each running a
 * real OpenSSH sshd as PID 1 over the simulated storage tools of sim/, published on 127.0.0.1:<port>.
 *
 * Engine: $DOCKER_HOST when set, else a Docker engine on /var/run/docker.sock when one answers, else
 * Podman serving the Docker API (docker/podman-service.sh, started here and stopped by `stop()`).
 * Image: docker/build-image.sh (cached by a hash of its inputs; makes a registry-free Debian base with
 * debootstrap when it has to).
 *
 * LUN: by default the containers have none (`lunWwid` is an identity only; run the iSER playbooks without
 * `iser_luns`) and run unprivileged. With `lun: true` each host gets a sparse 64 MiB file attached to a
 * loop device of this machine (so the engine must be local), passed as SIM_LUN_DEVICE; partitioning,
 * mkfs and mount inside need a --privileged container. stop()/reset() detach the loop devices.
 */
import { type ExecFileOptions, execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecResult, Fleet, SimArray, SimFlavor, SimHost, SimHostSpec } from './types.js';

const HERE = import.meta.dirname;
const PODMAN_SERVICE = join(HERE, 'docker/podman-service.sh');
const BUILD_IMAGE = join(HERE, 'docker/build-image.sh');
const PODMAN_SOCK = '/run/podman/podman.sock';
const FLEET_LABEL = 'sshplay.fleet';
const OWNER_LABEL = 'sshplay.owner';
const LUN_LABEL = 'sshplay.lun';
/** Set when the fleet made its folder: removed with the containers of a killed process. */
const DIR_LABEL = 'sshplay.dir';
const LUN_SIZE = '64M';

export const DEFAULT_DOCKER_HOSTS: SimHostSpec[] = [
  { name: 'host1', flavor: 'rhel8', groups: ['iser_hosts'] },
  { name: 'host2', flavor: 'sles15', groups: ['iser_hosts'] },
  { name: 'host3', flavor: 'rhel8', groups: ['iser_hosts'] },
  { name: 'outsider', flavor: 'ubuntu22' },
];

export const DEFAULT_ARRAY: SimArray = {
  targetIqn: 'iqn.1992-01.com.netapp:5700.600a098000d5b0a9000000005f3c8e21',
  portals: ['192.168.130.101', '192.168.130.102', '192.168.131.101', '192.168.131.102'],
};

export interface DockerFleetOptions {
  /** The hosts (default: host1 rhel8, host2 sles15, host3 rhel8 in iser_hosts, and an ubuntu22 outsider). */
  hosts?: SimHostSpec[];
  array?: Partial<SimArray>;
  /** Working folder (kept by `stop()`); default a new temporary folder, removed by `stop()`. */
  dir?: string;
  /** First port tried for the hosts' sshd (default 22000); each host takes the next free one. */
  basePort?: number;
  /** Image to run (default: what docker/build-image.sh builds, sshplay-target:latest). */
  image?: string;
  /** Give each host a real loop-backed LUN (privileged containers, local engine only). Default false. */
  lun?: boolean;
}

/** How long the phases of `startDockerFleet` took, in milliseconds. */
export interface DockerFleetTimings {
  engine: number;
  image: number;
  containers: number;
  total: number;
}

export interface DockerFleet extends Fleet {
  kind: 'docker';
  /** The fleet's id, the value of every container's `sshplay.fleet` label. */
  id: string;
  /** DOCKER_HOST of the engine the fleet runs on. */
  dockerHost: string;
  /** True when the fleet started the Podman service itself (and `stop()` stops it). */
  startedPodmanService: boolean;
  timings: DockerFleetTimings;
  /** Container name of a host. */
  container(host: string): string;
}

// ---------------------------------------------------------------------------------------------------
// Running commands

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
}

function run(file: string, args: string[], options: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const execOptions: ExecFileOptions = {
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 120_000,
      encoding: 'utf8',
    };
    const child = execFile(file, args, execOptions, (error, stdout, stderr) => {
      let code = 0;
      if (error) {
        const c = (error as NodeJS.ErrnoException & { code?: unknown }).code;
        code = typeof c === 'number' ? c : 127;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr) || (error && code === 127 ? error.message : ''), code });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

async function runOk(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  const r = await run(file, args, options);
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// The engine: Docker, or Podman serving the Docker API

interface Engine {
  dockerHost: string;
  env: NodeJS.ProcessEnv;
  startedService: boolean;
}

/** Fleets of this process using the Podman service this process started (stopped when the last stops). */
let serviceUsers = 0;
let serviceStartedHere = false;

function engineEnv(dockerHost: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: dockerHost,
    DOCKER_BUILDKIT: '0',
    CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? join(HERE, 'docker/containers.conf'),
  };
}

async function answers(dockerHost: string): Promise<boolean> {
  const r = await run('docker', ['version', '--format', '{{.Server.Version}}'], {
    env: engineEnv(dockerHost),
    timeoutMs: 15_000,
  });
  return r.code === 0;
}

/** Why the Docker target cannot run here, or null when it can. */
export function dockerUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the Docker target runs as root (rootful Podman or a Docker engine)';
  const onPath = (name: string) =>
    (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, name)));
  if (!onPath('docker')) return 'the docker client is not installed';
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock') && !onPath('podman')) {
    return 'no Docker engine (DOCKER_HOST, /var/run/docker.sock) and no podman to serve the Docker API';
  }
  if (!onPath('ssh-keygen')) return 'ssh-keygen is not installed (openssh-client)';
  return null;
}

async function ensureEngine(): Promise<Engine> {
  if (process.env.DOCKER_HOST) {
    const dockerHost = process.env.DOCKER_HOST;
    if (!(await answers(dockerHost))) throw new Error(`no Docker engine answers on DOCKER_HOST=${dockerHost}`);
    return { dockerHost, env: engineEnv(dockerHost), startedService: false };
  }
  if (existsSync('/var/run/docker.sock') && (await answers('unix:///var/run/docker.sock'))) {
    const dockerHost = 'unix:///var/run/docker.sock';
    return { dockerHost, env: engineEnv(dockerHost), startedService: false };
  }
  const dockerHost = `unix://${PODMAN_SOCK}`;
  const env = engineEnv(dockerHost);
  if (serviceUsers === 0) {
    const ownerEnv = { ...env, SSHPLAY_PODMAN_OWNER: String(process.pid) };
    const running = (await run(PODMAN_SERVICE, ['status'], { env, timeoutMs: 15_000 })).code === 0;
    if (!running) {
      await runOk(PODMAN_SERVICE, ['start'], { env: ownerEnv, timeoutMs: 60_000 });
      serviceStartedHere = true;
    } else {
      // A service an earlier test process started and could not stop (it was killed) is adopted:
      // this process stops it. A service started by anyone else is left alone.
      const owner = (await run(PODMAN_SERVICE, ['owner'], { env, timeoutMs: 15_000 })).stdout.trim();
      if (/^\d+$/.test(owner) && !pidAlive(Number(owner))) {
        await run(PODMAN_SERVICE, ['owner'], { env: ownerEnv, timeoutMs: 15_000 });
        serviceStartedHere = true;
      }
    }
  }
  serviceUsers++;
  return { dockerHost, env, startedService: serviceStartedHere };
}

async function releaseEngine(engine: Engine): Promise<void> {
  if (engine.dockerHost !== `unix://${PODMAN_SOCK}` || serviceUsers === 0) return;
  serviceUsers--;
  if (serviceUsers === 0 && serviceStartedHere) {
    serviceStartedHere = false;
    await runOk(PODMAN_SERVICE, ['stop'], { env: engine.env, timeoutMs: 30_000 });
  }
}

// ---------------------------------------------------------------------------------------------------
// Host identities

function initiatorIqn(name: string, flavor: SimFlavor, index: number): string {
  const suffix = `${(0x5a1c0b00 + index).toString(16)}${name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
  if (flavor.startsWith('rhel')) return `iqn.1994-05.com.redhat:${suffix}`;
  if (flavor.startsWith('sles')) return `iqn.1996-04.de.suse:01:${suffix}`;
  return `iqn.2004-10.com.ubuntu:01:${suffix}`;
}

function guids(index: number): [string, string] {
  const base = 0x248a0703_00a80a00n + BigInt(index) * 0x10n;
  return [`0x${base.toString(16).padStart(16, '0')}`, `0x${(base + 1n).toString(16).padStart(16, '0')}`];
}

function lunWwid(index: number): string {
  return `360080e50043a3f00${index.toString(16).padStart(8, '0')}5e8f1c2a`;
}

// ---------------------------------------------------------------------------------------------------
// LUNs: sparse files on loop devices of this machine

/** Loop devices of this machine backed by the file. */
function loopsOf(file: string): string[] {
  try {
    return execFileSync('losetup', ['-j', file], { encoding: 'utf8', timeout: 10_000 })
      .split('\n')
      .map((l) => /^(\/dev\/loop\d+):/.exec(l)?.[1])
      .filter((d): d is string => d !== undefined);
  } catch {
    return [];
  }
}

function detachLoops(file: string): void {
  for (const dev of loopsOf(file)) {
    try {
      execFileSync('losetup', ['-d', dev], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already gone
    }
  }
}

/** losetup -f picks the free device and attaches in two steps: one attach at a time in this process. */
let loopQueue: Promise<unknown> = Promise.resolve();

/** A blank LUN: the file emptied and attached to a new loop device (with partition scanning). */
function attachBlankLun(file: string): Promise<string> {
  const next = loopQueue.then(async () => {
    detachLoops(file);
    await runOk('truncate', ['-s', '0', file]);
    await runOk('truncate', ['-s', LUN_SIZE, file]);
    return (await runOk('losetup', ['-f', '-P', '--show', file])).trim();
  });
  loopQueue = next.catch(() => {});
  return next;
}

// ---------------------------------------------------------------------------------------------------
// Ports and readiness

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** True when an SSH server greets on the port (a published port may accept before sshd listens). */
function sshGreets(port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    let data = '';
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(data.startsWith('SSH-')));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-'));
    });
  });
}

async function waitForSsh(port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await sshGreets(port)) return;
    await sleep(100);
  }
  throw new Error(`${what}: no sshd answered on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}

// ---------------------------------------------------------------------------------------------------
// Cleanup when the process ends without stop()

const liveFleets = new Map<
  string,
  { env: NodeJS.ProcessEnv; dir: string | null; lunFiles: () => string[]; stopService: () => boolean }
>();
let exitHooksInstalled = false;

function cleanupSync(): void {
  for (const [id, f] of liveFleets) {
    try {
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${FLEET_LABEL}=${id}`], {
        env: f.env,
        encoding: 'utf8',
        timeout: 30_000,
      })
        .split('\n')
        .filter(Boolean);
      if (ids.length > 0) {
        execFileSync('docker', ['rm', '-f', ...ids], { env: f.env, stdio: 'ignore', timeout: 60_000 });
      }
    } catch {
      // best effort: the process is ending
    }
    liveFleets.delete(id);
    for (const file of f.lunFiles()) detachLoops(file);
    if (f.dir) rmSync(f.dir, { recursive: true, force: true });
    if (f.stopService()) {
      try {
        execFileSync(PODMAN_SERVICE, ['stop'], { env: f.env, stdio: 'ignore', timeout: 30_000 });
      } catch {
        // best effort
      }
    }
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      cleanupSync();
      process.off(signal, handler);
      // Die of the signal as we would have without this handler, unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

/** Containers of fleets whose process died without cleaning up (SIGKILL, a crash) are removed. */
async function removeOrphans(env: NodeJS.ProcessEnv): Promise<void> {
  const format = `{{.ID}} {{.Label "${OWNER_LABEL}"}} {{.Label "${DIR_LABEL}"}} {{.Label "${LUN_LABEL}"}}`;
  const r = await run('docker', ['ps', '-a', '--filter', `label=${OWNER_LABEL}`, '--format', format], { env });
  if (r.code !== 0) return;
  const orphans: string[] = [];
  const lunFiles: string[] = [];
  const dirs = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\d+)@(\S+) (\S*) ?(.*)$/.exec(line);
    if (!m) continue;
    const [, id, pid, host, dir, lunFile] = m as unknown as [string, string, string, string, string, string];
    if (host !== hostTag()) continue;
    if (pidAlive(Number(pid))) continue;
    orphans.push(id);
    if (lunFile.startsWith('/')) lunFiles.push(lunFile);
    if (dir.startsWith('/') && /\/sshplay-docker-[^/]+$/.test(dir)) dirs.add(dir);
  }
  if (orphans.length > 0) await run('docker', ['rm', '-f', ...orphans], { env });
  for (const file of lunFiles) detachLoops(file);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Which machine a container's owner pid belongs to (an engine may serve several machines). */
function hostTag(): string {
  return hostname() || 'localhost';
}

// ---------------------------------------------------------------------------------------------------
// The fleet

interface HostState {
  host: SimHost;
  spec: SimHostSpec;
  container: string;
  envFile: string;
  envVars: Record<string, string>;
  hostKeyPub: string;
  /** With `lun`: the sparse file behind the host's LUN. */
  lunFile?: string;
}

export async function startDockerFleet(options: DockerFleetOptions = {}): Promise<DockerFleet> {
  const t0 = Date.now();
  const specs = options.hosts ?? DEFAULT_DOCKER_HOSTS;
  const names = new Set<string>();
  for (const s of specs) {
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(s.name)) throw new Error(`host name ${JSON.stringify(s.name)} is not a hostname`);
    if (names.has(s.name)) throw new Error(`host ${s.name} is listed twice`);
    names.add(s.name);
  }
  const array: SimArray = { ...DEFAULT_ARRAY, ...options.array };
  if (array.portals.length !== 4) throw new Error('the simulated array has four portals');
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const engine = await ensureEngine();
  const { env } = engine;
  const docker = (args: string[], o: RunOptions = {}) => run('docker', args, { env, ...o });
  const dockerOk = (args: string[], o: RunOptions = {}) => runOk('docker', args, { env, ...o });
  const tEngine = Date.now();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'sshplay-docker-')));

  let stopped = false;
  const stopServiceOnce = () => {
    // Called from the exit hook: the service is ours to stop only when no other fleet of this
    // process uses it.
    if (!engine.startedService || serviceUsers > 1) return false;
    serviceUsers = 0;
    serviceStartedHere = false;
    return true;
  };
  const hosts: HostState[] = [];
  const lunFiles = () => hosts.flatMap((h) => (h.lunFile ? [h.lunFile] : []));
  liveFleets.set(id, { env, dir: ownDir ? dir : null, lunFiles, stopService: stopServiceOnce });
  installExitHooks();
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      const ids = (await docker(['ps', '-aq', '--filter', `label=${FLEET_LABEL}=${id}`])).stdout
        .split('\n')
        .filter(Boolean);
      if (ids.length > 0) await dockerOk(['rm', '-f', ...ids], { timeoutMs: 120_000 });
    } finally {
      for (const file of lunFiles()) detachLoops(file);
      liveFleets.delete(id);
      await releaseEngine(engine);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    await mkdir(join(dir, 'hosts'), { recursive: true, mode: 0o700 });
    await removeOrphans(env);
    const image =
      options.image ?? (await runOk(BUILD_IMAGE, [], { env, timeoutMs: 30 * 60_000 })).trim().split('\n').pop();
    if (!image) throw new Error('docker/build-image.sh printed no image name');
    const tImage = Date.now();

    // The client key root accepts on every host.
    const privateKeyFile = join(dir, 'id_ed25519');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `sshplay-docker-${id}`, '-f', privateKeyFile]);
    const clientPub = (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim();

    let port = options.basePort ?? 22000;
    for (const [index, spec] of specs.entries()) {
      while (!(await portFree(port))) port++;
      const host: SimHost = {
        name: spec.name,
        flavor: spec.flavor,
        address: '127.0.0.1',
        port: port++,
        initiatorIqn: initiatorIqn(spec.name, spec.flavor, index),
        guids: guids(index),
        lunWwid: lunWwid(index),
        index,
      };
      // Each host's key is made here and given to the container, so reset() keeps known_hosts valid.
      const keyFile = join(dir, 'hosts', `${spec.name}_host_ed25519_key`);
      await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${spec.name}`, '-f', keyFile]);
      const hostKey = (await readFile(keyFile)).toString('base64');
      const hostKeyPub = (await readFile(`${keyFile}.pub`, 'utf8')).trim();
      // An env file, not -e: the host's private key stays out of every process list.
      const envFile = join(dir, 'hosts', `${spec.name}.env`);
      const vars: Record<string, string> = {
        SSHPLAY_HOST_KEY: hostKey,
        SSHPLAY_AUTHORIZED_KEYS: clientPub,
        SIM_HOSTNAME: host.name,
        SIM_FLAVOR: host.flavor,
        SIM_IQN: host.initiatorIqn,
        SIM_GUIDS: host.guids.join(' '),
        SIM_LUN_WWID: host.lunWwid,
        SIM_ARRAY_IQN: array.targetIqn,
        SIM_ARRAY_PORTALS: array.portals.join(' '),
      };
      const lunFile = options.lun ? join(dir, 'hosts', `${spec.name}.lun`) : undefined;
      hosts.push({ host, spec, container: `sshplay-${id}-${spec.name}`, envFile, envVars: vars, hostKeyPub, lunFile });
    }

    /** A new container for the host (a blank LUN first when it has one). */
    const runContainer = async (h: HostState): Promise<void> => {
      const vars = { ...h.envVars };
      if (h.lunFile) vars.SIM_LUN_DEVICE = await attachBlankLun(h.lunFile);
      await writeFile(
        h.envFile,
        Object.entries(vars)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
        { mode: 0o600 },
      );
      for (let attempt = 0; ; attempt++) {
        const r = await docker([
          'run',
          '-d',
          '--name',
          h.container,
          '--hostname',
          h.host.name,
          '--label',
          `${FLEET_LABEL}=${id}`,
          '--label',
          `${OWNER_LABEL}=${process.pid}@${hostTag()}`,
          '--label',
          `sshplay.host=${h.host.name}`,
          '--env-file',
          h.envFile,
          '-p',
          `127.0.0.1:${h.host.port}:22`,
          // Without a LUN no extra capabilities: sshd needs only the defaults (SYS_CHROOT for its
          // privilege separation), and the simulated tools only write files and start plain processes.
          // With a LUN, --privileged: the host's loop device and the partition nodes made later (mknod),
          // BLKPG partitioning by parted, mkfs and mount need device access and CAP_SYS_ADMIN/MKNOD
          // beyond any narrower set that works on both Docker and Podman.
          ...(h.lunFile ? ['--privileged', '--label', `${LUN_LABEL}=${h.lunFile}`] : []),
          ...(ownDir ? ['--label', `${DIR_LABEL}=${dir}`] : []),
          image,
        ]);
        if (r.code === 0) break;
        // Someone took the port since we checked: move on to the next free one.
        if (attempt < 5 && /address already in use|port is already allocated|bind/i.test(r.stderr)) {
          await docker(['rm', '-f', h.container]);
          let p = h.host.port + 100;
          while (!(await portFree(p))) p++;
          h.host.port = p;
          continue;
        }
        throw new Error(`docker run ${h.host.name}: ${r.stderr.trim()}`);
      }
      await waitReady(h);
    };

    const waitReady = async (h: HostState): Promise<void> => {
      const until = Date.now() + 120_000;
      for (;;) {
        const logs = await docker(['logs', h.container]);
        if (`${logs.stdout}${logs.stderr}`.includes('sshplay-entrypoint: ready')) break;
        const state = (await docker(['inspect', '--format', '{{.State.Status}}', h.container])).stdout.trim();
        if (state === 'exited' || state === 'dead' || Date.now() > until) {
          throw new Error(`host ${h.host.name} did not start (${state}):\n${logs.stdout}${logs.stderr}`);
        }
        await sleep(100);
      }
      await waitForSsh(h.host.port, `host ${h.host.name}`);
    };

    /** known_hosts from what each host's sshd really holds (and was given). */
    const knownHostsFile = join(dir, 'known_hosts');
    const writeKnownHosts = async (): Promise<void> => {
      const lines: string[] = [];
      for (const h of hosts) {
        const pub = (await dockerOk(['exec', h.container, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).trim();
        const [type, key] = pub.split(/\s+/);
        if (type !== 'ssh-ed25519' || !key || key !== h.hostKeyPub.split(/\s+/)[1]) {
          throw new Error(`host ${h.host.name} holds another host key than it was given: ${pub}`);
        }
        lines.push(`[${h.host.address}]:${h.host.port} ${type} ${key}`);
      }
      await writeFile(knownHostsFile, `${lines.join('\n')}\n`);
    };

    await Promise.all(hosts.map(runContainer));
    await writeKnownHosts();
    const tContainers = Date.now();

    const byName = (name: string): HostState => {
      const h = hosts.find((x) => x.host.name === name);
      if (!h) throw new Error(`no host ${name} in this fleet (${hosts.map((x) => x.host.name).join(', ')})`);
      return h;
    };
    const exec = async (name: string, command: string): Promise<ExecResult> =>
      docker(['exec', byName(name).container, '/bin/bash', '-c', command], { timeoutMs: 300_000 });
    const readFileIn = async (name: string, path: string): Promise<string | null> => {
      const r = await docker([
        'exec',
        byName(name).container,
        '/bin/sh',
        '-c',
        '[ -f "$1" ] || exit 86; exec cat -- "$1"',
        'sh',
        path,
      ]);
      if (r.code === 86) return null;
      if (r.code !== 0) throw new Error(`reading ${path} on ${name}: ${r.stderr.trim()}`);
      return r.stdout;
    };
    const execOk = async (name: string, command: string): Promise<string> => {
      const r = await exec(name, command);
      if (r.code !== 0) throw new Error(`${name}: ${command} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
      return r.stdout;
    };

    const fleet: DockerFleet = {
      kind: 'docker',
      id,
      dockerHost: engine.dockerHost,
      startedPodmanService: engine.startedService,
      hosts: hosts.map((h) => h.host),
      array,
      dir,
      knownHostsFile,
      privateKeyFile,
      timings: {
        engine: tEngine - t0,
        image: tImage - tEngine,
        containers: tContainers - tImage,
        total: tContainers - t0,
      },
      container: (name) => byName(name).container,
      exec,
      readFile: readFileIn,
      async calls(name) {
        const text = await readFileIn(name, '/var/log/sim/calls.log');
        return (text ?? '').split('\n').filter((l) => l !== '');
      },
      async writeInventory(o = {}) {
        const file = o.file ?? join(dir, 'inventory.yml');
        await writeFile(
          file,
          inventoryYaml(fleet, specs, o.extraHostVars ?? {}, o.groupVars ?? {}, options.lun === true),
        );
        return file;
      },
      async stopHost(name) {
        await dockerOk(['stop', '-t', '10', byName(name).container]);
      },
      async startHost(name) {
        const h = byName(name);
        await dockerOk(['start', h.container]);
        await waitForSsh(h.host.port, `host ${name}`);
      },
      async reboot(name) {
        await execOk(name, '/usr/local/sbin/sim-reboot');
      },
      async refuseLogins(name, refuse) {
        // sshd reads authorized_keys at every login: without it, every key is refused.
        await execOk(
          name,
          refuse
            ? 'cd /root/.ssh && if [ -e authorized_keys ]; then mv -f authorized_keys authorized_keys.refused; fi'
            : 'cd /root/.ssh && if [ -e authorized_keys.refused ]; then mv -f authorized_keys.refused authorized_keys; fi',
        );
      },
      async changeHostKey(name) {
        const h = byName(name);
        const k = '/etc/ssh/ssh_host_ed25519_key';
        const pub = (
          await execOk(
            name,
            `rm -f ${k} ${k}.pub && ssh-keygen -q -t ed25519 -N '' -C root@${name} -f ${k} && cat ${k}.pub`,
          )
        ).trim();
        // SIGHUP: sshd (PID 1) re-executes itself and loads the new key.
        await execOk(name, 'kill -HUP 1');
        const until = Date.now() + 30_000;
        const newKey = pub.split(/\s+/)[1];
        while (Date.now() < until) {
          const scan = await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(h.host.port), '127.0.0.1'], {
            timeoutMs: 10_000,
          });
          if (newKey && scan.stdout.includes(newKey)) return;
          await sleep(100);
        }
        throw new Error(`host ${name}: sshd did not take its new host key`);
      },
      async reset() {
        // The writable layer is thrown away: each container is made again from the image, with the
        // same identity, host key and port.
        await Promise.all(
          hosts.map(async (h) => {
            await dockerOk(['rm', '-f', h.container]);
            await runContainer(h); // a blank LUN too
          }),
        );
        await writeKnownHosts(); // the same unless a port was taken meanwhile
      },
      stop,
    };
    return fleet;
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Inventory

/**
 * An Ansible YAML inventory (written as JSON, which is YAML): every host in `all` and in its flavor's
 * group and extra groups, connection vars per host, the README's iSER variables for the simulated array.
 * `iser_luns` (the LUN partitioned, formatted ext4 and mounted on /mnt/iser) only when the hosts have one.
 */
function inventoryYaml(
  fleet: Fleet,
  specs: SimHostSpec[],
  extraHostVars: Record<string, Record<string, unknown>>,
  groupVars: Record<string, unknown>,
  lun: boolean,
): string {
  const hostVars = (h: SimHost): Record<string, unknown> => ({
    ansible_host: h.address,
    ansible_port: h.port,
    ipoib_interfaces: [
      { name: 'ib0', address: `192.168.130.${11 + h.index}/24` },
      { name: 'ib1', address: `192.168.131.${11 + h.index}/24` },
    ],
    ...(lun ? { iser_luns: [{ wwid: h.lunWwid, mountpoint: '/mnt/iser', fstype: 'ext4' }] } : {}),
    ...extraHostVars[h.name],
  });
  const groups = new Map<string, string[]>();
  for (const s of specs) {
    for (const g of [s.flavor, ...(s.groups ?? [])]) groups.set(g, [...(groups.get(g) ?? []), s.name]);
  }
  const [a1, b1, a2, b2] = fleet.array.portals;
  const inventory = {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: fleet.privateKeyFile,
        iser_target_iqn: fleet.array.targetIqn,
        iser_target_portals: [
          { address: a1, iface: 'iface-ib0' },
          { address: b1, iface: 'iface-ib0' },
          { address: a2, iface: 'iface-ib1' },
          { address: b2, iface: 'iface-ib1' },
        ],
        iser_discovery: 'sendtargets',
        opensm_port_priorities: [15, 1],
        iscsi_replacement_timeout: 20,
        iscsi_node_startup: 'automatic',
        ...groupVars,
      },
      hosts: Object.fromEntries(fleet.hosts.map((h) => [h.name, hostVars(h)])),
      children: Object.fromEntries(
        [...groups].map(([g, members]) => [g, { hosts: Object.fromEntries(members.map((m) => [m, {}])) }]),
      ),
    },
  };
  return `# sshplay Docker test fleet ${fleet.dir}\n${JSON.stringify(inventory, null, 2)}\n`;
}
