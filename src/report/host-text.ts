import type { EngineEvent } from '../engine/events.js';
import { terminalSafe } from './terminal-text.js';

/** What a host may have written (output, diffs, messages, items) without its terminal escapes. */
export function hostTextMadeSafe(e: EngineEvent): EngineEvent {
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
