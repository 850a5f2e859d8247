import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { Connection, RunResult } from '../connection/types.js';
import { ConfigError, ConnectionError, SshplayError } from '../errors.js';
import type { FactRequest } from '../facts/host-facts.js';
import { ArgError, secretValues, validateArgs } from '../modules/args.js';
import type { Module, Plan, PlanContext } from '../modules/types.js';
import type { Play, Playbook, Role, Task } from '../playbook/types.js';
import { shellText, splitWords } from '../remote-command.js';
import { ExpressionError, evaluateCondition, expressionNames } from '../template/expression.js';
import { renderTemplateFile, renderText, renderValue, TemplateError } from '../template/render.js';
import { renderShellScript } from '../template/shell-script.js';
import { vaultSecrets } from '../vault/keyring.js';
import { type Applied, applyChanges } from './apply.js';
import { batchExceedsFailLimit, computeBatches } from './batches.js';
import { type EngineEvent, emptyStats, type HostStats, type Reporter, type TaskStatus } from './events.js';
import { GATHER_REQUESTS, gatherFacts } from './gather.js';
import { HostSession } from './host-session.js';
import { loadVarsFile, maskSecretLines, redact, redactValue, renderVarsInOrder, SECRET_VARS } from './vars.js';

export interface EngineOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  startAtTask?: string;
  /** Asks before each task (--step); resolves false to skip it. */
  step?: (task: string) => Promise<boolean>;
  /** --task-timeout: seconds a task may run on a host unless its own `timeout` says otherwise (0: no limit). */
  taskTimeoutS?: number;
}

export interface EngineInput {
  playbook: Playbook;
  /** Hosts of a play: its `hosts:` pattern intersected with --limit, in inventory order. */
  hostsFor(pattern: string): string[];
  /** The inventory's variables for a host (precedence already applied), without extra vars. */
  inventoryVars(host: string): Record<string, unknown>;
  connect(host: string, vars: Record<string, unknown>): Promise<Connection>;
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface RunSummary {
  stats: Record<string, HostStats>;
  failed: string[];
  unreachable: string[];
  notStarted: Record<string, string>;
  /** Hosts any_errors_fatal stopped (no further task ran on them, or their batch never started). */
  stoppedByFatal: string[];
  interrupted: boolean;
  /** Connection counters per host (for the benchmark). */
  connectionStats: Record<string, Connection['stats']>;
}

class HostStopped extends Error {}

/** Hosts meet before each task; a host that finishes or stops leaves, so the others never wait for it. */
class Barrier {
  private waiting: (() => void)[] = [];
  constructor(private parties: number) {}
  arrive(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.release();
    });
  }
  leave(): void {
    this.parties--;
    this.release();
  }
  private release(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.parties) return;
    const all = this.waiting;
    this.waiting = [];
    for (const resolve of all) resolve();
  }
}

type Vars = Record<string, unknown>;

interface TaskOutcome {
  status: TaskStatus;
  result: Vars;
  msg?: string;
  /** Values of secret arguments of this task: hidden in every event. */
  secrets?: string[];
}

/** Renders task arguments for one host; command words and shell values get their safe treatment. */
function renderArgs(module: Module<never>, args: Vars, vars: Vars): Vars {
  const out: Vars = {};
  for (const [key, value] of Object.entries(args)) {
    const mode = module.schema[key]?.render;
    if (mode === 'words' && typeof value === 'string') out[key] = splitWords(value).map((w) => renderText(w, vars));
    else if (mode === 'shell' && typeof value === 'string') out[key] = renderShellScript(value, vars);
    else out[key] = renderValue(value, vars);
  }
  return out;
}

/**
 * Whether a looped task's condition is false before any item is bound. Ansible evaluates `when` per
 * item; only a condition that reads neither the loop variable nor the index variable can decide for the
 * whole loop (and so skip a loop over an undefined variable instead of failing on it).
 */
function whenIsFalseWithoutItem(condition: string, task: Task, vars: Vars): boolean {
  try {
    const names = expressionNames(condition);
    if (names.has(task.loopVar) || (task.indexVar !== undefined && names.has(task.indexVar))) return false;
    if (names.has('ansible_loop') || names.has('ansible_loop_var')) return false;
    return !evaluateCondition(condition, vars);
  } catch {
    return false;
  }
}

function tagsMatch(task: Task, play: Play, options: EngineOptions): boolean {
  const tags = new Set([...play.tags, ...task.tags]);
  if (tags.has('always')) return !options.skipTags.includes('always');
  if (options.skipTags.some((t) => tags.has(t))) return false;
  if (options.tags.length === 0 || options.tags.includes('all')) return !tags.has('never');
  return options.tags.some((t) => tags.has(t) || (t === 'untagged' && tags.size === 0));
}

