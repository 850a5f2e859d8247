import { describe, expect, test } from 'vitest';
import { ExpressionError, evaluateExpression } from '../../../src/template/expression.js';
import { EXAMPLES, IPADDR_EXAMPLES, VARS } from './filter-examples.js';

describe('Jinja2 / Ansible filters, from their documented examples', () => {
  test.each(EXAMPLES)('%s', (src, expected) => {
    expect(evaluateExpression(src, VARS, 'value')).toEqual(expected);
  });

  test.each(IPADDR_EXAMPLES)('%s', (src, expected) => {
    expect(evaluateExpression(src, VARS, 'value')).toEqual(expected);
  });

  test("regex_replace's count (ansible-core 2.17's; 2.14 has none)", () => {
    expect(evaluateExpression("'aaa' | regex_replace('a', 'b', count=2)", VARS, 'value')).toBe('bba');
  });

  test('a value keeps backslashes; a condition decodes the escapes Jinja knows', () => {
    expect(evaluateExpression("'a\\\\1'", {}, 'value')).toBe('a\\\\1');
    expect(evaluateExpression("'a\\\\1'", {}, 'condition')).toBe('a\\1');
    expect(() => evaluateExpression("'d\\'oh'", {}, 'value')).toThrow(ExpressionError);
  });

  test.each([
    ["'fe80::1/64' | ipaddr('address')", /IPv6 addresses are not supported/],
    ["'10.0.0.1/8' | ipaddr('wrap')", /ipaddr\('wrap'\) is not supported; supported queries: address/],
    ["ports | map(attribute='mtu') | list", /map\(attribute='mtu'\): an item has no 'mtu'/],
    ["'{' | from_json", /from_json: /],
    ['5 | length', /length: length of 5, which has none/],
    ['1 / 0', /division by zero/],
    ["pkgs | ansible.builtin.join(',')", /Jinja's own filter 'join' has no ansible\.builtin\. name .*write \| join/],
    [
      "'10.0.0.1/8' | ansible.builtin.ipaddr",
      /unknown filter 'ansible\.builtin\.ipaddr' \(write ansible\.utils\.ipaddr\)/,
    ],
    ["missing | mandatory('set missing in vars')", /set missing in vars/],
  ])('%s is an error that says why', (src, message) => {
    expect(() => evaluateExpression(src, VARS, 'value')).toThrow(ExpressionError);
    expect(() => evaluateExpression(src, VARS, 'value')).toThrow(message);
  });
});
