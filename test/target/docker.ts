/**
 * The Docker test target: one container per simulated host (test/target/Dockerfile), each running a
 * real OpenSSH sshd as PID 1 over the simulated storage tools of sim/, published on 127.0.0.1:<port>.
 *
 * Everything goes through the engine's Docker API with dockerode (no docker client is needed): image
 * import and build (docker-image.ts: the base is the hosts' Debian root made by debootstrap, no
 * registry), create, start, exec, logs, inspect, stop, remove. The fleet removes its own containers
 * (on stop(), on exit or a signal, and orphans of a killed process at the next start).
 *
 * Engine: $DOCKER_HOST when set, else a Docker engine on /var/run/docker.sock when one answers, else
 * Podman serving the Docker API (docker/podman-service.sh: `podman system service`, started here and
 * stopped by the last `stop()` of this process).
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
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { ensureImage } from './docker-image.js';
import type { ExecResult, Fleet, SimArray, SimFlavor, SimHost, SimHostSpec } from './types.js';

const HERE = import.meta.dirname.replace(/\/dist\/test\/target$/, '/test/target');
const PODMAN_SERVICE = join(HERE, 'docker/podman-service.sh');
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
  /** Image to run (default: what docker-image.ts builds, sshplay-target:latest). */
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
// Running commands on the controller (ssh-keygen, losetup, truncate, podman-service.sh)

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
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
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === 127 ? error.message : '') });
    });
    child.stdin?.end();
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

/** A dockerode client for a DOCKER_HOST value (unix:///path or tcp://host:port). */
export function dockerClient(dockerHost: string): Docker {
  if (dockerHost.startsWith('unix://')) return new Docker({ socketPath: dockerHost.slice('unix://'.length) });
  const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' });
}

interface Engine {
  dockerHost: string;
  docker: Docker;
  env: NodeJS.ProcessEnv;
  startedService: boolean;
}

/** Fleets of this process using the Podman service this process started (stopped when the last stops). */
let serviceUsers = 0;
let serviceStartedHere = false;

function engineEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? join(HERE, 'docker/containers.conf') };
}

async function answers(dockerHost: string): Promise<boolean> {
  try {
    await Promise.race([
      dockerClient(dockerHost).ping(),
      sleep(15_000).then(() => Promise.reject(new Error('timeout'))),
    ]);
    return true;
  } catch {
    return false;
  }
}

const onPath = (name: string) => (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, name)));

/** What the Docker target needs that this machine lacks (one line), or null when it can run. */
export function dockerUnavailable(): string | null {
  if (process.getuid?.() !== 0)
    return 'root (the Docker target runs rootful Podman or a Docker engine, and loop devices)';
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock') && !onPath('podman')) {
    return 'a container engine: podman (apt-get install podman), DOCKER_HOST, or /var/run/docker.sock';
  }
  if (!onPath('ssh-keygen')) return 'ssh-keygen (install openssh-client)';
  if (!process.env.SSHPLAY_BASE && !onPath('debootstrap')) return "debootstrap (builds the hosts' Debian base image)";
  return null;
}

async function ensureEngine(): Promise<Engine> {
  const env = engineEnv();
  if (process.env.DOCKER_HOST) {
    const dockerHost = process.env.DOCKER_HOST;
    if (!(await answers(dockerHost))) throw new Error(`no Docker API answers on DOCKER_HOST=${dockerHost}`);
    return { dockerHost, docker: dockerClient(dockerHost), env, startedService: false };
  }
  if (existsSync('/var/run/docker.sock') && (await answers('unix:///var/run/docker.sock'))) {
    const dockerHost = 'unix:///var/run/docker.sock';
    return { dockerHost, docker: dockerClient(dockerHost), env, startedService: false };
  }
  const dockerHost = `unix://${PODMAN_SOCK}`;
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
  if (!(await answers(dockerHost))) throw new Error(`Podman's Docker API does not answer on ${dockerHost}`);
  serviceUsers++;
  return { dockerHost, docker: dockerClient(dockerHost), env, startedService: serviceStartedHere };
}

async function releaseEngine(engine: Engine): Promise<void> {
  if (engine.dockerHost !== `unix://${PODMAN_SOCK}` || serviceUsers === 0) return;
  serviceUsers--;
  if (serviceUsers === 0 && serviceStartedHere) {
    serviceStartedHere = false;
    await runOk(PODMAN_SERVICE, ['stop'], { env: engine.env, timeoutMs: 30_000 });
  }
}