function resultFromRuns(applied: Applied | undefined): Vars {
  const last = applied?.runs[applied.runs.length - 1];
  if (!last) return {};
  const lines = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
  return {
    rc: last.rc,
    stdout: last.stdout.replace(/\n$/, ''),
    stderr: last.stderr.replace(/\n$/, ''),
    stdout_lines: lines(last.stdout),
    stderr_lines: lines(last.stderr),
    cmd: last.cmd,
    commands: applied?.runs.map((r) => ({ cmd: r.cmd, rc: r.rc })),
  };
}

/**
 * Values under keys that name a password or secret. Variables are rebuilt per task but the objects inside
 * them (inventory values, registered results) are shared and never changed once made, so what a nested
 * object holds is worked out once.
 */
const secretsCache = new WeakMap<object, string[]>();
function secretsUnder(value: object, depth: number): string[] {
  const cached = depth > 0 ? secretsCache.get(value) : undefined;
  if (cached) return cached;
  const found: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    // Other hosts' variables: their secrets are gathered once per run (see Engine.hostvarsSecrets).
    if (depth === 0 && k === 'hostvars') continue;
    if (typeof v === 'string' || typeof v === 'number') {
      if (/pass(word|phrase)?$|secret/i.test(k)) found.push(String(v));
    } else if (v && typeof v === 'object' && depth < 6) {
      found.push(...secretsUnder(v, depth + 1));
    }
  }
  if (depth > 0) secretsCache.set(value, found);
  return found;
}

export class Engine {
  private readonly sessions = new Map<string, HostSession>();
  private readonly playVars = new WeakMap<Play, Map<string, { gathered: Vars; vars: Promise<Vars> }>>();
  private readonly stats: Record<string, HostStats> = {};
  private readonly notStarted: Record<string, string> = {};
  private readonly stoppedByFatal = new Set<string>();
  private interrupted = false;
  private started = Date.now();
  private reachedStartTask: boolean;
  /** Ansible's `hostvars`: one object for the run, each host's entry read when asked for. */
  private hostvarsView?: Vars;
  private hostvarsSecretsFound?: string[];
  /** The hosts of the batch running now (ansible_play_batch). */
  private currentBatch: string[] = [];

  constructor(
    private readonly input: EngineInput,
    private readonly options: EngineOptions,
  ) {
    this.reachedStartTask = !options.startAtTask;
    input.signal?.addEventListener('abort', () => {
      this.interrupted = true;
    });
  }

  private emit(event: EngineEvent): void {
    this.input.reporter.emit(event);
  }

  private session(host: string): HostSession {
    let s = this.sessions.get(host);
    if (!s) {
      s = new HostSession(host);
      this.sessions.set(host, s);
      this.stats[host] = emptyStats();
    }
    return s;
  }

  /** Connection passwords, every value under a key that names a password or secret, and what vaults opened. */
  private secretsOf(vars: Vars): string[] {
    const found = SECRET_VARS.map((k) => vars[k]).filter((v): v is string => typeof v === 'string');
    found.push(...secretsUnder(vars, 0), ...vaultSecrets(), ...this.hostvarsSecrets());
    return found;
  }

  /** Every inventory host's connection passwords and secret-named values, once per run (a task may show hostvars). */
  private hostvarsSecrets(): string[] {
    if (!this.hostvarsSecretsFound) {
      const found = new Set<string>();
      for (const host of this.inventoryHosts()) {
        const vars = this.input.inventoryVars(host);
        for (const k of SECRET_VARS) if (typeof vars[k] === 'string') found.add(vars[k] as string);
        for (const v of secretsUnder(vars, 0)) found.add(v);
      }
      this.hostvarsSecretsFound = [...found];
    }
    return this.hostvarsSecretsFound;
  }

  /** Every host of the inventory: its `groups.all`, else the hosts of the playbook's plays. */
  private inventoryHosts(): string[] {
    const first = this.input.playbook.plays.flatMap((p) => this.input.hostsFor(p.hosts));
    const groups = first.length > 0 ? this.input.inventoryVars(first[0] as string).groups : undefined;
    const all = (groups as Record<string, unknown> | undefined)?.all;
    return Array.isArray(all) ? all.map(String) : [...new Set(first)];
  }

  /**
   * `hostvars` as Ansible's: for every inventory host, its inventory variables, gathered facts and what
   * set_fact and register gave it so far in this run (not play vars, as in Ansible). Read at the moment a
   * template asks, so host B in a later play sees what host A registered.
   */
  private hostvars(): Vars {
    if (this.hostvarsView) return this.hostvarsView;
    const view: Vars = {};
    for (const host of this.inventoryHosts()) {
      Object.defineProperty(view, host, {
        enumerable: true,
        get: () => {
          const session = this.sessions.get(host);
          return {
            ...this.input.inventoryVars(host),
            ...session?.gathered,
            ...session?.setVars,
            ...this.options.extraVars,
          };
        },
      });
    }
    this.hostvarsView = view;
    return view;
  }

  /** Magic variables that change during a play: which of its hosts are still in it. */
  private playMagic(play: Play): Vars {
    const all = this.input.hostsFor(play.hosts);
    const active = (hosts: string[]) => hosts.filter((h) => (this.sessions.get(h)?.state ?? 'ok') === 'ok');
    const batch = active(this.currentBatch);
    return {
      hostvars: this.hostvars(),
      ansible_play_hosts_all: all,
      ansible_play_hosts: active(all),
      ansible_play_batch: batch,
      play_hosts: batch,
    };
  }

