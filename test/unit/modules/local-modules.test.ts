import { describe, expect, test } from 'vitest';
import { assert } from '../../../src/modules/assert.js';
import { debug } from '../../../src/modules/debug.js';
import { fail } from '../../../src/modules/fail.js';
import { setFact } from '../../../src/modules/set-fact.js';
import { ExpressionError } from '../../../src/template/expression.js';
import { planWith } from './fake-context.js';

// assert, set_fact, fail and debug only evaluate: they never read the host, let alone write to it.
const vars = {
  sessions: { stdout_lines: ['s1', 's2', 's3', 's4'] },
  ipoib_interfaces: ['ib0'],
  inventory_hostname: 'h1',
};

describe('assert.plan', () => {
  test.each<{ name: string; args: Record<string, unknown>; failed?: string; noop?: string }>([
    {
      name: 'all hold',
      args: { that: ['sessions.stdout_lines | length == 4', 'ipoib_interfaces is defined'] },
      noop: 'all assertions passed',
    },
    { name: 'success_msg', args: { that: ['true'], success_msg: 'four sessions' }, noop: 'four sessions' },
    {
      name: 'first failing one is named',
      args: { that: ['true', 'ipoib_interfaces | length >= 2', 'false'] },
      failed: 'assertion failed: ipoib_interfaces | length >= 2',
    },
    {
      name: 'fail_msg replaces the default',
      args: { that: ['false'], fail_msg: 'expected one session per portal' },
      failed: 'expected one session per portal',
    },
    { name: 'msg is an alias of fail_msg', args: { that: ['false'], msg: 'via alias' }, failed: 'via alias' },
    {
      name: 'a single string is one condition',
      args: { that: 'sessions.stdout_lines | length == 3' },
      failed: 'assertion failed: sessions.stdout_lines | length == 3',
    },
  ])('$name', async ({ args, failed, noop }) => {
    const plan = await planWith(assert, args, {}, { vars });
    expect(plan.changes).toEqual([]);
    expect(plan.failed).toBe(failed);
    if (noop) expect(plan.noop).toBe(noop);
    expect(plan.conn.reads).toEqual([]);
    expect(plan.conn.fileReads).toEqual([]);
  });

  test('an undefined variable is an error naming it, not a silent pass', async () => {
    await expect(planWith(assert, { that: ['missing_var == 1'] }, {}, { vars })).rejects.toThrow(ExpressionError);
    await expect(planWith(assert, { that: ['missing_var == 1'] }, {}, { vars })).rejects.toThrow('missing_var');
  });
});

describe('set_fact.plan', () => {
  test('returns its arguments as ansible_facts', async () => {
    const plan = await planWith(setFact, { opensm_guids: ['0x1', '0x2'], n: 3 });
    expect(plan.changes).toEqual([]);
    expect(plan.result).toEqual({ ansible_facts: { opensm_guids: ['0x1', '0x2'], n: 3 } });
    expect(plan.noop).toBe('set opensm_guids, n');
  });
});

describe('fail.plan', () => {
  test('fails with msg, or a default', async () => {
    expect((await planWith(fail, { msg: 'ipoib_interfaces must list ib0 and ib1' })).failed).toBe(
      'ipoib_interfaces must list ib0 and ib1',
    );
    expect((await planWith(fail, {})).failed).toBe('Failed as requested from task');
  });
});

describe('debug.plan', () => {
  test.each<{ args: Record<string, unknown>; noop: string; msg: unknown }>([
    { args: { msg: 'map the volume to host h1' }, noop: 'map the volume to host h1', msg: 'map the volume to host h1' },
    { args: { msg: ['a', 1] }, noop: '["a",1]', msg: ['a', 1] },
    { args: { var: 'ipoib_interfaces' }, noop: '{"ipoib_interfaces":["ib0"]}', msg: { ipoib_interfaces: ['ib0'] } },
    { args: { var: 'nope' }, noop: '{"nope":"(undefined)"}', msg: { nope: '(undefined)' } },
    { args: {}, noop: 'Hello world!', msg: 'Hello world!' },
  ])('$args', async ({ args, noop, msg }) => {
    const plan = await planWith(debug, args, {}, { vars });
    expect(plan.changes).toEqual([]);
    expect(plan.noop).toBe(noop);
    expect(plan.result).toEqual({ msg });
  });
});

describe('local modules are marked local', () => {
  test.each([assert, setFact, fail, debug])('$name', (m) => {
    expect(m.local).toBe(true);
  });
});
