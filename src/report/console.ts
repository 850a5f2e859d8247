import type { EngineEvent, Reporter } from '../engine/events.js';
import { colorDiff, type Palette, palette } from './colors.js';
import type { ConsoleOptions } from './console-options.js';
import { hostList } from './host-list.js';
import { hostTextMadeSafe } from './host-text.js';
import { defaultLoopLabel } from './loop-label.js';
import { formatRecap, formatTotals } from './recap.js';
import { diffExceptions, naturalOrder, type ResultGroup, ResultGrouper, type TaskResult } from './result-groups.js';
import { TemplateCluster, templateOf } from './result-template.js';
import { terminalSafe } from './terminal-text.js';

/** Hosts whose outcomes of one task must line up before they print as one template. */
const MIN_TEMPLATE_HOSTS = 6;
/** Width of a line of per-host values under a template. */
const VALUES_WIDTH = 150;

interface TaskProgress {
  name: string;
  started: number;
  running: Set<string>;
  done: number;
  /** Hosts expected to run the task (the play's or batch's hosts still going when it started). */
  total: number;
  changed: number;
  failed: number;
}

/**
 * One task's results held until every host of the play has gone past it, then printed: held grouped as they
 * come (hosts that print the same share one result), since a fleet's worth of them waits at once.
 */
interface Pending {
  key: string;
  index: number;
  results: ResultGrouper;
}
/**
 * Human output. A task's results are printed once every host has gone past the task, grouped: hosts with
 * the same outcome share one line (host[1:20]), a diff that is the same on several hosts prints once, and
 * a diff that differs only in a host's own values prints only those lines. On a terminal, live status
 * lines per running task.
 */
export class ConsoleReporter implements Reporter {
  private readonly c: Palette;
  private readonly out: (text: string) => void;
  private readonly progress = new Map<string, TaskProgress>();
  private readonly timings = new Map<string, number>();
  private ticker?: NodeJS.Timeout;
  /** Task keys in the order hosts first started them in the current play. */
  private readonly order = new Map<string, number>();
  /** Per host, the order index of the last task it started. */
  private readonly reached = new Map<string, number>();
  private readonly pending: Pending[] = [];
  private active: string[] = [];
  /** How many of `active`, from the start, are known to have gone past the first pending task. */
  private passedHead = 0;
  private readonly stopped = new Set<string>();
  private emptyPlays: string[] = [];
  private hostsSeen = false;

  constructor(private readonly options: ConsoleOptions) {
    this.c = palette(options.color);
    this.out = options.out ?? ((t) => process.stdout.write(`${t}\n`));
    if (options.live) this.ticker = setInterval(() => this.redraw(), 200).unref();
  }

  private print(text: string): void {
    this.options.live?.clear();
    this.out(text);
    this.redraw();
  }

  private redraw(): void {
    const live = this.options.live;
    if (!live) return;
    const lines = [...this.progress.values()]
      .filter((p) => p.running.size > 0)
      .map(
        (p) =>
          `${this.c.cyan('⟳')} ${p.name}  ${this.c.dim(`done ${p.done}/${p.total}`)} ${this.c.yellow(`changed ${p.changed}`)} ${this.c.red(`failed ${p.failed}`)} ${this.c.dim(`running ${p.running.size}  ${((Date.now() - p.started) / 1000).toFixed(1)}s`)}`,
      );
    live(lines.join('\n'));
  }

  /** Plays that had no host to run on, printed as one line (after a failure, every later play has none). */
  private flushEmptyPlays(): void {
    const plays = this.emptyPlays;
    if (plays.length === 0) return;
    this.emptyPlays = [];
    const why = this.hostsSeen ? 'no host left' : 'no hosts matched';
    if (plays.length === 1)
      this.print(`${this.c.bold(`PLAY [${plays[0]}] ${'*'.repeat(40)}`)}\n${this.c.dim(`skipping: ${why}`)}`);
    else this.print(this.c.dim(`skipping ${plays.length} plays (${why}): ${plays[0]} ... ${plays[plays.length - 1]}`));
  }