  async run(): Promise<RunSummary> {
    this.started = Date.now();
    try {
      for (const play of this.input.playbook.plays) {
        if (this.interrupted) break;
        const stop = await this.runPlay(play);
        if (stop) break;
      }
    } finally {
      await Promise.all([...this.sessions.values()].map((s) => s.close()));
    }
    const summary: RunSummary = {
      stats: this.stats,
      failed: [...this.sessions.values()].filter((s) => s.state === 'failed').map((s) => s.name),
      unreachable: [...this.sessions.values()].filter((s) => s.state === 'unreachable').map((s) => s.name),
      notStarted: this.notStarted,
      stoppedByFatal: [...this.stoppedByFatal],
      interrupted: this.interrupted,
      connectionStats: Object.fromEntries(
        [...this.sessions.values()].flatMap((s) => (s.conn ? [[s.name, s.conn.stats]] : [])),
      ),
    };
    this.emit({
      type: 'recap',
      stats: this.stats,
      notStarted: this.notStarted,
      durationMs: Date.now() - this.started,
      interrupted: this.interrupted,
    });
    return summary;
  }

  /** Runs one play batch by batch; returns true when the whole run must stop (fail limit, fatal error). */
  private async runPlay(play: Play): Promise<boolean> {
    let firstTask = 0;
    if (!this.reachedStartTask) {
      // --start-at-task: plays before the one holding the task are skipped, and in that play every host
      // starts at the task (decided once per play, not by whichever host gets there first).
      firstTask = play.tasks.findIndex((t) => t.name === this.options.startAtTask);
      if (firstTask < 0) return false;
      this.reachedStartTask = true;
    }
    const all = this.input.hostsFor(play.hosts);
    const hosts = all.filter((h) => this.session(h).state === 'ok');
    this.emit({ type: 'play_start', play: play.name, hosts, check: this.options.check });
    if (hosts.length === 0) return false;
    const batches = computeBatches(hosts, play.serial);
    const limit = pLimit(Math.max(1, this.options.forks));
    for (const [b, batch] of batches.entries()) {
      if (this.interrupted) {
        this.markNotStarted(play, batches.slice(b).flat(), 'interrupted (Ctrl-C) before this batch started');
        return true;
      }
      if (batches.length > 1) this.emit({ type: 'batch_start', play: play.name, batch: b + 1, hosts: batch });
      this.currentBatch = batch;
      let fatal = false;
      if (play.anyErrorsFatal) {
        fatal = await this.runBatchInLockstep(play, batch, firstTask, limit);
      } else {
        await Promise.all(batch.map((host) => limit(() => this.runHost(play, host, firstTask))));
      }
      const failedInBatch = batch.filter((h) => this.session(h).state !== 'ok').length;
      const rest = batches.slice(b + 1).flat();
      if (fatal) {
        for (const h of [...batch, ...rest]) if (this.session(h).state === 'ok') this.stoppedByFatal.add(h);
        this.markNotStarted(play, rest, 'any_errors_fatal: a host failed');
        return true;
      }
      if (batchExceedsFailLimit(failedInBatch, batch.length, play.maxFailPercentage)) {
        this.markNotStarted(
          play,
          rest,
          `max_fail_percentage ${play.maxFailPercentage}% exceeded: ${failedInBatch} of ${batch.length} hosts failed in batch ${b + 1}`,
        );
        return true;
      }
      if (play.serial.length > 0 && failedInBatch === batch.length && rest.length > 0) {
        // Ansible stops a serial play when a whole batch failed: the next batch would very likely fail too.
        this.markNotStarted(play, rest, `every host of batch ${b + 1} failed`);
        return true;
      }
    }
    return false;
  }

  /**
   * any_errors_fatal: the batch's hosts go task by task together (Ansible's linear strategy), so a failure
   * stops every host before its next task. Fork slots are held per task, not per host. Returns true when
   * a host failed.
   */
  private async runBatchInLockstep(
    play: Play,
    batch: string[],
    firstTask: number,
    limit: ReturnType<typeof pLimit>,
  ): Promise<boolean> {
    const barrier = new Barrier(batch.length);
    const failed = () => batch.filter((h) => this.session(h).state !== 'ok');
    const stopped = new Set<string>();
    const gate = async (host: string): Promise<boolean> => {
      await barrier.arrive();
      if (failed().length === 0) return true;
      stopped.add(host);
      return false;
    };
    await Promise.all(
      batch.map(async (host) => {
        try {
          await this.runHost(play, host, firstTask, { gate: () => gate(host), slot: limit });
        } finally {
          barrier.leave();
        }
      }),
    );
    const bad = failed();
    if (bad.length === 0) return false;
    const rest = batch.filter((h) => stopped.has(h) && this.session(h).state === 'ok');
    this.emit({
      type: 'warning',
      msg: `any_errors_fatal: ${bad.join(', ')} failed${rest.length ? `; no further task ran on ${rest.join(', ')}` : ''}`,
    });
    return true;
  }

