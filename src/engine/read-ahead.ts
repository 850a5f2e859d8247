/**
 * The read-ahead: what a host's next tasks will read (their modules' wants(): files, unit states, sshplay's
 * own read-only commands) is fetched in one round trip before they plan. Only reads are read ahead, never
 * what a task runs: a command or script may have side effects whatever its changed_when says, so it runs at
 * its turn, and side effects are never reordered. This file owns every flag of that policy.
 */
import type { FactRequest } from '../facts/host-facts.js';
import { validateArgs } from '../modules/args.js';
import type { Module } from '../modules/types.js';
import type { Play, Task } from '../playbook/types.js';
import { evaluateCondition } from '../template/expression.js';
import { renderValue, TemplateError } from '../template/render.js';
import type { HostSession } from './host-session.js';
import { taskSelected } from './play-iterator.js';
import { renderArgs } from './render-args.js';
import type { RunContext, Vars } from './run-context.js';

interface HostReadState {
  /** Set at a play's first task and after a change: the next plan re-reads what the remaining tasks want. */
  stale: boolean;
  /** Something was changed on this host during the run. */
  changed: boolean;
  /** The rest of the run (later plays too) was read ahead once; later prefetches look at their own play. */
  readAheadDone: boolean;
}

/** How far a window of reads has come: tasks looked at, and whether it stopped at one that may change the host. */
interface Window {
  seen: number;
  reachedChange: boolean;
}

export class ReadAhead {
  private readonly hosts = new Map<string, HostReadState>();

  constructor(private readonly run: () => RunContext) {}

  private state(host: string): HostReadState {
    let state = this.hosts.get(host);
    if (!state) {
      state = { stale: true, changed: false, readAheadDone: false };
      this.hosts.set(host, state);
    }
    return state;
  }

  /** Whatever was read may no longer hold (a play starts, the host connected, a task timed out). */
  markStale(host: string): void {
    this.state(host).stale = true;
  }

  /** A loop of several items: every item's reads in one round trip, unless the next plan reads anyway. */
  async beforeLoop(play: Play, session: HostSession, task: Task): Promise<void> {
    const module = task.module as Module<Vars>;
    if (module.local || task.delegateTo !== undefined || !session.facts || this.state(session.name).stale) return;
    // the loop's values may depend on what earlier tasks registered: known only now
    await session.facts.prefetch(await this.wantsOf(play, session, [task]));
  }

  /**
   * The tasks an item may read ahead for: once the host changed, an item that is not the last reads only
   * for its own task, since the next item's change would make reads for later tasks stale.
   */
  laterForItem(host: string, item: { index: number; count: number }, later: readonly Task[]): readonly Task[] {
    return this.state(host).changed && item.index < item.count - 1 ? [] : later;
  }

  /**
   * Before a task plans on its host: at a play's first host task, and after a change, what is wanted next
   * is read in one round trip; what is still cached is not read again. The first time, what later plays
   * want is read too (a run without changes reads the host about once); later, each play reads its own
   * rest (its arguments may now render with what earlier tasks registered); after a change, only as far
   * as the next task that may change the host.
   */
  async beforePlan(play: Play, session: HostSession, task: Task, later: readonly Task[]): Promise<void> {
    const state = this.state(session.name);
    if (!state.stale) return;
    state.stale = false;
    const remaining = [task, ...later];
    let wanted: FactRequest[];
    if (state.changed)
      wanted = await this.wantsOf(play, session, remaining, { window: { seen: 0, reachedChange: false } });
    else if (state.readAheadDone) wanted = await this.wantsOf(play, session, remaining);
    else {
      state.readAheadDone = true;
      wanted = await this.wantsOfRun(play, session, remaining);
    }
    await session.facts?.prefetch(wanted);
  }

