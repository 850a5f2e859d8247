import type { EngineEvent, Reporter } from '../engine/events.js';
import { colorDiff, type Palette, palette } from './colors.js';
import { formatRecap } from './recap.js';
import { terminalSafe } from './terminal-text.js';

export interface ConsoleOptions {
  verbosity: number;
  /**
   * Redraws status lines in place on a terminal (log-update, loaded only then); without it, plain lines
   * for CI and pipes.
   */
  live?: LiveArea;
  color: boolean;
  profile: boolean;
  out?: (text: string) => void;
}

/** The part of log-update the reporter uses. */
export interface LiveArea {
  (text: string): void;
  clear(): void;
  done(): void;
}

interface TaskProgress {
  name: string;
  started: number;
  running: Set<string>;
  done: number;
  changed: number;
  failed: number;
}

/** Human output: a line per task per host, diffs, commands; on a terminal, live status lines per running task. */
/** What a host may have written (output, diffs, messages, items) without its terminal escapes. */
function hostTextMadeSafe(e: EngineEvent): EngineEvent {
  const safe = (t: string | undefined) => (t === undefined ? t : terminalSafe(t));
  if (e.type === 'warning') return { ...e, msg: terminalSafe(e.msg) };
  if (e.type === 'hosts_not_started') return { ...e, reason: terminalSafe(e.reason) };
  if (e.type !== 'task_result') return e;
  return {
    ...e,
    task: terminalSafe(e.task),
    msg: safe(e.msg),
    diff: safe(e.diff),
    stdout: safe(e.stdout),
    stderr: safe(e.stderr),
    commands: e.commands?.map(terminalSafe),
    item:
      typeof e.item === 'string'
        ? terminalSafe(e.item)
        : e.item === undefined
          ? undefined
          : JSON.parse(terminalSafe(JSON.stringify(e.item))),
  };
}

export class ConsoleReporter implements Reporter {
  private readonly c: Palette;
  private readonly out: (text: string) => void;
  private readonly progress = new Map<string, TaskProgress>();
  private readonly timings = new Map<string, number>();
  private ticker?: NodeJS.Timeout;

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
          `${this.c.cyan('⟳')} ${p.name}  ${this.c.dim(`done ${p.done}`)} ${this.c.yellow(`changed ${p.changed}`)} ${this.c.red(`failed ${p.failed}`)} ${this.c.dim(`running ${p.running.size}  ${((Date.now() - p.started) / 1000).toFixed(1)}s`)}`,
      );
    live(lines.join('\n'));
  }

  emit(event: EngineEvent): void {
    const e = hostTextMadeSafe(event);
    const c = this.c;
    switch (e.type) {
      case 'play_start':
        this.print(
          c.bold(`PLAY [${e.play}]${e.check ? ' (check mode: nothing will change)' : ''} ${'*'.repeat(40)}`) +
            (e.hosts.length ? '' : `\n${c.dim('skipping: no hosts matched')}`),
        );
        break;
      case 'batch_start':
        this.print(c.dim(`-- batch ${e.batch}: ${e.hosts.join(', ')}`));
        break;
      case 'hosts_not_started':
        this.print(c.red(`NOT STARTED: ${e.hosts.join(', ')} (${e.reason})`));
        break;
      case 'warning':
        this.print(c.magenta(`[WARNING]${e.host ? ` ${e.host}:` : ''} ${e.msg}`));
        break;
      case 'task_start': {
        const key = `${e.play}\u0000${e.task}`;
        let p = this.progress.get(key);
        if (!p) {
          p = { name: e.task, started: Date.now(), running: new Set(), done: 0, changed: 0, failed: 0 };
          this.progress.set(key, p);
        }
        p.running.add(e.host);
        break;
      }
      case 'task_result': {
        const p = this.progress.get(`${e.play}\u0000${e.task}`);
        if (p) {
          p.running.delete(e.host);
          p.done++;
          if (e.status === 'changed') p.changed++;
          if (e.status === 'failed' || e.status === 'unreachable') p.failed++;
        }
        this.timings.set(e.task, (this.timings.get(e.task) ?? 0) + e.durationMs);
        const colour = { ok: c.green, changed: c.yellow, skipped: c.cyan, failed: c.red, unreachable: c.red }[e.status];
        const quiet =
          this.options.live &&
          this.options.verbosity === 0 &&
          ((e.status === 'ok' && !e.shown) || e.status === 'skipped');
        if (quiet) break;
        if (e.status === 'skipped' && this.options.verbosity === 0) {
          this.print(colour(`skipping: [${e.host}] ${e.task}`));
          break;
        }
        const label = e.ignored ? 'failed (ignored)' : e.status;
        const item =
          e.item !== undefined ? ` (item=${typeof e.item === 'string' ? e.item : JSON.stringify(e.item)})` : '';
        const msg = e.msg && (e.status !== 'ok' || e.shown || this.options.verbosity > 0) ? ` => ${e.msg}` : '';
        let text = colour(`${label}: [${e.host}] ${e.handler ? 'HANDLER ' : ''}${e.task}${item}${msg}`);
        if (e.diff) text += `\n${colorDiff(e.diff.trimEnd(), c)}`;
        if (e.commands?.length && (e.status === 'changed' || this.options.verbosity > 0))
          text += `\n${e.commands.map((cmd) => c.dim(`    $ ${cmd}`)).join('\n')}`;
        if (this.options.verbosity > 0 && (e.stdout || e.stderr)) {
          if (e.stdout) text += `\n${c.dim(e.stdout.replace(/^/gm, '    | '))}`;
          if (e.stderr) text += `\n${c.dim(e.stderr.replace(/^/gm, '    ! '))}`;
        }
        this.print(text);
        break;
      }
      case 'recap': {
        if (this.options.live) {
          this.progress.clear();
          this.options.live.clear();
        }
        let text = `\n${formatRecap(e.stats, e.notStarted, c)}`;
        if (e.interrupted) text += `\n${c.red('Interrupted: no new tasks were started.')}`;
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

  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.options.live?.done();
  }
}