  private markNotStarted(play: Play, hosts: string[], reason: string): void {
    if (hosts.length === 0) return;
    for (const h of hosts) {
      this.session(h);
      this.notStarted[h] ??= reason;
    }
    this.emit({ type: 'hosts_not_started', play: play.name, hosts, reason });
  }

  /**
   * A host's variables for a play: inventory, facts, play vars and vars files (rendered once per play and
   * host: they cannot see what tasks register), then set_fact/register results and extra vars on top.
   */
  private async baseVars(play: Play, s: HostSession): Promise<Vars> {
    let perHost = this.playVars.get(play);
    if (!perHost) {
      perHost = new Map();
      this.playVars.set(play, perHost);
    }
    let cached = perHost.get(s.name);
    if (!cached || cached.gathered !== s.gathered) {
      const vars = this.renderPlayVars(play, s);
      vars.catch(() => undefined);
      cached = { gathered: s.gathered, vars };
      perHost.set(s.name, cached);
    }
    return { ...(await cached.vars), ...this.playMagic(play), ...s.setVars, ...this.options.extraVars };
  }

  private async renderPlayVars(play: Play, s: HostSession): Promise<Vars> {
    const inventory = this.input.inventoryVars(s.name);
    let vars: Vars = {
      ...inventory,
      ...s.gathered,
      ansible_check_mode: this.options.check,
      ansible_diff_mode: this.options.diff,
      playbook_dir: resolve(play.baseDir),
      ...this.playMagic(play),
      ...this.options.extraVars,
    };
    vars = { ...vars, ...renderVarsInOrder(play.vars, vars) };
    for (const f of play.varsFiles) {
      const name = renderText(f, vars);
      // A value (a fact the host reported, an inventory variable) must not lead the name out of its folder.
      const escapes = (n: string) => n.split('/').includes('..') || n.startsWith('/');
      if (name !== f && escapes(name) && !escapes(f))
        throw new ConfigError(`vars_files: '${f}' renders to '${name}', which leaves its folder; refused`, {
          file: f,
        });
      const file = await loadVarsFile(play.baseDir, name);
      vars = { ...vars, ...renderVarsInOrder(file, vars) };
    }
    return vars;
  }

  /**
   * A task's variables over the play's: a role's defaults under everything, its vars over inventory and
   * play variables (but under -e), then the task's own, as Ansible ranks them.
   */
  private taskVars(task: Task, vars: Vars): Vars {
    let v = vars;
    if (task.role) {
      v = { ...renderVarsInOrder(task.role.defaults, v), ...v };
      v = { ...v, ...renderVarsInOrder(task.role.vars, v), ...this.options.extraVars };
    }
    return { ...v, ...renderVarsInOrder(task.vars, v) };
  }

  private async runHost(
    play: Play,
    host: string,
    firstTask: number,
    lockstep?: { gate: () => Promise<boolean>; slot: <T>(fn: () => Promise<T>) => Promise<T> },
  ): Promise<void> {
    const s = this.session(host);
    const notified = new Set<string>();
    const slot = lockstep?.slot ?? (<T>(fn: () => Promise<T>) => fn());
    s.stale = true;
    try {
      if (play.gatherFacts && Object.keys(s.gathered).length === 0) {
        await slot(() => this.ensureConnection(play, s));
      }
      // The block the host is in: whether a task of it failed, and whether that failure still stands.
      let block: { id: number; failedInBlock: boolean; failedInRescue: boolean; failed: boolean } | undefined;
      for (const [i, task] of play.tasks.entries()) {
        if (i < firstTask) continue;
        if (this.interrupted) return;
        if (block && task.block?.id !== block.id) {
          // leaving a block: an unrescued failure fails the host now, after its always tasks ran
          if (block.failed) {
            s.state = 'failed';
            return;
          }
          block = undefined;
        }
        if (task.block && !block)
          block = { id: task.block.id, failedInBlock: false, failedInRescue: false, failed: false };
        if (!tagsMatch(task, play, this.options)) continue;
        // hosts in lockstep pass every gate, whichever block sections they run
        if (lockstep && !(await lockstep.gate())) return;
        const section = task.block?.section;
        if (block && section === 'block' && block.failedInBlock) continue;
        if (block && section === 'rescue' && (!block.failedInBlock || block.failedInRescue)) continue;
        if (this.options.step && !(await this.options.step(task.name))) continue;
        const outcome = await slot(() => this.runTask(play, s, task, false, play.tasks.slice(i + 1)));
        if (outcome.status === 'changed') for (const n of task.notify) notified.add(n);
        if (outcome.status !== 'failed') continue;
        if (!block) {
          s.state = 'failed';
          return;
        }
        const stats = this.stats[s.name] as HostStats;
        if (section === 'block') {
          block.failedInBlock = true;
          block.failed = !task.block?.hasRescue;
          if (task.block?.hasRescue) {
            // handled by rescue: counted as rescued, not failed (as Ansible's recap does)
            stats.failed--;
            stats.rescued++;
          }
        } else if (section === 'rescue') {
          block.failedInRescue = true;
          block.failed = true;
        } else block.failed = true;
      }
      if (block?.failed) {
        s.state = 'failed';
        return;
      }
      for (const handler of play.handlers) {
        if (this.interrupted) return;
        if (lockstep && !(await lockstep.gate())) return;
        if (![handler.name, ...handler.listen].some((n) => notified.has(n))) continue;
        const outcome = await slot(() => this.runTask(play, s, handler, true, []));
        if (outcome.status === 'failed') {
          s.state = 'failed';
          return;
        }
      }
    } catch (e) {
      if (e instanceof HostStopped) return;
      throw e;
    }
  }

