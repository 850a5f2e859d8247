import { describe, expect, test } from 'vitest';
import {
  checkExpression,
  ExpressionError,
  evaluateCondition,
  evaluateExpression,
  truthy,
} from '../../../src/template/expression.js';

const vars = {
  rc: 15,
  result: { rc: 0, stdout: 'iqn.1992-08.com.netapp:5700.600a098000af', stderr: 'already present', changed: true },
  skipped_result: { skipped: true, changed: false },
  failed_result: { failed: true },
  sessions: { stdout_lines: ['a', 'b', 'c', 'd'], stdout: '' },
  item: { fstype: 'xfs', name: 'data' },
  iser_luns: [{ lun: 1 }, { lun: 2 }],
  ansible_check_mode: false,
  empty: '',
  zero: 0,
  nothing: null,
  count: '12',
  mapping: { ib0: '192.168.130.11/24', ib1: '192.168.131.11/24' },
  ports: ['ib0', 'ib1'],
};

describe('evaluateExpression: values', () => {
  test.each([
    ['15', 15],
    ['1.5', 1.5],
    ["'text'", 'text'],
    ['"it\'s"', "it's"],
    ["'a\\'b'", "a'b"],
    ['true', true],
    ['False', false],
    ['none', null],
    ['null', null],
    ['[1, 2, 3]', [1, 2, 3]],
    ['[]', []],
    ['rc', 15],
    ['result.rc', 0],
    ["result['stderr']", 'already present'],
    ['ports[1]', 'ib1'],
    ['ports.0', 'ib0'],
    ['iser_luns[1].lun', 2],
    ['mapping[ports[0]]', '192.168.130.11/24'],
    ['-rc', -15],
    ['rc + 1', 16],
    ['rc - 5', 10],
    ["'a' + 'b'", 'ab'],
    ['(1 + 2) - 3', 0],
    ['nothing', null],
  ])('%s', (src, expected) => {
    expect(evaluateExpression(src, vars)).toEqual(expected);
  });
});

describe('evaluateExpression: comparisons and logic', () => {
  test.each([
    ['rc == 15', true],
    ['rc != 15', false],
    ['rc < 16', true],
    ['rc > 16', false],
    ['rc <= 15', true],
    ['rc >= 16', false],
    ["'3' == 3", false],
    ['1 == 1.0', true],
    ['nothing == none', true],
    ["ports == ['ib0', 'ib1']", true],
    ["rc == 15 or 'already present' in result.stderr", true],
    ["rc == 0 or 'already present' in result.stderr", true],
    ["rc == 0 or 'missing' in result.stderr", false],
    ['rc == 15 and result.rc == 0', true],
    ['rc == 15 and result.rc == 1', false],
    ['not ansible_check_mode', true],
    ['not not ansible_check_mode', false],
    ['ansible_check_mode and not (sessions.stdout | length > 0)', false],
    ['not ansible_check_mode and not (sessions.stdout | length > 0)', true],
    // Precedence: `not` binds tighter than `or`, `and` tighter than `or`.
    ['not true or true', true],
    ['true or false and false', true],
    ['(true or false) and false', false],
    ["item.fstype in ['ext4', 'xfs']", true],
    ["item.fstype not in ['ext4', 'xfs']", false],
    ["'btrfs' not in ['ext4', 'xfs']", true],
    ["'netapp' in result.stdout", true],
    ["'ib0' in mapping", true],
    ["'ib2' in mapping", false],
    ['2 in [1, 2]', true],
    ["'2' in [1, 2]", false],
  ])('%s -> %s', (src, expected) => {
    expect(evaluateExpression(src, vars)).toBe(expected);
  });

  test('and/or short-circuit: the right side is not evaluated (so an undefined one is fine)', () => {
    expect(evaluateExpression('x is defined and x.y == 1', {})).toBe(false);
    expect(evaluateExpression('x is not defined or x.y == 1', {})).toBe(true);
  });

  test("'in' with a number on its right is an error", () => {
    expect(() => evaluateExpression('1 in 5', {})).toThrow(/'in' needs a string, list or mapping/);
  });
});

