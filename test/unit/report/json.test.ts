import { describe, expect, test } from 'vitest';
import { emptyStats } from '../../../src/engine/events.js';
import { JSON_SCHEMA_VERSION, JsonReporter, JsonStream } from '../../../src/report/json.js';

function stream(): { lines: Record<string, unknown>[]; reporter: JsonReporter } {
  const lines: Record<string, unknown>[] = [];
  return { lines, reporter: new JsonReporter(new JsonStream((l) => lines.push(JSON.parse(l)))) };
}

describe('--json events', () => {
  test('-vvv/-vvvv connection lines are log events, in the stream order, after the start event', () => {
    const { lines, reporter } = stream();
    reporter.note('h1', 'ESTABLISH SSH CONNECTION FOR USER: root to 10.0.0.1 port 22');
    expect(lines.map(({ time: _, ...rest }) => rest)).toEqual([
      { type: 'start', schema_version: JSON_SCHEMA_VERSION },
      { type: 'log', host: 'h1', msg: 'ESTABLISH SSH CONNECTION FOR USER: root to 10.0.0.1 port 22' },
    ]);
  });
  test('the first event names the schema version; an unreachable host is its own event; the recap has the exit code', () => {
    const { lines, reporter } = stream();
    reporter.emit({ type: 'play_start', play: 'p', hosts: ['h1', 'h2'], check: false });
    reporter.emit({
      type: 'task_result',
      play: 'p',
      task: 't',
      host: 'h2',
      status: 'unreachable',
      handler: false,
      msg: 'h2: connection refused',
      durationMs: 3,
    });
    reporter.emit({
      type: 'recap',
      stats: { h1: emptyStats(), h2: { ...emptyStats(), unreachable: 1 } },
      notStarted: {},
      durationMs: 9,
      interrupted: false,
    });
    expect(lines.map((l) => l.type)).toEqual(['start', 'play_start', 'unreachable']);
    reporter.finish(3);
    reporter.close();
    expect(lines[0]).toMatchObject({ type: 'start', schema_version: JSON_SCHEMA_VERSION });
    expect(lines[2]).toMatchObject({ type: 'unreachable', host: 'h2', task: 't', msg: 'h2: connection refused' });
    expect(lines[2]).not.toHaveProperty('status');
    expect(lines.at(-1)).toMatchObject({ type: 'recap', exit_code: 3, stats: { h2: { unreachable: 1 } } });
    expect(lines).toHaveLength(4);
  });

  test('a stream that only reports an error still starts with the schema version', () => {
    const lines: Record<string, unknown>[] = [];
    const s = new JsonStream((l) => lines.push(JSON.parse(l)));
    s.event({ type: 'error', kind: 'config', msg: 'x', exit_code: 4 });
    expect(lines.map((l) => l.type)).toEqual(['start', 'error']);
  });
});