  private async ensureConnection(play: Play, s: HostSession): Promise<Connection> {
    if (s.conn) return s.conn;
    // Only connection variables matter here; play vars may depend on facts not gathered yet.
    const vars = { ...this.input.inventoryVars(s.name), ...this.options.extraVars };
    try {
      const conn = await s.connection(() => this.input.connect(s.name, vars));
      const facts = s.facts as NonNullable<HostSession['facts']>;
      if (Object.keys(s.gathered).length === 0) {
        // Paths and packages depend on the OS, so the play's reads are known only after gathering:
        // one round trip for the facts, then the first task prefetches what the whole play wants.
        await facts.prefetch(GATHER_REQUESTS);
        s.gathered = await gatherFacts(facts);
        s.stale = true;
      }
      return conn;
    } catch (e) {
      if (e instanceof ConnectionError) {
        this.unreachable(play, s, e.message);
        throw new HostStopped();
      }
      throw e;
    }
  }

  private unreachable(play: Play, s: HostSession, msg: string): void {
    s.state = 'unreachable';
    (this.stats[s.name] as HostStats).unreachable++;
    const secrets = this.secretsOf(this.input.inventoryVars(s.name));
    this.emit({
      type: 'task_result',
      play: play.name,
      task: 'connect',
      host: s.name,
      status: 'unreachable',
      handler: false,
      msg: redact(msg, secrets),
      durationMs: 0,
    });
  }

  /** What this play's remaining tasks and every later play on this host will read, as far as known now. */
  private async wantsAhead(play: Play, s: HostSession, remaining: readonly Task[]): Promise<FactRequest[]> {
    s.readAhead = true;
    const requests = await this.wantsOf(play, s, remaining);
    const plays = this.input.playbook.plays;
    for (const later of plays.slice(plays.indexOf(play) + 1)) {
      if (!this.input.hostsFor(later.hosts).includes(s.name)) continue;
      requests.push(...(await this.wantsOf(later, s, later.tasks)));
    }
    return requests;
  }

  /**
   * What the given tasks' modules declare they will read (wants(): files, unit states, sshplay's own
   * read-only commands), as far as it can be known now (tasks whose arguments render). Nothing a task
   * runs is read ahead: a command or script may have side effects whatever its changed_when says, so it
   * runs at its turn. `window` (once a host has changed): facts only up to the next task that may change
   * the host, since its change would make anything read for the tasks after it stale.
   */
  private async wantsOf(play: Play, s: HostSession, tasks: readonly Task[], window = false): Promise<FactRequest[]> {
    const requests: FactRequest[] = [];
    let vars: Vars;
    try {
      vars = await this.baseVars(play, s);
    } catch {
      return requests;
    }
    vars = { ...vars, ...s.gathered };
    for (const [i, task] of tasks.entries()) {
      const module = task.module as Module<Vars>;
      if (!tagsMatch(task, play, this.options)) continue;
      let runs = false;
      try {
        const taskVars = this.taskVars(task, vars);
        const items = task.loop === undefined ? [undefined] : (renderValue(task.loop, taskVars) as unknown[]);
        if (!Array.isArray(items)) throw new TemplateError('loop is not a list');
        for (const [index, item] of items.entries()) {
          let itemVars = item === undefined ? taskVars : { ...taskVars, [task.loopVar]: item };
          if (task.indexVar) itemVars = { ...itemVars, [task.indexVar]: index };
          try {
            if (task.when.some((w) => !evaluateCondition(w, itemVars))) continue;
          } catch {
            // A condition on a result not known yet: read the facts anyway.
          }
          runs = true;
          if (!module.wants) continue;
          const args = validateArgs(module.name, module.schema, renderArgs(task.module, task.args, itemVars));
          requests.push(...module.wants(args, itemVars));
        }
      } catch {
        // Arguments that depend on what earlier tasks register are read when the task runs.
        runs = true;
      }
      // Under --check only tasks that run anyway (check_mode: false) can change the host.
      const applies = !this.options.check || task.checkMode === false;
      if (window && i > 0 && runs && !module.local && applies) break;
    }
    return requests;
  }

