import { describe, expect, test } from 'vitest';
import { parseIniSectionValue, parseIniValue } from '../../../src/inventory/ini-value.js';

describe('parseIniValue (Python literals, else the text)', () => {
  test.each([
    ['80', 80],
    ['-3', -3],
    ['2.5', 2.5],
    ['1e3', 1000],
    ['0x1F', 31],
    ['0', 0],
    ['True', true],
    ['False', false],
    ['true', true],
    ['false', false],
    ['None', null],
    ["'quoted'", 'quoted'],
    ['"with \\"escapes\\"\\n"', 'with "escapes"\n'],
    ['[15, 1]', [15, 1]],
    ['(1, 2,)', [1, 2]],
    ['[{"name": "ib0", "address": "192.168.130.11/24"}]', [{ name: 'ib0', address: '192.168.130.11/24' }]],
    ["{'a': [1, 'b'], 2: None}", { a: [1, 'b'], '2': null }],
  ])('%s is read as a value', (text, value) => {
    expect(parseIniValue(text)).toEqual(value);
  });

  test.each([
    '10.0.0.11',
    'sendtargets',
    // Python 3 has no implicit octal: a mode stays the text it was.
    '0644',
    'iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c',
    '{name: ib0}',
    '[1, 2',
    "'unterminated",
    'yes',
    '1.2.3',
    '',
  ])('%s stays text', (text) => {
    expect(parseIniValue(text)).toBe(text);
  });
});

describe('parseIniSectionValue ([group:vars] keeps quotes)', () => {
  test('a quoted list or mapping is read as one', () => {
    expect(parseIniSectionValue("'[15, 1]'")).toEqual([15, 1]);
    expect(parseIniSectionValue('\'[{"address": "192.168.130.101"}]\'')).toEqual([{ address: '192.168.130.101' }]);
  });

  test('a quoted number stays a string; an unquoted one is a number', () => {
    expect(parseIniSectionValue('"42"')).toBe('42');
    expect(parseIniSectionValue('42')).toBe(42);
  });

  test('quoted text that only looks like a list stays the text inside the quotes', () => {
    expect(parseIniSectionValue("'[not a list'")).toBe('[not a list');
  });
});
