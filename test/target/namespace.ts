/**
 * The namespace test target: the fast default, no container engine. Needs root on Linux.
 *
 * Host i of a fleet is a real `/usr/sbin/sshd -D` on 127.0.<slot>.(i+1):22 (slot 1 unless another fleet
 * holds it), PID 1 of its own mount, UTS and PID namespaces (`unshare --mount --uts --pid --fork
 * --propagation private`). Its root is an overlay whose lower layer is a Debian 12 root made once by
 * debootstrap and cached (test/target/rootfs/build.sh; the Docker target's base image too), so nothing
 * of the controller's own system shows through, with a private upper layer on a tmpfs, mounted in the controller's namespace under the fleet folder (`hosts/<name>/root`), so `readFile`
 * reads it directly and the machine's / is never written; /run and /tmp come from the same tmpfs. In its
 * namespace the host gets a fresh /proc, /sys, a private /dev (null zero full random urandom tty, devpts
 * with ptmx, shm, its LUN's loop device, an empty mapper/), pivots into the overlay, runs the simulated
 * tools' setup-host.sh (test/target/sim) and execs sshd. The LUN is a sparse 64 MiB file attached with
 * `losetup --partscan`. See namespace/host.sh and namespace/mount-root.sh.
 *
 * Cleanup: `stop()` (idempotent) kills each namespace's PID 1 (the kernel then kills everything in it),
 * checks that no process of those namespaces is left, unmounts, detaches the loop devices and removes
 * the folder. It also runs on process exit, SIGINT and SIGTERM; a fleet whose process died anyway is
 * cleaned up by the next fleet started on the machine (fleets are registered in /run/sshplay-ns), and
 * `node dist/test/target/cli.js stop --dir DIR` cleans up after a `start` or a crash from the state file.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import pLimit from 'p-limit';
import { type InventoryHost, writeInventoryFile } from './inventory.js';
import { hostRootfs } from './rootfs.js';
import type { ExecResult, Fleet, SimArray, SimFlavor, SimHost, SimHostSpec } from './types.js';

export const DEFAULT_ARRAY: SimArray = {
  targetIqn: 'iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c',
  portals: ['192.168.130.101', '192.168.130.102', '192.168.131.101', '192.168.131.102'],
};

/** 5 hosts alternating rhel8/sles15 in iser_hosts, and `outsider` (rhel8) in `outside` only. */
export function defaultFleetSpec(): SimHostSpec[] {
  return [
    ...Array.from(
      { length: 5 },
      (_, i): SimHostSpec => ({
        name: `host${i + 1}`,
        flavor: i % 2 === 0 ? 'rhel8' : 'sles15',
        groups: ['iser_hosts'],
      }),
    ),
    { name: 'outsider', flavor: 'rhel8', groups: ['outside'] },
  ];
}

export interface NamespaceFleetOptions {
  /** The hosts (default: defaultFleetSpec()). At most 254. */
  hosts?: SimHostSpec[];
  /** The simulated array (default DEFAULT_ARRAY). */
  array?: Partial<SimArray>;
  /** The array requires this CHAP login (SIM_ARRAY_CHAP_USER / SECRET). */
  arrayChap?: { user: string; secret: string };
  /** The fleet folder (default: a new folder in the OS temp dir). Removed by stop() if the fleet made it. */
  dir?: string;
  /** Hosts outlive this process (the CLI's `start`): no exit hooks, no parent-death signal. */
  persistent?: boolean;
  /** Hosts started at once (default max(8, 4 × CPUs)). */
  concurrency?: number;
  /** LUN size (default 64 MiB). */
  lunSizeMiB?: number;
  /** The hosts' lower root (default: test/target/rootfs/build.sh's cached Debian root, built when missing). */
  rootfs?: string;
}

// ---------------------------------------------------------------------------------------------------
// State (the fleet folder's state.json: what stop needs, even from another process)

type HostStatus = 'running' | 'stopped' | 'down';

interface HostState extends SimHost {
  groups: string[];
  dir: string;
  /** PID (as the machine sees it) of the namespace's PID 1 (sshd), and its PID namespace (pid:[inode]). */
  initPid: number | null;
  pidNs: string | null;
  loop: string | null;
  status: HostStatus;
  /** Per-host setup-host.sh options (SIM_HCAS, SIM_SWITCH_SM). */
  simEnv?: Record<string, string>;
  /** The key of the volume this host shares with others (SimHostSpec.sharedLun), if any. */
  sharedLun?: string;
}