/** IDs of every container (running or not) carrying the label `key=value` (or just `key`). */
export async function containersLabelled(docker: Docker, label: string): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Id);
}

async function removeContainers(docker: Docker, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e;
        }),
    ),
  );
}

/**
 * The same from a synchronous exit hook: a short node child that sends the API's DELETE requests
 * (no event loop is left in an exiting process to run dockerode's).
 */
function removeContainersSync(dockerHost: string, label: string): void {
  const script = `
    const http = require('node:http');
    const [hostArg, label] = process.argv.slice(1);
    const at = hostArg.startsWith('unix://') ? { socketPath: hostArg.slice(7) } : (() => { const u = new URL(hostArg.replace(/^tcp:/, 'http:')); return { host: u.hostname, port: Number(u.port || 2375) }; })();
    const call = (method, path) => new Promise((done) => { const r = http.request({ ...at, method, path }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => done(b)); }); r.on('error', () => done('[]')); r.end(); });
    (async () => {
      const list = JSON.parse(await call('GET', '/containers/json?all=1&filters=' + encodeURIComponent(JSON.stringify({ label: [label] }))) || '[]');
      await Promise.all(list.map((c) => call('DELETE', '/containers/' + c.Id + '?force=1&v=1')));
    })();`;
  execFileSync(process.execPath, ['-e', script, dockerHost, label], { stdio: 'ignore', timeout: 60_000 });
}