  /** Prints, in task order, every held task all hosts have gone past (all of them when `all`). */
  private flush(all: boolean): void {
    while (this.pending.length > 0) {
      const head = this.pending[0] as Pending;
      if (!all && this.waitingFor(head)) return;
      this.pending.shift();
      this.passedHead = 0;
      this.printTask(head.results.list());
    }
  }

  /**
   * Whether a host of the play has yet to go past `head`. Hosts only move on (or stop), so those already
   * seen past the head stay past it: each call resumes where the last stopped, instead of scanning the whole
   * fleet at every event (which made a task's events cost O(fleet^2)).
   */
  private waitingFor(head: Pending): boolean {
    while (this.passedHead < this.active.length) {
      const h = this.active[this.passedHead] as string;
      if (!this.stopped.has(h) && (this.reached.get(h) ?? -1) <= head.index) return true;
      this.passedHead++;
    }
    return false;
  }

  emit(event: EngineEvent): void {
    const e = hostTextMadeSafe(event);
    const c = this.c;
    switch (e.type) {
      case 'play_start':
        this.flush(true);
        this.order.clear();
        this.reached.clear();
        this.stopped.clear();
        this.active = e.hosts;
        this.passedHead = 0;
        if (e.hosts.length === 0) {
          this.emptyPlays.push(e.play);
          break;
        }
        this.flushEmptyPlays();
        this.hostsSeen = true;
        this.print(c.bold(`PLAY [${e.play}]${e.check ? ' (check mode: nothing will change)' : ''} ${'*'.repeat(40)}`));
        break;
      case 'batch_start':
        this.flush(true);
        this.active = e.hosts;
        this.passedHead = 0;
        this.print(c.dim(`-- batch ${e.batch}: ${e.hosts.join(', ')}`));
        break;
      case 'hosts_not_started':
        this.print(c.red(`NOT STARTED: ${e.hosts.join(', ')} (${e.reason})`));
        break;
      case 'warning':
        this.print(c.magenta(`[WARNING]${e.host ? ` ${e.host}:` : ''} ${e.msg}`));
        break;
      case 'task_start': {
        const key = `${e.play}\u0000${e.handler ? 'H' : 'T'}\u0000${e.task}`;
        let index = this.order.get(key);
        if (index === undefined) {
          index = this.order.size;
          this.order.set(key, index);
          this.pending.push({ key, index, results: this.grouper() });
        }
        this.reached.set(e.host, Math.max(index, this.reached.get(e.host) ?? -1));
        let p = this.progress.get(key);
        if (!p) {
          const total = this.active.filter((h) => !this.stopped.has(h)).length;
          p = { name: e.task, started: Date.now(), running: new Set(), done: 0, total, changed: 0, failed: 0 };
          this.progress.set(key, p);
        }
        p.running.add(e.host);
        this.flush(false);
        break;
      }
      case 'task_result': {
        const key = `${e.play}\u0000${e.handler ? 'H' : 'T'}\u0000${e.task}`;
        const p = this.progress.get(key);
        if (p?.running.delete(e.host)) {
          p.done++;
          if (e.status === 'changed') p.changed++;
          if (e.status === 'failed' || e.status === 'unreachable') p.failed++;
        }
        if (e.status === 'unreachable' || (e.status === 'failed' && !e.ignored)) this.stopped.add(e.host);
        this.timings.set(e.task, (this.timings.get(e.task) ?? 0) + e.durationMs);
        const held = this.pending.find((t) => t.key === key);
        if (held) held.results.add(this.held(e));
        else this.printTask(this.grouped([e]));
        this.flush(false);
        this.redraw();
        break;
      }
      case 'recap': {
        this.flush(true);
        this.flushEmptyPlays();
        if (this.options.live) {
          this.progress.clear();
          this.options.live.clear();
        }
        let text = `\n${formatRecap(e.stats, e.notStarted, c)}\n${formatTotals(e.stats, c)}`;
        if (e.interrupted) {
          text += `\n${c.red('Interrupted: no new tasks were started.')}`;
          text += `\n${this.options.resumeHint ?? 'To resume, run the same command again: tasks already done report ok and change nothing.'}`;
        }
        if (this.options.profile) {
          const rows = [...this.timings.entries()].sort((a, b) => b[1] - a[1]);
          text += `\n\n${c.bold('TASK TIMES (sum over hosts)')}\n${rows.map(([t, ms]) => `${(ms / 1000).toFixed(2).padStart(8)}s  ${t}`).join('\n')}`;
        }
        text += `\n${c.dim(`elapsed ${(e.durationMs / 1000).toFixed(2)}s`)}`;
        this.out(text);
        break;
      }
    }
  }

