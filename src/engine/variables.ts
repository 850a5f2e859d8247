/**
 * A host's variables as Ansible ranks them, lowest first: inventory, gathered facts, magic variables, play
 * vars and vars files (rendered once per play and host: they cannot see what tasks register), set_fact and
 * register results, extra vars; for a task, its role's defaults under everything, its role's vars and its
 * own on top (extra vars still win).
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Play, Task } from '../playbook/types.js';
import { renderText } from '../template/render.js';
import type { HostSession } from './host-session.js';
import { SECRET_VARS } from './redaction.js';
import type { RunContext, Vars } from './run-context.js';
import { loadVarsFile, renderVarsInOrder, type VarsFileCache } from './vars.js';

/** A host's variables for a play as last merged, and what they were merged from. */
interface MergedHostVars {
  gathered: Vars;
  vars: Promise<Vars>;
  /** The last merge: its play vars (resolved), play magic and set_fact/register values (see sameEntries). */
  merged?: { playVars: Vars; magic: Vars; setVars: unknown[]; result: Vars };
}

/** Keys and values of `vars` in order, flattened: what sameEntries compares a later state with. */
function entriesOf(vars: Vars): unknown[] {
  const out: unknown[] = [];
  for (const key in vars) out.push(key, vars[key]);
  return out;
}

/** Whether `vars` holds the same keys, in the same order, with the same values (by identity) as `entries`. */
function sameEntries(vars: Vars, entries: readonly unknown[]): boolean {
  let i = 0;
  for (const key in vars) {
    if (entries[i] !== key || entries[i + 1] !== vars[key]) return false;
    i += 2;
  }
  return i === entries.length;
}

function isEmpty(vars: Vars): boolean {
  for (const _ in vars) return false;
  return true;
}

export class Variables {
  private readonly playVars = new WeakMap<Play, Map<string, MergedHostVars>>();
  private readonly lookAhead = new Map<string, Map<Play, { gathered: unknown; magic: Vars; vars: Promise<Vars> }>>();
  private readonly varsFiles: VarsFileCache = new Map();
  private readonly batches = new WeakMap<Play, string[]>();
  private readonly magic = new WeakMap<Play, { stateChanges: number; batch?: string[]; vars: Vars }>();
  private hostvarsView?: Vars;
  private inventoryHostList?: string[];
  private otherSecrets?: string[];

  constructor(private readonly run: () => RunContext) {}

  /** The hosts of the batch of `play` running now (ansible_play_batch). */
  setBatch(play: Play, hosts: string[]): void {
    this.batches.set(play, hosts);
  }

  /**
   * A host's variables for a play, without any task's own. Merged again only when what they are merged
   * from changed (facts gathered, a host left the play, set_fact or register): between those, every task
   * of the host gets the same object, which nothing may change (task and item variables are copies on top).
   * `keep: false` is for a look ahead into a play the host has not reached: merged alike, kept nowhere.
   */
  async forHost(play: Play, session: HostSession, options: { keep?: boolean } = {}): Promise<Vars> {
    let perHost = this.playVars.get(play);
    if (!perHost) {
      perHost = new Map();
      this.playVars.set(play, perHost);
    }
    let cached = perHost.get(session.name);
    if (!cached || cached.gathered !== session.gathered) {
      // A look ahead into a play the host has not reached (`keep: false`) keeps its variables only while the
      // host is in its current play (see lookAheadVars).
      if (options.keep === false)
        return this.merge(await this.lookAheadVars(play, session), this.playMagic(play), session);
      const vars = this.renderPlayVars(play, session);
      vars.catch(() => undefined);
      cached = { gathered: session.gathered, vars };
      perHost.set(session.name, cached);
    }
    const playVars = await cached.vars;
    const magic = this.playMagic(play);
    const merged = cached.merged;
    if (
      merged &&
      merged.playVars === playVars &&
      merged.magic === magic &&
      sameEntries(session.setVars, merged.setVars)
    )
      return merged.result;
    const result = this.merge(playVars, magic, session);
    cached.merged = { playVars, magic, setVars: entriesOf(session.setVars), result };
    return result;
  }

  /** Play variables, then magic, set_fact and register results, then extra vars (which win). */
  private merge(playVars: Vars, magic: Vars, session: HostSession): Vars {
    return { ...playVars, ...magic, ...session.setVars, ...this.run().options.extraVars };
  }

  /**
   * A later play's variables of a host, as its look ahead renders them: kept only while the host is in its
   * current play, where the read-ahead looks into the later plays after every command (a --check looks far:
   * nothing in it changes the host), so they are rendered once per play the host is in, not at every look.
   * Dropped when the host leaves its play: with thousands of hosts waiting for their turn, every later
   * play's variables of every host would otherwise be held at once. Rendered again if the host's facts or
   * the later play's magic (its hosts, its batch) changed meanwhile.
   */
  private lookAheadVars(play: Play, session: HostSession): Promise<Vars> {
    let byPlay = this.lookAhead.get(session.name);
    if (!byPlay) {
      byPlay = new Map();
      this.lookAhead.set(session.name, byPlay);
    }
    const magic = this.playMagic(play);
    let ahead = byPlay.get(play);
    if (!ahead || ahead.gathered !== session.gathered || ahead.magic !== magic) {
      const vars = this.renderPlayVars(play, session);
      vars.catch(() => undefined);
      ahead = { gathered: session.gathered, magic, vars };
      byPlay.set(play, ahead);
    }
    return ahead.vars;
  }