  private async runTask(
    play: Play,
    s: HostSession,
    task: Task,
    handler: boolean,
    later: readonly Task[],
  ): Promise<TaskOutcome> {
    const started = Date.now();
    const stats = this.stats[s.name] as HostStats;
    this.emit({ type: 'task_start', play: play.name, task: task.name, host: s.name, handler });
    let vars: Vars;
    try {
      vars = this.taskVars(task, await this.baseVars(play, s));
    } catch (e) {
      return this.taskFailed(play, s, task, handler, started, this.describeError(e, task, s.name));
    }
    const baseSecrets = this.secretsOf(vars);
    let items: unknown[] = [undefined];
    if (task.loop !== undefined && task.when.some((w) => whenIsFalseWithoutItem(w, task, vars))) {
      // A condition that does not involve the item decides before the loop is rendered, so a loop over
      // an undefined variable is skipped, not failed (`loop: "{{x}}"` with `when: x is defined`).
      (this.stats[s.name] as HostStats).skipped++;
      this.emit({
        type: 'task_result',
        play: play.name,
        task: task.name,
        host: s.name,
        status: 'skipped',
        handler,
        msg: 'when: condition false',
        durationMs: Date.now() - started,
      });
      return { status: 'skipped', result: { skipped: true, changed: false } };
    }
    if (task.loop !== undefined) {
      try {
        const rendered = renderValue(task.loop, vars);
        if (!Array.isArray(rendered)) throw new TemplateError(`loop must be a list, got ${typeof rendered}`);
        items = rendered;
      } catch (e) {
        return this.taskFailed(play, s, task, handler, started, this.describeError(e, task, s.name));
      }
    }
    if (items.length > 1 && !(task.module as Module<Vars>).local && s.facts && !s.stale) {
      // Every item's reads in one round trip (the loop's values may depend on what earlier tasks registered).
      await s.facts.prefetch(await this.wantsOf(play, s, [task]));
    }
    const itemResults: Vars[] = [];
    let anyChanged = false;
    let anyFailed = false;
    let allSkipped = true;
    let failMsg: string | undefined;
    for (const [index, item] of items.entries()) {
      let itemVars = item === undefined ? vars : { ...vars, [task.loopVar]: item };
      if (task.indexVar) itemVars = { ...itemVars, [task.indexVar]: index };
      const itemStarted = Date.now();
      // Once the host changed, an item that is not the last reads only for this task: the next item's
      // change would make reads for later tasks stale.
      const ahead = s.changed && index < items.length - 1 ? [] : later;
      const outcome = await this.withDeadline(s, task, () => this.runItem(play, s, task, itemVars, ahead));
      if (outcome.status === 'unreachable') throw new HostStopped();
      const ignored = outcome.status === 'failed' && task.ignoreErrors;
      if (outcome.status !== 'skipped') allSkipped = false;
      if (outcome.status === 'changed') anyChanged = true;
      if (outcome.status === 'failed' && !ignored) {
        anyFailed = true;
        failMsg = outcome.msg;
      }
      itemResults.push(item === undefined ? outcome.result : { ...outcome.result, [task.loopVar]: item });
      const plan = outcome.result.__plan as Plan | undefined;
      const hidden = task.noLog;
      const secrets = [...baseSecrets, ...(outcome.secrets ?? [])];
      this.emit({
        type: 'task_result',
        play: play.name,
        task: task.name,
        host: s.name,
        status: outcome.status,
        handler,
        item: item === undefined ? undefined : hidden ? '(hidden: no_log)' : redactValue(item, secrets),
        label: item === undefined || hidden ? undefined : this.loopLabel(task, itemVars, secrets),
        msg: hidden
          ? outcome.status === 'failed'
            ? 'failed (output hidden: no_log)'
            : undefined
          : outcome.msg && redact(outcome.msg, secrets),
        shown: task.module.name === 'debug' || undefined,
        diff: this.diffShown(s, task, plan, secrets),
        commands: hidden
          ? undefined
          : plan?.changes.flatMap((c) =>
              c.kind === 'exec'
                ? [redact(shellText(c.cmd), secrets)]
                : c.kind === 'api'
                  ? [`${c.method} ${c.path}`]
                  : [`write ${c.path}`],
            ),
        stdout: hidden
          ? undefined
          : typeof outcome.result.stdout === 'string'
            ? redact(outcome.result.stdout, secrets)
            : undefined,
        stderr: hidden
          ? undefined
          : typeof outcome.result.stderr === 'string'
            ? redact(outcome.result.stderr, secrets)
            : undefined,
        rc: typeof outcome.result.rc === 'number' ? outcome.result.rc : undefined,
        ignored,
        durationMs: Date.now() - itemStarted,
      });
      if (outcome.status === 'failed') {
        if (ignored) stats.ignored++;
        else break;
      }
    }
    const status: TaskStatus = anyFailed ? 'failed' : allSkipped ? 'skipped' : anyChanged ? 'changed' : 'ok';
    stats[status as Exclude<TaskStatus, 'unreachable'>]++;
    // As in Ansible's recap, ok counts every task that succeeded: changed ones too (changed <= ok).
    if (status === 'changed') stats.ok++;
    const cleaned = itemResults.map(({ __plan, ...rest }) => rest);
    const result: Vars =
      task.loop === undefined
        ? (cleaned[0] ?? {})
        : { results: cleaned, changed: anyChanged, failed: anyFailed, skipped: allSkipped, msg: failMsg };
    if (task.register) s.setVars[task.register] = result;
    for (const r of cleaned) {
      const facts = r.ansible_facts as Vars | undefined;
      if (facts && status !== 'failed') Object.assign(s.setVars, facts);
    }
    return { status, result, msg: failMsg };
  }