  /**
   * What the tasks after one that runs commands will read, up to the next task that may change the host
   * (as the prefetch after a change would read it): the engine sends it after the commands, in their round
   * trip, so it is taken after them. Arguments that depend on what this task registers are not known yet:
   * those reads wait for their task.
   */
  async readsAfterCommands(play: Play, session: HostSession, later: readonly Task[]): Promise<FactRequest[]> {
    if (!session.facts) return [];
    const window: Window = { seen: 0, reachedChange: false };
    const requests = await this.wantsOf(play, session, later, { window });
    // The play ends before any task that may change the host: the window goes on into the next plays (what
    // a change between, a handler's, invalidates what it touched, as it does for any read ahead).
    const run = this.run();
    const plays = run.input.playbook.plays;
    for (const next of plays.slice(plays.indexOf(play) + 1)) {
      if (window.reachedChange) break;
      if (!run.input.hostsFor(next.hosts).includes(session.name)) continue;
      requests.push(...(await this.wantsOf(next, session, next.tasks, { window, laterPlay: true })));
    }
    return requests;
  }

  /**
   * After a change was applied: the host may have changed (a command may change it whatever its
   * changed_when says), so what was read may be stale, and what the next tasks want is re-read at once;
   * unless it was read after the commands in their round trip (`readAfter`): then it is already fresh.
   */
  afterApply(session: HostSession, applied: { ranCommands: boolean; readAfter?: boolean }): void {
    if (applied.ranCommands && !applied.readAfter) session.facts?.invalidateAll();
    const state = this.state(session.name);
    state.stale = true;
    state.changed = true;
  }

  /** A task timed out: its shell is a new one, and nothing it read is trusted. */
  afterTimeout(session: HostSession): void {
    session.facts?.invalidateAll();
    this.state(session.name).stale = true;
  }

  /** What this play's remaining tasks and every later play on this host will read, as far as known now. */
  private async wantsOfRun(play: Play, session: HostSession, remaining: readonly Task[]): Promise<FactRequest[]> {
    const run = this.run();
    const requests = await this.wantsOf(play, session, remaining);
    const plays = run.input.playbook.plays;
    for (const later of plays.slice(plays.indexOf(play) + 1)) {
      if (!run.input.hostsFor(later.hosts).includes(session.name)) continue;
      requests.push(...(await this.wantsOf(later, session, later.tasks, { laterPlay: true })));
    }
    return requests;
  }

  /**
   * What the given tasks' modules declare they will read, as far as it can be known now (tasks whose
   * arguments render). A delegated task reads another host: not read ahead here. `window` (once a host
   * has changed): facts only up to the next task that may change the host, since its change would make
   * anything read for the tasks after it stale (the first task of the window is read for even when it may
   * change the host: its reads are for its own plan, before its change). A window may span plays.
   * `laterPlay`: a play the host has not reached yet, whose variables are merged for this look only.
   */
  private async wantsOf(
    play: Play,
    session: HostSession,
    tasks: readonly Task[],
    options: { window?: Window; laterPlay?: boolean } = {},
  ): Promise<FactRequest[]> {
    const { window } = options;
    const run = this.run();
    const requests: FactRequest[] = [];
    let vars: Vars;
    try {
      vars = await run.variables.forHost(play, session, { keep: !options.laterPlay });
    } catch {
      return requests;
    }
    vars = { ...vars, ...session.gathered };
    for (const task of tasks) {
      const module = task.module as Module<Vars>;
      if (!taskSelected(task, play, run.options)) continue;
      let runs = false;
      try {
        const taskVars = run.variables.forTask(task, vars);
        const items = task.loop === undefined ? [undefined] : (renderValue(task.loop, taskVars) as unknown[]);
        if (!Array.isArray(items)) throw new TemplateError('loop is not a list');
        for (const [position, item] of items.entries()) {
          let itemVars = item === undefined ? taskVars : { ...taskVars, [task.loopVar]: item };
          if (task.indexVar) itemVars = { ...itemVars, [task.indexVar]: position };
          try {
            if (task.when.some((w) => !evaluateCondition(w, itemVars))) continue;
          } catch {
            // A condition on a result not known yet: read the facts anyway.
          }
          runs = true;
          if (!module.wants || task.delegateTo !== undefined) continue;
          const args = validateArgs(module.name, module.schema, renderArgs(task.module, task.args, itemVars));
          requests.push(...module.wants(args, itemVars));
        }
      } catch {
        // Arguments that depend on what earlier tasks register are read when the task runs.
        runs = true;
      }
      // Under --check only tasks that run anyway (check_mode: false) can change the host.
      const applies = !run.options.check || task.checkMode === false;
      if (window && window.seen++ > 0 && runs && !module.local && applies) {
        window.reachedChange = true;
        break;
      }
    }
    return requests;
  }
}
