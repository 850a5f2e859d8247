/** What the engine tells its reporters. Reporters consume these; they hold no engine logic. */
export type TaskStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  /** Failures a block's rescue handled: the host went on (Ansible's recap counts them apart). */
  rescued: number;
  ignored: number;
}

export type EngineEvent =
  | { type: 'play_start'; play: string; hosts: string[]; check: boolean }
  | { type: 'batch_start'; play: string; batch: number; hosts: string[] }
  | { type: 'task_start'; play: string; task: string; host: string; handler: boolean }
  | {
      type: 'task_result';
      play: string;
      task: string;
      host: string;
      status: TaskStatus;
      handler: boolean;
      item?: unknown;
      /** loop_control.label rendered for this item: what the line shows instead of the item. */
      label?: string;
      /** One line: why nothing changed, what changed, or the failure. */
      msg?: string;
      /** A message the play means to print at every verbosity (debug's msg, as in Ansible). */
      shown?: boolean;
      /** Unified diff (only with --diff, never for no_log tasks). */
      diff?: string;
      /** The commands the change ran, or would run under --check. */
      commands?: string[];
      /** Command output for -v. */
      stdout?: string;
      stderr?: string;
      rc?: number;
      ignored?: boolean;
      durationMs: number;
    }
  | { type: 'hosts_not_started'; play: string; hosts: string[]; reason: string }
  | { type: 'warning'; msg: string; host?: string }
  | {
      type: 'recap';
      stats: Record<string, HostStats>;
      notStarted: Record<string, string>;
      durationMs: number;
      interrupted: boolean;
    };

export interface Reporter {
  emit(event: EngineEvent): void;
  /** Called once at the end, after the recap (flush, restore the terminal). */
  close?(): void;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