  /** loop_control.label for one item, masked; a label that does not render shows why instead of failing the task. */
  private loopLabel(task: Task, itemVars: Vars, secrets: string[]): string | undefined {
    if (task.label === undefined) return undefined;
    try {
      return redact(renderText(task.label, itemVars), secrets);
    } catch (e) {
      return `(label: ${(e as Error).message})`;
    }
  }

  /**
   * A task's diff as shown: none under no_log, nor for a file a no_log task wrote on this host (its
   * content is secret from then on); current secret values and every password/secret line masked.
   */
  private diffShown(s: HostSession, task: Task, plan: Plan | undefined, secrets: string[]): string | undefined {
    const written = plan?.changes.flatMap((c) => (c.kind === 'write' ? [c.path] : [])) ?? [];
    if (task.noLog) {
      for (const path of written) s.secretFiles.add(path);
      return undefined;
    }
    if (!this.options.diff || !plan?.diff) return undefined;
    const secretFile = written.find((path) => s.secretFiles.has(path));
    if (secretFile) return `(diff hidden: ${secretFile} was written by a no_log task)`;
    return maskSecretLines(redact(plan.diff, secrets));
  }

  private taskFailed(
    play: Play,
    s: HostSession,
    task: Task,
    handler: boolean,
    started: number,
    msg: string,
  ): TaskOutcome {
    (this.stats[s.name] as HostStats).failed++;
    this.emit({
      type: 'task_result',
      play: play.name,
      task: task.name,
      host: s.name,
      status: 'failed',
      handler,
      msg,
      durationMs: Date.now() - started,
    });
    return { status: 'failed', result: { failed: true, msg }, msg };
  }

  private describeError(e: unknown, task: Task, host: string): string {
    const where = `task '${task.name}' (${task.where.file}:${task.where.line ?? '?'}) on ${host}`;
    if (e instanceof TemplateError) return `${e.message}${e.line ? ` (template line ${e.line})` : ''} in ${where}`;
    if (e instanceof ExpressionError || e instanceof ArgError) return `${e.message} in ${where}`;
    if (e instanceof ConfigError || e instanceof SshplayError) return e.message;
    return `${(e as Error).message ?? String(e)} in ${where}`;
  }