  /**
   * A line about one host from outside the task flow (-vvv connection details, -vvvv protocol debug), printed at
   * once as ansible-playbook prints its `<host>` lines. What a host sent is made terminal-safe.
   */
  note(host: string, text: string): void {
    this.print(this.c.dim(`<${host}> ${terminalSafe(text)}`));
  }

  /**
   * What a result waiting for the rest of the fleet keeps: only what its line will show. A task's results wait
   * until every host of the play has gone past it, so a fleet's worth of them is held at once; the item
   * (a whole registered result, in a loop over one) becomes its label, output unprinted at this verbosity goes.
   */
  private held(e: TaskResult): TaskResult {
    const slim: TaskResult = { ...e };
    if (e.item !== undefined) {
      slim.label = e.label ?? defaultLoopLabel(e.item);
      slim.item = undefined;
    }
    if (this.options.verbosity === 0) {
      slim.stdout = undefined;
      slim.stderr = undefined;
    }
    return slim;
  }

  /** Whether a result prints at all at this verbosity (on a terminal, ok and skipped wait for -v). */
  private quiet(e: TaskResult): boolean {
    return (
      !!this.options.live && this.options.verbosity === 0 && ((e.status === 'ok' && !e.shown) || e.status === 'skipped')
    );
  }

  /** What one result prints after "status: [hosts] ": its line, its diff's lines, and the lines below. */
  private parts(e: TaskResult): { head: string; diff: string[]; below: string[] } {
    const v = this.options.verbosity;
    if (e.status === 'skipped' && v === 0) return { head: e.task, diff: [], below: [] };
    const label = e.label ?? (e.item === undefined ? undefined : defaultLoopLabel(e.item));
    const item = label !== undefined ? ` (item=${label})` : '';
    // A message is printed as the task wrote it ("host1: ..." included): scripts and users grep for it.
    const msg = e.msg && (e.status !== 'ok' || e.shown || v > 0) ? ` => ${e.msg}` : '';
    const below: string[] = [];
    if (e.commands?.length && (e.status === 'changed' || v > 0)) below.push(...e.commands.map((cmd) => `    $ ${cmd}`));
    if (v > 0 && e.stdout) below.push(...e.stdout.split('\n').map((l) => `    | ${l}`));
    if (v > 0 && e.stderr) below.push(...e.stderr.split('\n').map((l) => `    ! ${l}`));
    return {
      head: `${e.handler ? 'HANDLER ' : ''}${e.task}${item}${msg}`,
      diff: e.diff ? e.diff.trimEnd().split('\n') : [],
      below,
    };
  }

  private statusOf(e: TaskResult): string {
    return e.ignored ? 'failed (ignored)' : e.status === 'skipped' ? 'skipping' : e.status;
  }

  private colourOf(e: TaskResult): (text: string) => string {
    const c = this.c;
    return { ok: c.green, changed: c.yellow, skipped: c.cyan, failed: c.red, unreachable: c.red }[e.status];
  }

  /** A task's results grouped by what they print; quiet ones print nothing and are not held. */
  private grouper(): ResultGrouper {
    return new ResultGrouper((r) => (this.quiet(r) ? undefined : JSON.stringify([this.statusOf(r), this.parts(r)])));
  }

  private grouped(results: readonly TaskResult[]): ResultGroup[] {
    const grouper = this.grouper();
    for (const r of results) grouper.add(r);
    return grouper.list();
  }

  private printTask(groups: readonly ResultGroup[]): void {
    // The groups of one task with one status: printed together, as one template when they line up.
    const families = new Map<string, ResultGroup[]>();
    for (const g of groups) {
      const key = `${this.statusOf(g.result)}\u0000${g.result.task}`;
      families.set(key, [...(families.get(key) ?? []), g]);
    }
    const lines: string[] = [];
    for (const family of families.values())
      for (const cluster of this.clusters(family)) lines.push(...(this.asTemplate(cluster) ?? this.oneByOne(cluster)));
    const first = groups[0]?.result;
    const path =
      first && this.options.verbosity >= 2 ? this.options.taskPath?.(first.play, first.task, first.handler) : undefined;
    if (lines.length && path) lines.unshift(this.c.dim(`task path: ${path}`));
    if (lines.length) this.print(lines.join('\n'));
  }