describe('evaluateExpression: tests', () => {
  test.each([
    ['x is defined', false],
    ['x is not defined', true],
    ['x is undefined', true],
    ['rc is defined', true],
    ['result.nope is defined', false],
    ['result.nope.deeper is not defined', true],
    ['nothing is defined', true],
    ['nothing is none', true],
    ['result is changed', true],
    ['result is not changed', false],
    ['skipped_result is changed', false],
    ['skipped_result is skipped', true],
    ['failed_result is failed', true],
    ['failed_result is succeeded', false],
    ['result is success', true],
    ['rc is number', true],
    ['result.stdout is string', true],
    ["result.stdout is match('iqn\\\\.')", true],
    ["result.stdout is match('netapp')", false],
    ["result.stdout is search('netapp')", true],
    ['ansible_check_mode is false', true],
    ["iser_luns is defined and item.fstype in ['ext4', 'xfs']", true],
  ])('%s -> %s', (src, expected) => {
    expect(evaluateExpression(src, vars)).toBe(expected);
  });

  test('unknown test names the known ones', () => {
    // Refused when parsed (at load), with the closest known test.
    expect(() => checkExpression('rc is chnaged')).toThrow(
      /unknown test 'chnaged' \(did you mean 'changed'\?\); tests: defined, undefined, .*changed/,
    );
  });
});

describe('evaluateExpression: filters', () => {
  test.each([
    ['sessions.stdout_lines | length', 4],
    ['sessions.stdout_lines | length == 4', true],
    ['sessions.stdout | length', 0],
    ['mapping | length', 2],
    ['result.stdout | count > 10', true],
    ['x | default(3)', 3],
    ['x | d(3)', 3],
    ["result.missing | default('none')", 'none'],
    ['rc | default(3)', 15],
    // Jinja: an empty (but defined) value is kept unless the second argument is true.
    ['empty | default(3)', ''],
    ['empty | default(3, true)', 3],
    ['zero | default(3, true)', 3],
    ['count | int', 12],
    ["'5' | int + 1", 6],
    ["'abc' | int", 0],
    ["'2.5' | float", 2.5],
    ["'Xfs' | lower", 'xfs'],
    ["'xfs' | upper", 'XFS'],
    ["'  a  ' | trim", 'a'],
    ["'yes' | bool", true],
    ['ports | first', 'ib0'],
    ['ports | last', 'ib1'],
    ["ports | join(',')", 'ib0,ib1'],
    ["'a b' | split", ['a', 'b']],
    ["'a\nb\n' | lines", ['a', 'b']],
    ['rc | string', '15'],
    ['x | default([]) | length', 0],
  ])('%s', (src, expected) => {
    expect(evaluateExpression(src, vars)).toEqual(expected);
  });

  test('unknown filter names the known ones', () => {
    expect(() => checkExpression('rc | frobnicate')).toThrow(
      /unknown filter 'frobnicate'; filters: default, d, length/,
    );
    expect(() => checkExpression("pkgs | jion(',')")).toThrow(/unknown filter 'jion' \(did you mean 'join'\?\)/);
  });

  test('length of a number is an error', () => {
    expect(() => evaluateExpression('rc | length', vars)).toThrow(ExpressionError);
  });
});