/** Runs argv in a container: its output and exit code (exec create, start attached, inspect). */
async function execIn(docker: Docker, container: string, cmd: string[], timeoutMs = 300_000): Promise<ExecResult> {
  const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (d: Buffer) => chunks.out.push(d));
  stderr.on('data', (d: Buffer) => chunks.err.push(d));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => {
      stream.destroy();
      fail(new Error(`exec in ${container} took over ${timeoutMs / 1000} s: ${cmd.join(' ')}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      done();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
  // The stream may end a moment before the engine records the exit code.
  for (let i = 0; ; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
      return {
        stdout: Buffer.concat(chunks.out).toString('utf8'),
        stderr: Buffer.concat(chunks.err).toString('utf8'),
        code: info.ExitCode,
      };
    }
    if (i > 200) throw new Error(`exec in ${container}: no exit code after its output ended`);
    await sleep(25);
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
  {
    env: NodeJS.ProcessEnv;
    dockerHost: string;
    dir: string | null;
    lunFiles: () => string[];
    stopService: () => boolean;
  }
>();
let exitHooksInstalled = false;

function cleanupSync(): void {
  for (const [id, f] of liveFleets) {
    try {
      removeContainersSync(f.dockerHost, `${FLEET_LABEL}=${id}`);
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
async function removeOrphans(docker: Docker): Promise<void> {
  const listed = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const orphans: string[] = [];
  const lunFiles: string[] = [];
  const dirs = new Set<string>();
  for (const c of listed) {
    const m = /^(\d+)@(\S+)$/.exec(c.Labels[OWNER_LABEL] ?? '');
    if (!m) continue;
    const [, pid, host] = m as unknown as [string, string, string];
    if (host !== hostTag()) continue;
    if (pidAlive(Number(pid))) continue;
    orphans.push(c.Id);
    const lunFile = c.Labels[LUN_LABEL] ?? '';
    const dir = c.Labels[DIR_LABEL] ?? '';
    if (lunFile.startsWith('/')) lunFiles.push(lunFile);
    if (dir.startsWith('/') && /\/sshplay-docker-[^/]+$/.test(dir)) dirs.add(dir);
  }
  await removeContainers(docker, orphans);
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
  const { docker } = engine;
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
  liveFleets.set(id, {
    env: engine.env,
    dockerHost: engine.dockerHost,
    dir: ownDir ? dir : null,
    lunFiles,
    stopService: stopServiceOnce,
  });
  installExitHooks();
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      await removeContainers(docker, await containersLabelled(docker, `${FLEET_LABEL}=${id}`));
    } finally {
      for (const file of lunFiles()) detachLoops(file);
      liveFleets.delete(id);
      await releaseEngine(engine);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    await mkdir(join(dir, 'hosts'), { recursive: true, mode: 0o700 });
    await removeOrphans(docker);
    const image = options.image ?? (await ensureImage(docker));
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
      hosts.push({ host, spec, container: `sshplay-${id}-${spec.name}`, envVars: vars, hostKeyPub, lunFile });
    }

    /** A new container for the host (a blank LUN first when it has one). */
    const runContainer = async (h: HostState): Promise<void> => {
      const vars = { ...h.envVars };
      if (h.lunFile) vars.SIM_LUN_DEVICE = await attachBlankLun(h.lunFile);
      for (let attempt = 0; ; attempt++) {
        const container = await docker.createContainer({
          name: h.container,
          Hostname: h.host.name,
          Image: image,
          // Through the API, not argv: the host's private key is in no process list.
          Env: Object.entries(vars).map(([k, v]) => `${k}=${v}`),
          Labels: {
            [FLEET_LABEL]: id,
            [OWNER_LABEL]: `${process.pid}@${hostTag()}`,
            'sshplay.host': h.host.name,
            ...(h.lunFile ? { [LUN_LABEL]: h.lunFile } : {}),
            ...(ownDir ? { [DIR_LABEL]: dir } : {}),
          },
          ExposedPorts: { '22/tcp': {} },
          HostConfig: {
            PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: String(h.host.port) }] },
            // Without a LUN no extra capabilities: sshd needs only the defaults (SYS_CHROOT for its
            // privilege separation), and the simulated tools only write files and start plain processes.
            // With a LUN, privileged: the host's loop device and the partition nodes made later (mknod),
            // BLKPG partitioning by parted, mkfs and mount need device access and CAP_SYS_ADMIN/MKNOD
            // beyond any narrower set that works on both Docker and Podman.
            Privileged: h.lunFile !== undefined,
          },
        });
        try {
          await container.start();
          break;
        } catch (e) {
          await container.remove({ force: true }).catch(() => {});
          // Someone took the port since we checked: move on to the next free one.
          if (attempt < 5 && /address already in use|port is already allocated|bind/i.test(String(e))) {
            let p = h.host.port + 100;
            while (!(await portFree(p))) p++;
            h.host.port = p;
            continue;
          }
          throw new Error(`starting the container of ${h.host.name}: ${(e as Error).message}`);
        }
      }
      await waitReady(h);
    };

    const logsOf = async (h: HostState): Promise<string> => {
      const raw = await docker.getContainer(h.container).logs({ stdout: true, stderr: true, follow: false });
      // Without a TTY the engine frames each chunk with an 8-byte header: keep the text.
      const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
      const parts: Buffer[] = [];
      let at = 0;
      while (at + 8 <= buf.length && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 0) {
        const size = buf.readUInt32BE(at + 4);
        parts.push(buf.subarray(at + 8, at + 8 + size));
        at += 8 + size;
      }
      return at === 0 ? buf.toString('utf8') : Buffer.concat(parts).toString('utf8');
    };

    const waitReady = async (h: HostState): Promise<void> => {
      const until = Date.now() + 120_000;
      for (;;) {
        const logs = await logsOf(h);
        if (logs.includes('sshplay-entrypoint: ready')) break;
        const state = (await docker.getContainer(h.container).inspect()).State.Status;
        if (state === 'exited' || state === 'dead' || Date.now() > until) {
          throw new Error(`host ${h.host.name} did not start (${state}):\n${logs}`);
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
        const r = await execIn(docker, h.container, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
        const pub = r.stdout.trim();
        const [type, key] = pub.split(/\s+/);
        if (r.code !== 0 || type !== 'ssh-ed25519' || !key || key !== h.hostKeyPub.split(/\s+/)[1]) {
          throw new Error(`host ${h.host.name} holds another host key than it was given: ${pub}${r.stderr}`);
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
      execIn(docker, byName(name).container, ['/bin/bash', '-c', command]);
    const readFileIn = async (name: string, path: string): Promise<string | null> => {
      const r = await execIn(docker, byName(name).container, [
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
        await docker.getContainer(byName(name).container).stop({ t: 10 });
      },
      async startHost(name) {
        const h = byName(name);
        await docker.getContainer(h.container).start();
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
            await docker.getContainer(h.container).remove({ force: true, v: true });
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