interface FleetState {
  kind: 'sshplay-namespace-fleet';
  version: 1;
  dir: string;
  ownsDir: boolean;
  slot: number;
  persistent: boolean;
  ownerPid: number;
  array: SimArray;
  arrayChap: { user: string; secret: string } | null;
  lunSizeMiB: number;
  /** The read-only lower layer of every host's root. */
  rootfs: string;
  privateKeyFile: string;
  knownHostsFile: string;
  hosts: HostState[];
}

const STATE_FILE = 'state.json';
/** The fleet folder's subfolder every host sees read-only at /run/sim-array (test/target/array/host-link.ts). */
const ARRAY_LINK_DIR = 'array-link';
const REGISTRY = '/run/sshplay-ns';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** test/target/namespace (this module's helpers) and test/target/sim (the simulated tools). */
function repoPaths(): { helpers: string; sim: string } {
  let d = import.meta.dirname;
  for (;;) {
    if (existsSync(join(d, 'test/target/sim/setup-host.sh'))) {
      return { helpers: join(d, 'test/target/namespace'), sim: join(d, 'test/target/sim') };
    }
    const up = dirname(d);
    if (up === d) throw new Error(`no test/target/sim/setup-host.sh above ${import.meta.dirname}`);
    d = up;
  }
}

function saveState(state: FleetState): void {
  const file = join(state.dir, STATE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  execFileSync('mv', ['-f', `${file}.tmp`, file]);
}

function loadState(dir: string): FleetState | null {
  try {
    const s = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as FleetState;
    return s.kind === 'sshplay-namespace-fleet' ? s : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Small process helpers

function run(
  cmd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      {
        env: options.env ?? { ...process.env, PATH: `${process.env.PATH ?? ''}:${PATH}` },
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
        done({ stdout: String(stdout), stderr: String(stderr) || (error && code === 127 ? error.message : ''), code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function pidNsOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** PIDs (as the machine sees them) of every process in one of these PID namespaces. */
function processesIn(namespaces: Set<string>): number[] {
  const found: number[] = [];
  if (namespaces.size === 0) return found;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const ns = pidNsOf(Number(e));
    if (ns && namespaces.has(ns) && pidAlive(Number(e))) found.push(Number(e));
  }
  return found;
}

function canConnect(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host, port });
    const finish = (ok: boolean) => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(timeoutMs, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

/** Mount points (from mountinfo) at or under a folder, deepest first. */
function mountsUnder(dir: string): string[] {
  const decode = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  const points: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const p = line.split(' ')[4];
    if (!p) continue;
    const path = decode(p);
    if (path === dir || path.startsWith(`${dir}/`)) points.push(path);
  }
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Loop devices whose backing file is under a folder. */
function loopsUnder(dir: string): string[] {
  try {
    const out = execFileSync('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' });
    if (!out.trim()) return [];
    const list =
      (JSON.parse(out) as { loopdevices?: { name: string; 'back-file': string | null }[] }).loopdevices ?? [];
    return list.filter((l) => (l['back-file'] ?? '').startsWith(`${dir}/`)).map((l) => l.name);
  } catch {
    return [];
  }
}

// losetup --find races with other losetup --find calls: one at a time in this process, retried.
let loopQueue: Promise<unknown> = Promise.resolve();
function attachLoop(file: string): Promise<string> {
  const attempt = async (): Promise<string> => {
    let last = '';
    for (let i = 0; i < 5; i++) {
      const r = await run('losetup', ['--find', '--show', '--partscan', file]);
      if (r.code === 0 && r.stdout.trim()) return r.stdout.trim();
      last = r.stderr.trim();
      await sleep(50 + i * 100);
    }
    throw new Error(`losetup --find --show --partscan ${file}: ${last}`);
  };
  const next = loopQueue.then(attempt, attempt);
  loopQueue = next.catch(() => {});
  return next;
}

// ---------------------------------------------------------------------------------------------------
// Teardown (synchronous: also runs from process 'exit' handlers and from the CLI)

/**
 * Kills the hosts' namespaces and waits until no process of them is left. With `keepDisk`, the host's
 * root and LUN stay (a stopped host); otherwise everything under the host's folder is unmounted, its
 * loop devices detached and the folder removed.
 */
function teardownHostsSync(hosts: HostState[], keepDisk: boolean): void {
  const namespaces = new Set<string>();
  const inits: number[] = [];
  for (const h of hosts) {
    if (h.initPid !== null && h.pidNs !== null && pidNsOf(h.initPid) === h.pidNs) {
      namespaces.add(h.pidNs);
      inits.push(h.initPid);
      try {
        process.kill(h.initPid, 'SIGKILL');
      } catch {}
    }
  }
  const deadline = Date.now() + 15_000;
  while (inits.some(pidAlive) && Date.now() < deadline) sleepSync(5);
  let left = processesIn(namespaces);
  while (left.length > 0 && Date.now() < deadline) {
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
    sleepSync(10);
    left = processesIn(namespaces);
  }
  if (left.length > 0) throw new Error(`processes left in the hosts' namespaces: ${left.join(' ')}`);
  for (const h of hosts) {
    h.initPid = null;
    h.pidNs = null;
    h.status = keepDisk ? 'stopped' : 'down';
  }
  if (keepDisk) {
    // partition loop devices the host made itself (only when the LUN's own lacks partitions)
    for (const h of hosts) {
      const extra = hostExtraLoops(h).filter((l) => l !== h.loop);
      if (extra.length > 0) spawnQuiet('losetup', ['-d', ...extra]);
      rmSync(join(h.dir, 'root/run/sim/loops'), { force: true });
    }
    return;
  }
  for (const h of hosts) unmountAndDetachSync(h.dir);
}

function hostExtraLoops(h: HostState): string[] {
  try {
    const text = readFileSync(join(h.dir, 'root/run/sim/loops'), 'utf8');
    const mine = new Set(loopsUnder(h.dir));
    return text
      .split('\n')
      .map((l) => l.split(/\s+/)[2] ?? '')
      .filter((d) => mine.has(d));
  } catch {
    return [];
  }
}

function spawnQuiet(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts everything under a folder, detaches loop devices backed by files in it, removes it. */
function unmountAndDetachSync(dir: string): void {
  let points = mountsUnder(dir);
  if (points.length > 0) spawnQuiet('umount', points);
  points = mountsUnder(dir);
  if (points.length > 0) spawnQuiet('umount', ['--lazy', ...points]);
  points = mountsUnder(dir);
  if (points.length > 0) throw new Error(`could not unmount ${points.join(' ')}`);
  const loops = loopsUnder(dir);
  if (loops.length > 0) spawnQuiet('losetup', ['-d', ...loops]);
  // a loop device still open (a mount of a dying namespace) is detached when released: wait for it
  const deadline = Date.now() + 10_000;
  while (loopsUnder(dir).length > 0 && Date.now() < deadline) {
    sleepSync(20);
    const still = loopsUnder(dir);
    if (still.length > 0) spawnQuiet('losetup', ['-d', ...still]);
  }
  const still = loopsUnder(dir);
  if (still.length > 0) throw new Error(`loop devices still attached: ${still.join(' ')}`);
  rmSync(dir, { recursive: true, force: true });
}

/** Stops a fleet from its folder's state file (another process's fleet: a CLI `start`, a crashed test). */
export function stopFleetDirSync(dir: string): boolean {
  const abs = resolve(dir);
  const state = loadState(abs);
  if (!state) {
    // no state: still undo whatever is mounted or attached under it
    if (mountsUnder(abs).length === 0 && loopsUnder(abs).length === 0) return false;
    unmountAndDetachSync(join(abs, 'hosts'));
    return true;
  }
  teardownHostsSync(state.hosts, false);
  unmountAndDetachSync(join(abs, 'hosts'));
  unregister(state.slot, abs);
  if (state.ownsDir) rmSync(abs, { recursive: true, force: true });
  else {
    for (const f of [
      STATE_FILE,
      'id_ed25519',
      'id_ed25519.pub',
      'known_hosts',
      'authorized_keys',
      'hostkeys',
      'hosts',
    ]) {
      rmSync(join(abs, f), { recursive: true, force: true });
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Address slots and the registry of fleets on this machine (/run/sshplay-ns/<slot>.json)

interface RegistryEntry {
  dir: string;
  ownerPid: number;
  persistent: boolean;
}

function unregister(slot: number, dir: string): void {
  const file = join(REGISTRY, `${slot}.json`);
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as RegistryEntry;
    if (e.dir === dir) rmSync(file, { force: true });
  } catch {}
}

/** Cleans up fleets whose owning process died without stopping them; forgets fleets whose folder is gone. */
export function reapOrphanFleets(): string[] {
  const reaped: string[] = [];
  if (!existsSync(REGISTRY)) return reaped;
  for (const f of readdirSync(REGISTRY)) {
    if (!/^\d+\.json$/.test(f)) continue;
    let e: RegistryEntry;
    try {
      e = JSON.parse(readFileSync(join(REGISTRY, f), 'utf8')) as RegistryEntry;
    } catch {
      continue;
    }
    let ownerAlive = true;
    try {
      process.kill(e.ownerPid, 0);
    } catch {
      ownerAlive = false;
    }
    if (ownerAlive) continue;
    const hasState = existsSync(join(e.dir, STATE_FILE));
    if (!e.persistent || !hasState) {
      // a test process that died without stopping its fleet, or a fleet whose start crashed
      try {
        if (existsSync(e.dir)) stopFleetDirSync(e.dir);
        reaped.push(e.dir);
      } catch {}
      rmSync(join(REGISTRY, f), { force: true });
    }
  }
  return reaped;
}

/** Claims the first free 127.0.<slot>.0/24 (slot 1..254) for a fleet. */
async function claimSlot(entry: RegistryEntry): Promise<number> {
  mkdirSync(REGISTRY, { recursive: true });
  for (let slot = 1; slot <= 254; slot++) {
    const file = join(REGISTRY, `${slot}.json`);
    if (existsSync(file)) continue;
    if (await canConnect(`127.0.${slot}.1`, 22, 200)) continue; // someone else's sshd
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, JSON.stringify(entry));
      closeSync(fd);
      return slot;
    } catch {}
  }
  throw new Error('no free 127.0.N.0/24 address range for a namespace fleet (see /run/sshplay-ns)');
}

// ---------------------------------------------------------------------------------------------------
// Exit hooks: live fleets of this process are torn down on exit, SIGINT, SIGTERM

const live = new Map<string, FleetState>();
let hooked = false;

function teardownLiveSync(): void {
  for (const state of [...live.values()]) {
    live.delete(state.dir);
    try {
      stopFleetDirSync(state.dir);
    } catch (e) {
      process.stderr.write(`sshplay namespace fleet ${state.dir}: cleanup failed: ${(e as Error).message}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  teardownLiveSync();
  process.removeListener(signal, onSignal);
  // nobody else handles it: die of it as if we had not listened
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', teardownLiveSync);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.prependListener(s, onSignal);
}

// ---------------------------------------------------------------------------------------------------
// Identity

function initiatorIqn(flavor: SimFlavor): string {
  const hex = randomBytes(6).toString('hex');
  if (flavor.startsWith('rhel')) return `iqn.1994-05.com.redhat:${hex}`;
  if (flavor.startsWith('sles')) return `iqn.1996-04.de.suse:01:${hex}`;
  return `iqn.2004-10.com.ubuntu:01:${hex}`;
}

function guids(index: number): [string, string] {
  const base = 0x248a070300a80a80n + 2n * BigInt(index);
  const hex = (n: bigint) => `0x${n.toString(16).padStart(16, '0')}`;
  return [hex(base), hex(base + 1n)];
}

function lunWwid(index: number): string {
  const prefix = '360080e50004300ac0000';
  return prefix + index.toString(16).padStart(33 - prefix.length, '0');
}

function sshdConfig(address: string): string {
  return `# sshplay namespace target: this simulated host's sshd (PID 1 of its namespaces)
ListenAddress ${address}:22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
MaxSessions 50
MaxStartups 200
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
PidFile /run/sshd.pid
Subsystem sftp internal-sftp
`;
}

// ---------------------------------------------------------------------------------------------------
// The fleet

export async function startNamespaceFleet(options: NamespaceFleetOptions = {}): Promise<Fleet> {
  if (process.platform !== 'linux') throw new Error('the namespace target needs Linux');
  if (process.getuid?.() !== 0) throw new Error('the namespace target needs root (namespaces, mounts, loop devices)');
  const specs = options.hosts ?? defaultFleetSpec();
  if (specs.length === 0 || specs.length > 254)
    throw new Error(`a namespace fleet has 1..254 hosts, not ${specs.length}`);
  const names = new Set<string>();
  for (const s of specs) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s.name) || s.name.length > 63)
      throw new Error(`bad host name '${s.name}'`);
    if (names.has(s.name)) throw new Error(`duplicate host name '${s.name}'`);
    names.add(s.name);
    if (s.sharedLun !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(s.sharedLun))
      throw new Error(`host '${s.name}': sharedLun '${s.sharedLun}' is not letters, digits, _ or -`);
  }
  // a shared volume has one WWID: that of the first host that names it
  const sharedWwid = new Map<string, string>();
  specs.forEach((s, index) => {
    if (s.sharedLun !== undefined && !sharedWwid.has(s.sharedLun)) sharedWwid.set(s.sharedLun, lunWwid(index));
  });
  const paths = repoPaths();
  const rootfs = options.rootfs ?? (await hostRootfs());
  reapOrphanFleets();

  let dir: string;
  let ownsDir: boolean;
  if (options.dir) {
    dir = resolve(options.dir);
    ownsDir = !existsSync(dir);
    const old = loadState(dir);
    if (old?.hosts.some((h) => h.status !== 'down')) {
      throw new Error(
        `${dir} holds a running fleet: stop it first (node dist/test/target/cli.js stop --dir ${options.dir})`,
      );
    }
    await mkdir(dir, { recursive: true });
  } else {
    dir = await mkdtemp(join(tmpdir(), 'sshplay-ns-'));
    ownsDir = true;
  }
  const persistent = options.persistent === true;
  const slot = await claimSlot({ dir, ownerPid: process.pid, persistent });
  const state: FleetState = {
    kind: 'sshplay-namespace-fleet',
    version: 1,
    dir,
    ownsDir,
    slot,
    persistent,
    ownerPid: process.pid,
    array: { ...DEFAULT_ARRAY, ...options.array },
    arrayChap: options.arrayChap ?? null,
    lunSizeMiB: options.lunSizeMiB ?? 64,
    rootfs,
    privateKeyFile: join(dir, 'id_ed25519'),
    knownHostsFile: join(dir, 'known_hosts'),
    hosts: specs.map((s, index) => ({
      name: s.name,
      flavor: s.flavor,
      groups: s.groups ?? [],
      address: `127.0.${slot}.${index + 1}`,
      port: 22,
      initiatorIqn: initiatorIqn(s.flavor),
      guids: guids(index),
      lunWwid: (s.sharedLun !== undefined && sharedWwid.get(s.sharedLun)) || lunWwid(index),
      index,
      dir: join(dir, 'hosts', s.name),
      initPid: null,
      pidNs: null,
      loop: null,
      status: 'down',
      simEnv: { SIM_HCAS: String(s.hcas ?? 1), SIM_SWITCH_SM: s.switchSm === false ? 'off' : 'on' },
      ...(s.sharedLun !== undefined ? { sharedLun: s.sharedLun } : {}),
    })),
  };
  if (!persistent) {
    live.set(dir, state);
    hookExit();
  }
  saveState(state);
  const limit = pLimit(options.concurrency ?? Math.max(8, cpus().length * 4));
  const byName = new Map(state.hosts.map((h) => [h.name, h]));
  let stopped = false;

  const hostKey = (h: HostState) => join(dir, 'hostkeys', `ssh_host_ed25519_key.${h.name}`);
  const host = (name: string): HostState => {
    const h = byName.get(name);
    if (!h) throw new Error(`no host '${name}' in this fleet (${[...byName.keys()].join(', ')})`);
    return h;
  };
  const running = (name: string): HostState => {
    const h = host(name);
    if (stopped) throw new Error('the fleet is stopped');
    if (h.status !== 'running' || h.initPid === null) throw new Error(`host ${name} is not running`);
    return h;
  };

  /**
   * A shared volume's one backing file (under hosts/, so the fleet's stop detaches it), attached once
   * per fleet generation: every host that shares it gets the same loop device.
   */
  const sharedLoops = new Map<string, Promise<string>>();
  const sharedDir = join(dir, 'hosts', '.shared');
  const sharedLoop = (key: string): Promise<string> => {
    let loop = sharedLoops.get(key);
    if (!loop) {
      loop = (async () => {
        await mkdir(sharedDir, { recursive: true });
        const file = join(sharedDir, `${key}.img`);
        await rm(file, { force: true });
        await writeFile(file, '');
        await must('truncate', ['-s', `${state.lunSizeMiB}M`, file]);
        return attachLoop(file);
      })();
      sharedLoops.set(key, loop);
    }
    return loop;
  };
  /** reset: the shared volumes start blank again (their old loop devices detached). */
  const dropSharedLoops = (): void => {
    sharedLoops.clear();
    const old = loopsUnder(sharedDir);
    if (old.length > 0) spawnQuiet('losetup', ['-d', ...old]);
  };

  /** Mounts a fresh root and attaches a fresh LUN (first start and reset). */
  const createDisk = async (h: HostState): Promise<void> => {
    await mkdir(h.dir, { recursive: true });
    await must('bash', [join(paths.helpers, 'mount-root.sh'), h.dir, state.rootfs]);
    const root = join(h.dir, 'root');
    const etcSsh = join(root, 'etc/ssh');
    await mkdir(etcSsh, { recursive: true });
    await must('find', [etcSsh, '-maxdepth', '1', '-name', 'ssh_host_*', '-delete']);
    await copyFile(hostKey(h), join(etcSsh, 'ssh_host_ed25519_key'));
    await chmod(join(etcSsh, 'ssh_host_ed25519_key'), 0o600);
    await copyFile(`${hostKey(h)}.pub`, join(etcSsh, 'ssh_host_ed25519_key.pub'));
    await writeFile(join(etcSsh, 'sshd_config'), sshdConfig(h.address));
    await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
    await chmod(join(root, 'root/.ssh'), 0o700);
    await rm(join(root, 'root/.ssh/authorized_keys.refused'), { force: true });
    await copyFile(join(dir, 'authorized_keys'), join(root, 'root/.ssh/authorized_keys'));
    await chmod(join(root, 'root/.ssh/authorized_keys'), 0o600);
    if (h.sharedLun !== undefined) {
      h.loop = await sharedLoop(h.sharedLun);
      saveState(state);
      return;
    }
    const lun = join(h.dir, 'lun.img');
    await rm(lun, { force: true });
    await writeFile(lun, '');
    await must('truncate', ['-s', `${state.lunSizeMiB}M`, lun]);
    h.loop = await attachLoop(lun);
    saveState(state);
  };

  /** Starts the host's namespace on its existing disk: first start runs setup-host.sh, later ones sim-boot. */
  const boot = async (h: HostState, mode: 'setup' | 'boot'): Promise<void> => {
    if (await canConnect(h.address, 22, 200)) throw new Error(`${h.address}:22 is already in use`);
    const pidFile = join(h.dir, 'init.pid');
    await rm(pidFile, { force: true });
    const log = openSync(join(h.dir, 'console.log'), 'a');
    const env: NodeJS.ProcessEnv = {
      PATH,
      LANG: 'C.UTF-8',
      NS_ROOT: join(h.dir, 'root'),
      NS_MODE: mode,
      NS_SIM_SRC: paths.sim,
      NS_PIDFILE: pidFile,
      NS_ARRAY_LINK: join(dir, ARRAY_LINK_DIR),
      SIM_HOSTNAME: h.name,
      SIM_FLAVOR: h.flavor,
      SIM_IQN: h.initiatorIqn,
      SIM_GUIDS: h.guids.join(' '),
      SIM_LUN_WWID: h.lunWwid,
      SIM_LUN_DEVICE: h.loop ?? '',
      SIM_ARRAY_IQN: state.array.targetIqn,
      SIM_ARRAY_PORTALS: state.array.portals.join(' '),
      ...h.simEnv,
      ...(state.arrayChap
        ? { SIM_ARRAY_CHAP_USER: state.arrayChap.user, SIM_ARRAY_CHAP_SECRET: state.arrayChap.secret }
        : {}),
    };
    const unshare = ['unshare', '--mount', '--uts', '--pid', '--fork', '--propagation', 'private', '--kill-child'];
    const argv = [...unshare, 'bash', join(paths.helpers, 'host.sh')];
    // a test's hosts die with it (parent-death signal); the CLI's outlive it in their own session
    const child = persistent
      ? spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', log, log], detached: true })
      : spawn('setpriv', ['--pdeathsig', 'KILL', ...argv], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    let exited: number | null = null;
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
    });
    child.once('error', () => {
      exited = 127;
    });
    child.unref();
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== null) {
        const console = await readFile(join(h.dir, 'console.log'), 'utf8').catch(() => '');
        throw new Error(`host ${h.name} did not start (exit ${exited}):\n${console.split('\n').slice(-20).join('\n')}`);
      }
      if (h.initPid === null && existsSync(pidFile)) {
        const pid = Number((await readFile(pidFile, 'utf8')).trim());
        if (pid > 0) {
          h.initPid = pid;
          h.pidNs = pidNsOf(pid);
          saveState(state);
        }
      }
      if (h.initPid !== null && (await canConnect(h.address, 22, 500))) break;
      if (Date.now() > deadline) throw new Error(`host ${h.name}: sshd did not listen on ${h.address}:22 within 60 s`);
      await sleep(15);
    }
    h.status = 'running';
    saveState(state);
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    limit.clearQueue();
    live.delete(dir);
    if (existsSync(join(dir, STATE_FILE))) saveState(state);
    stopFleetDirSync(dir);
  };

  const readInside = async (h: HostState, path: string): Promise<string | null> => {
    const r = await run('nsenter', nsenterArgs(h, `cat -- ${shellQuote(path)}`));
    return r.code === 0 ? r.stdout : null;
  };

  try {
    // keys: the fleet's client key, a host key per host (kept across reset: known_hosts stays valid)
    await must('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      `sshplay-namespace-fleet@${dir}`,
      '-f',
      state.privateKeyFile,
    ]);
    await copyFile(`${state.privateKeyFile}.pub`, join(dir, 'authorized_keys'));
    await mkdir(join(dir, ARRAY_LINK_DIR), { recursive: true });
    await mkdir(join(dir, 'hostkeys'), { recursive: true });
    await Promise.all(
      state.hosts.map((h) =>
        limit(async () => {
          await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', hostKey(h)]);
        }),
      ),
    );
    const knownHosts = await Promise.all(
      state.hosts.map(async (h) => {
        const [type, key] = (await readFile(`${hostKey(h)}.pub`, 'utf8')).trim().split(/\s+/);
        return `${h.address} ${type} ${key}\n`;
      }),
    );
    await writeFile(state.knownHostsFile, knownHosts.join(''));
    await Promise.all(
      state.hosts.map((h) =>
        limit(async () => {
          await createDisk(h);
          await boot(h, 'setup');
        }),
      ),
    );
  } catch (error) {
    stopped = true;
    live.delete(dir);
    try {
      stopFleetDirSync(dir);
    } catch {}
    throw error;
  }

  const fleet: Fleet = {
    kind: 'namespace',
    hosts: state.hosts.map((h) => publicHost(h)),
    array: state.array,
    dir,
    arrayLinkDir: join(dir, ARRAY_LINK_DIR),
    knownHostsFile: state.knownHostsFile,
    privateKeyFile: state.privateKeyFile,

    async exec(name, command) {
      return run('nsenter', nsenterArgs(running(name), command));
    },

    async readFile(name, path) {
      const h = host(name);
      if (!path.startsWith('/')) throw new Error(`readFile needs an absolute path, not '${path}'`);
      const norm = posix.normalize(path);
      // /proc, /sys, /dev are the namespace's own mounts: read them from inside
      if (/^\/(proc|sys|dev)(\/|$)/.test(norm)) return readInside(running(name), norm);
      const real = await resolveInRoot(join(h.dir, 'root'), norm);
      if (real === null) return null;
      if (/^\/(proc|sys|dev)(\/|$)/.test(real.inside)) return readInside(running(name), real.inside);
      try {
        return await readFile(real.outside, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },

    async calls(name) {
      const text = await fleet.readFile(name, '/var/log/sim/calls.log');
      return (text ?? '').split('\n').filter((l) => l.length > 0);
    },

    async writeInventory(o = {}) {
      const hosts: InventoryHost[] = state.hosts.map((h) => ({ ...publicHost(h), groups: h.groups }));
      return writeInventoryFile(o.file ?? join(dir, 'inventory.yml'), hosts, state.array, state.privateKeyFile, {
        extraHostVars: o.extraHostVars,
        groupVars: o.groupVars,
        comment: `sshplay namespace test fleet ${dir}`,
      });
    },

    async stopHost(name) {
      const h = host(name);
      if (stopped) throw new Error('the fleet is stopped');
      teardownHostsSync([h], true);
      saveState(state);
    },

    async startHost(name) {
      const h = host(name);
      if (stopped) throw new Error('the fleet is stopped');
      if (h.status === 'running') return;
      if (h.status === 'down') {
        await createDisk(h);
        await boot(h, 'setup');
      } else await boot(h, 'boot');
    },

    async reboot(name) {
      const h = running(name);
      const script =
        'cd /proc && for p in [0-9]*; do if [ "$p" != 1 ] && [ "$p" != $$ ]; then kill -KILL "$p" 2>/dev/null; fi; done; exec /usr/local/sbin/sim-reboot';
      const r = await run('nsenter', nsenterArgs(h, script));
      if (r.code !== 0) throw new Error(`sim-reboot on ${name}: exit ${r.code}: ${r.stderr}`);
    },

    async refuseLogins(name, refuse) {
      const h = host(name);
      const ssh = join(h.dir, 'root/root/.ssh');
      if (refuse) {
        await rename(join(ssh, 'authorized_keys'), join(ssh, 'authorized_keys.refused')).catch(
          (e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw e;
          },
        );
      } else {
        await mkdir(ssh, { recursive: true, mode: 0o700 });
        await copyFile(join(dir, 'authorized_keys'), join(ssh, 'authorized_keys'));
        await chmod(join(ssh, 'authorized_keys'), 0o600);
        await rm(join(ssh, 'authorized_keys.refused'), { force: true });
      }
    },

    async changeHostKey(name) {
      const h = running(name);
      const key = join(h.dir, 'root/etc/ssh/ssh_host_ed25519_key');
      await rm(key, { force: true });
      await rm(`${key}.pub`, { force: true });
      await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', key]);
      const fresh = (await readFile(`${key}.pub`, 'utf8')).trim().split(/\s+/)[1];
      process.kill(h.initPid as number, 'SIGHUP'); // sshd re-executes itself and loads the new key
      const deadline = Date.now() + 20_000;
      for (;;) {
        const r = await run('ssh-keyscan', ['-T', '2', '-t', 'ed25519', h.address]);
        if (r.stdout.split('\n').some((l) => l.split(/\s+/)[2] === fresh)) return;
        if (Date.now() > deadline) throw new Error(`host ${name}: sshd did not take the new host key`);
        await sleep(50);
      }
    },

    async reset() {
      if (stopped) throw new Error('the fleet is stopped');
      teardownHostsSync(state.hosts, false);
      dropSharedLoops();
      saveState(state);
      await Promise.all(
        state.hosts.map((h) =>
          limit(async () => {
            await createDisk(h);
            await boot(h, 'setup');
          }),
        ),
      );
    },

    stop,
  };
  return fleet;
}

function publicHost(h: HostState): SimHost {
  return {
    name: h.name,
    flavor: h.flavor,
    address: h.address,
    port: h.port,
    initiatorIqn: h.initiatorIqn,
    guids: [...h.guids] as [string, string],
    lunWwid: h.lunWwid,
    index: h.index,
  };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** nsenter into the host's namespaces and root (its sshd's root after pivot_root), a clean root login env. */
function nsenterArgs(h: HostState, command: string): string[] {
  return [
    '--target',
    String(h.initPid),
    '--mount',
    '--uts',
    '--pid',
    '--root',
    '--wd',
    '--',
    '/usr/bin/env',
    '-i',
    `PATH=${PATH}`,
    'HOME=/root',
    'USER=root',
    'LOGNAME=root',
    'SHELL=/bin/bash',
    'LANG=C.UTF-8',
    'TERM=dumb',
    '/bin/bash',
    '-c',
    command,
  ];
}

/**
 * A path inside the host resolved against its root as the host would (absolute symlinks stay inside
 * the root): `outside` to read from the controller, `inside` the resolved path. Null when absent.
 */
async function resolveInRoot(root: string, path: string): Promise<{ outside: string; inside: string } | null> {
  let parts = path.split('/').filter((p) => p.length > 0);
  let done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const inside = `/${[...done, part].join('/')}`;
    if (/^\/(proc|sys|dev)(\/|$)/.test(inside))
      return { outside: join(root, inside, ...parts), inside: posix.join(inside, ...parts) };
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(join(root, inside));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
        return null;
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`too many symbolic links in ${path}`);
      const target = await readlink(join(root, inside));
      parts = [...target.split('/').filter((p) => p.length > 0), ...parts];
      if (target.startsWith('/')) done = [];
      continue;
    }
    done.push(part);
  }
  const inside = `/${done.join('/')}`;
  return { outside: join(root, inside), inside };
}