  /** The host is done with the play: its variables for it, and what it looked ahead at, are not needed again. */
  forgetPlay(play: Play, host: string): void {
    this.playVars.get(play)?.delete(host);
    this.lookAhead.delete(host);
  }

  /**
   * A task's variables over the host's: a role's defaults under everything, its vars over inventory and
   * play variables (but under -e), then the task's own, then what an include bound (its item, its vars).
   */
  forTask(task: Pick<Task, 'role' | 'vars' | 'boundVars'>, vars: Vars): Vars {
    let scope = vars;
    if (task.role) {
      scope = { ...renderVarsInOrder(task.role.defaults, scope), ...scope };
      scope = { ...scope, ...renderVarsInOrder(task.role.vars, scope), ...this.run().options.extraVars };
    }
    // Nothing of the task's own: its variables are the host's (or role's) as they are, not a copy per task.
    if (task.boundVars === undefined && isEmpty(task.vars)) return scope;
    const bound = task.boundVars ?? {};
    return { ...scope, ...renderVarsInOrder(task.vars, { ...scope, ...bound }), ...bound };
  }

  private async renderPlayVars(play: Play, session: HostSession): Promise<Vars> {
    const run = this.run();
    let vars: Vars = {
      ...run.input.inventoryVars(session.name),
      ...session.gathered,
      ansible_check_mode: run.options.check,
      ansible_diff_mode: run.options.diff,
      playbook_dir: resolve(play.baseDir),
      ...this.playMagic(play),
      ...run.options.extraVars,
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
      const file = await loadVarsFile(play.baseDir, name, this.varsFiles, this.run().input.playbook.keyring);
      vars = { ...vars, ...renderVarsInOrder(file, vars) };
    }
    return vars;
  }

  /**
   * Magic variables that change during a play: which of its hosts are still in it. One object for every
   * host of the play until a host's state changes or a batch starts (not a list of the play's hosts per
   * host and task).
   */
  private playMagic(play: Play): Vars {
    const run = this.run();
    const batchHosts = this.batches.get(play);
    const cached = this.magic.get(play);
    // Asked for every task of every host: the lists (a fleet's length each) are made again only when a host
    // stopped or the batch moved on, not per call.
    if (cached && cached.stateChanges === run.sessions.stateChanges && cached.batch === batchHosts) return cached.vars;
    const all = run.input.hostsFor(play.hosts);
    // a host left behind (it went quiet, the others went on) is no longer going either
    const going = (h: string) => {
      const session = run.sessions.find(h);
      return !session || (session.state === 'ok' && !session.behind);
    };
    const active = (hosts: string[]) => hosts.filter(going);
    const batch = active(batchHosts ?? all);
    const vars = {
      hostvars: this.hostvars(),
      ansible_play_hosts_all: all,
      ansible_play_hosts: active(all),
      ansible_play_batch: batch,
      play_hosts: batch,
    };
    this.magic.set(play, { stateChanges: run.sessions.stateChanges, batch: batchHosts, vars });
    return vars;
  }

  isInventoryHost(host: string): boolean {
    return this.inventoryHosts().includes(host);
  }

  /**
   * The variables a host connects with: the inventory's; for `localhost` outside the inventory, Ansible's
   * implicit localhost (the controller, over a local connection).
   */
  connectionVars(host: string): Vars {
    const run = this.run();
    if (host === 'localhost' && !this.isInventoryHost(host))
      return { inventory_hostname: host, ansible_connection: 'local', ...run.options.extraVars };
    return { ...run.input.inventoryVars(host), ...run.options.extraVars };
  }

  /** Every host of the inventory: its `groups.all`, else the hosts of the playbook's plays. */
  private inventoryHosts(): string[] {
    if (this.inventoryHostList) return this.inventoryHostList;
    const input = this.run().input;
    const planned = input.playbook.plays.flatMap((p) => input.hostsFor(p.hosts));
    const groups = planned.length > 0 ? input.inventoryVars(planned[0] as string).groups : undefined;
    const all = (groups as Record<string, unknown> | undefined)?.all;
    this.inventoryHostList = Array.isArray(all) ? all.map(String) : [...new Set(planned)];
    return this.inventoryHostList;
  }

  /**
   * `hostvars` as Ansible's: for every inventory host, its inventory variables, gathered facts and what
   * set_fact and register gave it so far in this run (not play vars, as in Ansible). One object for the
   * run, each entry read when a template asks, so host B in a later play sees what host A registered.
   */
  private hostvars(): Vars {
    if (this.hostvarsView) return this.hostvarsView;
    const view: Vars = {};
    for (const host of this.inventoryHosts()) {
      Object.defineProperty(view, host, {
        enumerable: true,
        get: () => {
          const run = this.run();
          const session = run.sessions.find(host);
          return {
            ...run.input.inventoryVars(host),
            ...session?.gathered,
            ...session?.setVars,
            ...run.options.extraVars,
          };
        },
      });
    }
    this.hostvarsView = view;
    return view;
  }

  /** Every inventory host's connection passwords and secret-named values, once per run (a task may show hostvars). */
  otherHostsSecrets(): string[] {
    if (!this.otherSecrets) {
      const run = this.run();
      const found = new Set<string>();
      for (const host of this.inventoryHosts()) {
        const vars = run.input.inventoryVars(host);
        for (const key of SECRET_VARS) if (typeof vars[key] === 'string') found.add(vars[key] as string);
        for (const value of run.secrets.secretsOf({ ...vars, hostvars: undefined })) found.add(value);
      }
      this.otherSecrets = [...found];
    }
    return this.otherSecrets;
  }
}