describe('evaluateExpression: undefined variables', () => {
  test.each([
    ['missing', 'missing'],
    ['missing == 1', 'missing'],
    ['missing.field', 'missing.field'],
    ['result.nope', 'result.nope'],
    ['result.nope == 1', 'result.nope'],
    ["result['nope']", 'result.nope'],
    ['iser_luns[5]', 'iser_luns.5'],
    ['iser_luns[0].size', 'iser_luns.0.size'],
    ['not missing', 'missing'],
    ['missing | length', 'missing'],
    ['missing | lower', 'missing'],
    ["'a' in missing", 'missing'],
    ['[1, missing]', 'missing'],
    ['rc == 15 and missing', 'missing'],
    ['x | default(missing)', 'missing'],
  ])('%s names %s', (src, name) => {
    let caught: unknown;
    try {
      evaluateExpression(src, vars);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect((caught as Error).message).toBe(`undefined variable: ${name}`);
  });

  test('a key holding undefined counts as undefined', () => {
    expect(evaluateExpression('x.y is defined', { x: { y: undefined } })).toBe(false);
  });
});

describe('evaluateExpression: no eval, no prototype access', () => {
  const probes = [
    'process',
    'process.env',
    'globalThis',
    'constructor',
    '__proto__',
    'toString',
    'result.constructor',
    'result.__proto__',
    "result['constructor']",
    "result['__proto__']",
    'result.toString',
    'result.hasOwnProperty',
    'ports.constructor',
    'ports.map',
    'result.constructor.constructor',
    "result['constructor']['constructor']",
  ];
  test.each(probes)('%s is undefined', (src) => {
    expect(() => evaluateExpression(src, vars)).toThrow(ExpressionError);
    expect(evaluateExpression(`${src} is defined`, vars)).toBe(false);
  });

  test.each(probes)('%s | default(0) is 0', (src) => {
    expect(evaluateExpression(`${src} | default(0)`, vars)).toBe(0);
  });

  test.each(['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty'])('filter %s is unknown', (name) => {
    expect(() => evaluateExpression(`rc | ${name}`, vars)).toThrow(new RegExp(`unknown filter '${name}'`));
  });

  test.each(['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty'])('test %s is unknown', (name) => {
    expect(() => evaluateExpression(`rc is ${name}`, vars)).toThrow(new RegExp(`unknown test '${name}'`));
  });

  test("'__proto__' in a mapping is false", () => {
    expect(evaluateExpression("'__proto__' in result", vars)).toBe(false);
    expect(evaluateExpression("'constructor' in result", vars)).toBe(false);
  });

  test('there is no call syntax: a function-looking expression does not parse', () => {
    expect(() => checkExpression("require('child_process')")).toThrow(ExpressionError);
    expect(() => checkExpression('result.toString()')).toThrow(ExpressionError);
  });

  test.each([
    'a; b',
    'a = 1',
    '`x`',
    'a && b',
    'a ? b : c',
    '$x',
  ])('%s is rejected by the tokenizer or parser', (src) => {
    expect(() => checkExpression(src)).toThrow(ExpressionError);
  });
});

describe('syntax errors', () => {
  test.each([
    ['(1', /unexpected end of expression/],
    ['1 +', /unexpected end of expression/],
    ["'open", /unterminated string starting at column 1/],
    ['rc == 15 15', /unexpected '15' at column 10/],
    ['1 < 2 < 3', /unexpected '<' at column 7/],
    ['rc @ 1', /unexpected character '@' at column 4/],
    ['rc is 5', /expected a test name after 'is' at column 7/],
    ['rc | 5', /expected a filter name at column 6/],
    ['[1, 2', /unexpected end of expression/],
    ['f(1 2)', /function calls such as f\(\.\.\.\) are not supported/],
    ["lookup('env', 'HOME')", /lookup\(\.\.\.\) is not supported: sshplay has no lookup plugins/],
    ["name.split(',')", /method calls such as \.split\(\.\.\.\) are not supported: write name \| split\('sep'\)/],
  ])('%s', (src, message) => {
    expect(() => checkExpression(src)).toThrow(message);
    expect(() => checkExpression(src)).toThrow(ExpressionError);
  });

  test('checkExpression does not evaluate (undefined variables are fine at load time)', () => {
    expect(() => checkExpression('missing.value | length > 0')).not.toThrow();
  });
});

describe('evaluateCondition and truthy', () => {
  test('booleans pass through', () => {
    expect(evaluateCondition(true, {})).toBe(true);
    expect(evaluateCondition(false, {})).toBe(false);
  });

  test('the result is made boolean', () => {
    expect(evaluateCondition('sessions.stdout_lines', vars)).toBe(true);
    expect(evaluateCondition('sessions.stdout', vars)).toBe(false);
    expect(evaluateCondition("'no'", vars)).toBe(false);
  });

  test.each([
    [[], false],
    [[0], true],
    [{}, false],
    [{ a: 1 }, true],
    ['', false],
    ['false', false],
    [' No ', false],
    ['off', false],
    ['0', false],
    ['yes', true],
    [0, false],
    [2, true],
    [null, false],
    [undefined, false],
  ])('truthy(%j) = %s', (v, expected) => {
    expect(truthy(v)).toBe(expected);
  });

  test('the parse cache does not leak values between evaluations', () => {
    expect(evaluateExpression('v + 1', { v: 1 })).toBe(2);
    expect(evaluateExpression('v + 1', { v: 41 })).toBe(42);
  });
});