  /**
   * The family split into clusters whose texts line up word for word (Debian hosts and RHEL hosts write
   * different files for one task): each cluster prints as one template. Greedy, in the family's order.
   */
  private clusters(family: ResultGroup[]): ResultGroup[][] {
    const text = (g: ResultGroup) => {
      const p = this.parts(g.result);
      return [p.head, ...p.diff, ...p.below].join('\n');
    };
    const clusters: { groups: ResultGroup[]; texts: TemplateCluster }[] = [];
    for (const g of family) {
      const t = text(g);
      const home = clusters.find((c) => c.texts.add(t));
      if (home) home.groups.push(g);
      else {
        const texts = new TemplateCluster();
        texts.add(t);
        clusters.push({ groups: [g], texts });
      }
    }
    return clusters.map((c) => c.groups);
  }

  /** Several hosts' results that differ only in a few words: the text once, then a line per host's words. */
  private asTemplate(family: ResultGroup[]): string[] | undefined {
    // A few hosts read better as whole texts (the later ones as their differing lines); a template pays from six.
    if (new Set(family.flatMap((g) => g.hosts)).size < MIN_TEMPLATE_HOSTS) return undefined;
    const c = this.c;
    const parts = family.map((g) => this.parts(g.result));
    const t = templateOf(parts.map((p) => [p.head, ...p.diff, ...p.below].join('\n')));
    if (!t) return undefined;
    const e = (family[0] as ResultGroup).result;
    const diffLines = (parts[0] as (typeof parts)[number]).diff.length;
    const [head, ...rest] = t.template.split('\n');
    const hosts = hostList([...new Set(family.flatMap((g) => g.hosts))].sort(naturalOrder));
    const out = [this.colourOf(e)(`${this.statusOf(e)}: [${hosts}] ${head}`)];
    if (diffLines) out.push(colorDiff(rest.slice(0, diffLines).join('\n'), c));
    out.push(...rest.slice(diffLines).map((l) => c.dim(l)));
    const slots = (t.values[0] as string[]).map((_, i) => `«${i + 1}»`).join(' ');
    out.push(c.dim(`    ${slots} stand for:`));
    // Several hosts to a line (as many as fit in VALUES_WIDTH): fifty hosts' values take a dozen lines, not fifty.
    let line = '';
    for (const [i, g] of family.entries()) {
      const entry = `[${hostList(g.hosts)}] ${(t.values[i] as string[]).join(' ')}`;
      if (line && line.length + 3 + entry.length > VALUES_WIDTH) {
        out.push(c.dim(`      ${line}`));
        line = entry;
      } else line = line ? `${line} | ${entry}` : entry;
    }
    if (line) out.push(c.dim(`      ${line}`));
    return out;
  }

  /** Each group in full, except a diff of the same shape as the task's first: only its own lines. */
  private oneByOne(family: ResultGroup[]): string[] {
    const c = this.c;
    let reference: { diff: string; hosts: string } | undefined;
    const out: string[] = [];
    for (const { hosts, result: e } of family) {
      const { head, diff, below } = this.parts(e);
      out.push(this.colourOf(e)(`${this.statusOf(e)}: [${hostList(hosts)}] ${head}`));
      if (diff.length) {
        const exceptions = reference === undefined ? undefined : diffExceptions(reference.diff, diff.join('\n'));
        if (reference !== undefined && exceptions !== undefined)
          out.push(
            c.dim(`    diff as for [${reference.hosts}] except these lines:`),
            colorDiff(exceptions.join('\n'), c),
          );
        else out.push(colorDiff(diff.join('\n'), c));
        reference ??= { diff: diff.join('\n'), hosts: hostList(hosts) };
      }
      out.push(...below.map((l) => c.dim(l)));
    }
    return out;
  }

  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.options.live?.done();
  }
}