  private async runItem(
    play: Play,
    s: HostSession,
    task: Task,
    vars: Vars,
    later: readonly Task[],
  ): Promise<TaskOutcome> {
    const module = task.module as Module<Vars>;
    try {
      for (const w of task.when) {
        if (!evaluateCondition(w, vars))
          return { status: 'skipped', result: { skipped: true, changed: false }, msg: `when: ${w}` };
      }
      let args: Vars;
      if (module.anyArgs) args = renderValue(task.args, vars) as Vars;
      else args = validateArgs(module.name, module.schema, renderArgs(task.module, task.args, vars));
      let conn: Connection | undefined;
      if (!module.local) {
        conn = await this.ensureConnection(play, s);
        if (s.stale) {
          // At a play's first host task, and after a change, what is wanted next is read in one round trip;
          // what is still cached is not read again. The first time, what later plays want is read too (a
          // run without changes reads the host about once); later, each play reads its own rest (its
          // arguments may now render with what earlier tasks registered); after a change, only as far as
          // the next task that may change the host.
          s.stale = false;
          const remaining = [task, ...later];
          await s.facts?.prefetch(
            await (s.changed
              ? this.wantsOf(play, s, remaining, true)
              : s.readAhead
                ? this.wantsOf(play, s, remaining)
                : this.wantsAhead(play, s, remaining)),
          );
        }
      }
      const ctx = this.planContext(play, s, vars, task.role);
      const secrets = module.anyArgs ? [] : secretValues(module.schema, args);
      const plan = await module.plan(ctx, args);
      const base: Vars = { ...(plan.result ?? {}), __plan: plan };
      if (plan.failed) {
        // A module's refusal is data like a command's exit code: failed_when may still accept it.
        const result: Vars = { ...base, failed: true, changed: false, msg: plan.failed };
        const evalVars = task.register ? { ...vars, [task.register]: result, ...result } : { ...vars, ...result };
        if (task.failedWhen && !task.failedWhen.some((c) => evaluateCondition(c, evalVars)))
          return { status: 'ok', result: { ...result, failed: false }, msg: plan.failed, secrets };
        return { status: 'failed', result, msg: plan.failed, secrets };
      }
      const wouldChange = plan.changes.length > 0;
      const apply = wouldChange && (!this.options.check || task.checkMode === false) && task.checkMode !== true;
      let applied: Applied | undefined;
      if (apply && conn) {
        applied = await applyChanges(conn, s.facts as NonNullable<HostSession['facts']>, plan.changes);
      } else if (wouldChange) {
        for (const c of plan.changes) if (c.kind === 'write') s.facts?.simulateWrite(c.path, c.content, c.mode);
      }
      let result: Vars = { ...base, ...resultFromRuns(applied), changed: wouldChange, failed: !!applied?.failed };
      if (wouldChange && !apply)
        result = { ...result, skipped: true, check_mode: true, msg: `check mode: would ${plan.preview ?? 'change'}` };
      if (applied?.failed) result.msg = applied.failed;
      if (applied?.backups.length) result.backup_file = applied.backups[0];
      const evalVars = task.register ? { ...vars, [task.register]: result, ...result } : { ...vars, ...result };
      if (task.changedWhen) result.changed = task.changedWhen.every((c) => evaluateCondition(c, evalVars));
      if (task.failedWhen) {
        result.failed = task.failedWhen.some((c) => evaluateCondition(c, evalVars));
        if (result.failed && !result.msg) result.msg = `failed_when: ${task.failedWhen.join(' or ')}`;
        if (!result.failed && applied?.failed) delete result.msg;
      }
      if (applied && (result.changed || applied.runs.length > 0)) {
        // The host may have changed (a command may change it whatever its changed_when says): anything
        // read before may be stale, and what the next tasks want is re-read at once.
        if (applied.runs.length > 0) s.facts?.invalidateAll();
        s.stale = true;
        s.changed = true;
      }
      const msg = (result.msg as string | undefined) ?? (wouldChange ? plan.preview : plan.noop);
      if (result.failed) return { status: 'failed', result, msg, secrets };
      return { status: result.changed ? 'changed' : 'ok', result, msg, secrets };
    } catch (e) {
      if (e instanceof HostStopped) return { status: 'unreachable', result: {} };
      if (e instanceof ConnectionError) {
        this.unreachable(play, s, e.message);
        return { status: 'unreachable', result: {} };
      }
      const msg = this.describeError(e, task, s.name);
      return { status: 'failed', result: { failed: true, changed: false, msg }, msg };
    }
  }

  /**
   * Ansible's task `timeout` (else --task-timeout), per item as Ansible applies it: when it passes, the
   * command running on the host is stopped and the task fails naming it; the host goes on to its rescue or
   * stops, as on any failure. What the task had read is forgotten (its shell is a new one).
   */
  private async withDeadline(s: HostSession, task: Task, work: () => Promise<TaskOutcome>): Promise<TaskOutcome> {
    const seconds = task.timeout ?? this.options.taskTimeoutS ?? 0;
    if (seconds <= 0) return work();
    let timer: NodeJS.Timeout | undefined;
    const running = work();
    const expired = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), seconds * 1000);
    });
    const first = await Promise.race([running, expired]).finally(() => clearTimeout(timer));
    if (first) return first;
    const why = `timed out after ${seconds} s`;
    const command = s.conn?.cancel?.(why);
    // The task stops at its next remote step (refused while cancelled); wait for that, so nothing of it overlaps the next.
    const late = await running;
    s.conn?.resume?.();
    if (late.status === 'unreachable') return late;
    s.facts?.invalidateAll();
    s.stale = true;
    const msg = `${why} in ${command ?? `task '${task.name}'`}`;
    return { status: 'failed', result: { failed: true, changed: false, msg }, msg, secrets: late.secrets };
  }

  private planContext(play: Play, s: HostSession, vars: Vars, role?: Role): PlanContext {
    const facts = s.facts;
    const readLocal = async (path: string, kind: 'template' | 'file') => {
      const folder = kind === 'template' ? 'templates' : 'files';
      const candidates = [
        // a role's own templates/ and files/ first, as Ansible looks
        ...(role ? [join(role.dir, folder, path), join(role.dir, path)] : []),
        join(play.baseDir, folder, path),
        join(play.baseDir, path),
        join(play.baseDir, '..', folder, path),
        resolve(path),
      ];
      for (const candidate of candidates) {
        try {
          return { path: candidate, content: await readFile(candidate) };
        } catch {
          // try the next place
        }
      }
      throw new ConfigError(`${kind} '${path}' not found (looked in ${candidates.join(', ')})`, { file: path });
    };
    return {
      host: s.name,
      vars,
      facts: facts as NonNullable<typeof facts>,
      check: this.options.check,
      readLocal,
      async renderTemplate(path: string) {
        const { path: found, content } = await readLocal(path, 'template');
        try {
          return renderTemplateFile(content.toString('utf8'), vars);
        } catch (e) {
          if (e instanceof TemplateError)
            throw new TemplateError(`${found}${e.line ? `:${e.line}` : ''}: ${e.message}`);
          throw e;
        }
      },
    };
  }
}

export type { RunResult };
