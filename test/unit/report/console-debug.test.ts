import { describe, expect, test } from 'vitest';
import type { EngineEvent } from '../../../src/engine/events.js';
import { ConsoleReporter } from '../../../src/report/console.js';

/** What the reporter prints for one ok task result at verbosity 0. */
function printed(extra: Partial<Extract<EngineEvent, { type: 'task_result' }>>): string[] {
  const lines: string[] = [];
  const r = new ConsoleReporter({ verbosity: 0, color: false, profile: false, out: (t) => lines.push(t) });
  r.emit({
    type: 'task_result',
    play: 'p',
    task: 't',
    host: 'h1',
    status: 'ok',
    handler: false,
    durationMs: 1,
    ...extra,
  });
  r.close();
  return lines;
}

describe('ok results at verbosity 0', () => {
  test("a debug message (shown) is printed, as Ansible's debug is", () => {
    expect(printed({ msg: 'h1: Method 2 (manual node records): why', shown: true })).toEqual([
      'ok: [h1] t => h1: Method 2 (manual node records): why',
    ]);
  });
  test("any other ok result's message waits for -v", () => {
    expect(printed({ msg: 'record and session are as wanted' })).toEqual(['ok: [h1] t']);
  });
});
