import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  checkTemplate,
  hasTemplate,
  netmaskOf,
  networkOf,
  renderText,
  renderValue,
  TemplateError,
} from '../../../src/template/render.js';

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

describe('renderText', () => {
  test('text without mustaches is returned as is', () => {
    expect(renderText('plain < & text', {})).toBe('plain < & text');
  });

  test('noEscape: <, &, quotes stay as they are (config files are not HTML)', () => {
    expect(renderText('a {{ x }} b', { x: `<&>"'\`=` })).toBe(`a <&>"'\`= b`);
  });

  test('dotted paths and #each', () => {
    const out = renderText('{{#each ports}}{{name}}={{address}}\n{{/each}}', {
      ports: [
        { name: 'ib0', address: '192.168.130.11/24' },
        { name: 'ib1', address: '192.168.131.11/24' },
      ],
    });
    expect(out).toBe('ib0=192.168.130.11/24\nib1=192.168.131.11/24\n');
  });

  test('an undefined variable is an error with its name, line and column', () => {
    const e = thrown(() => renderText('line one\nnode.startup = {{ startup }}\n', {}));
    expect(e.message).toBe('undefined variable "startup"');
    expect(e.line).toBe(2);
    expect(e.column).toBe(19);
  });

  test('an undefined nested field is an error too (never an empty string)', () => {
    const e = thrown(() => renderText('x={{ iscsi.missing }}', { iscsi: {} }));
    expect(e.message).toMatch(/undefined variable "missing"/);
    expect(e.line).toBe(1);
  });

  test('a syntax error names the line', () => {
    const e = thrown(() => renderText('a\n{{#if x}}\nb', { x: true }));
    expect(e.message).toMatch(/^template syntax error/);
    expect(e.line).toBe(3);
  });

  test('prototype properties are not reachable', () => {
    expect(renderText('[{{ x.constructor }}][{{ x.__proto__ }}]', { x: {} })).toBe('[][]');
  });

  test('adjacent numbers are concatenated, not added (handlebars.js#1838 with noEscape)', () => {
    expect(renderText('{{ a }}{{ b }}', { a: 1, b: 2 })).toBe('12');
    expect(renderText('{{#each l}}{{this}}{{this}}{{/each}}', { l: [1, 2] })).toBe('1122');
    expect(renderText('{{#if x}}{{a}}{{b}}{{else}}{{b}}{{a}}{{/if}}', { x: false, a: 1, b: 2 })).toBe('21');
    expect(renderText('{{{a}}}{{{b}}}', { a: 3, b: 4 })).toBe('34');
  });

  test('the result is always a string, even for a lone number', () => {
    expect(renderText('{{ n }}', { n: 5 })).toBe('5');
    expect(renderText('{{ b }}', { b: false })).toBe('false');
  });

  test('values are never evaluated as templates again', () => {
    expect(renderText('{{ x }}', { x: '{{ y }}', y: 'leak' })).toBe('{{ y }}');
  });
});

describe('helpers', () => {
  test.each([
    ['{{quote x}}', { x: 'plain' }, 'plain'],
    ['{{quote x}}', { x: 'a b' }, "'a b'"],
    ['{{quote x}}', { x: '' }, "''"],
    ['{{quote x}}', { x: ['a b', 'c'] }, "'a b' c"],
    ['{{cidr_address x}}', { x: '192.168.130.11/24' }, '192.168.130.11'],
    ['{{cidr_prefix x}}', { x: '192.168.130.11/24' }, '24'],
    ['{{cidr_netmask x}}', { x: '192.168.130.11/24' }, '255.255.255.0'],
    ['{{cidr_netmask x}}', { x: '10.0.0.1/22' }, '255.255.252.0'],
    ['{{cidr_netmask x}}', { x: '10.0.0.1/0' }, '0.0.0.0'],
    ['{{cidr_netmask x}}', { x: '10.0.0.1/32' }, '255.255.255.255'],
    ['{{cidr_network x}}', { x: '192.168.130.11/24' }, '192.168.130.0/24'],
    ['{{cidr_network x}}', { x: '10.1.2.3/12' }, '10.0.0.0/12'],
    ['{{default x "d"}}', { x: '' }, 'd'],
    ['{{default x "d"}}', { x: null }, 'd'],
    ['{{default x "d"}}', { x: 0 }, '0'],
    ['{{default x "d"}}', { x: 'v' }, 'v'],
    ['{{join l ", "}}', { l: ['ib0', 'ib1'] }, 'ib0, ib1'],
    ['{{join l}}', { l: [1, 2, 3] }, '1,2,3'],
    ['{{upper x}}-{{lower x}}', { x: 'Ab' }, 'AB-ab'],
    ['{{#if (eq a 1)}}one{{else}}other{{/if}}', { a: 1 }, 'one'],
    ['{{#if (and a b)}}y{{else}}n{{/if}}', { a: 1, b: 0 }, 'n'],
    ['{{#if (or a b)}}y{{else}}n{{/if}}', { a: 0, b: 1 }, 'y'],
    ['{{add a 1}}', { a: '41' }, '42'],
    ['{{json x}}', { x: { a: [1] } }, '{"a":[1]}'],
  ])('%s with %j -> %s', (src, vars, expected) => {
    expect(renderText(src, vars)).toBe(expected);
  });

  test('quote makes a hostile value one inert shell word', () => {
    const hostile = `$(touch /tmp/x); rm -rf / \`id\` "q" 'q'\nnext`;
    const quoted = renderText('{{quote x}}', { x: hostile });
    const echoed = execFileSync('/bin/sh', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });
    expect(echoed).toBe(hostile);
  });

  test('a bad CIDR is a TemplateError naming the value', () => {
    expect(() => renderText('{{cidr_address x}}', { x: '192.168.130.11' })).toThrow(
      /not an IPv4 address with prefix \(a\.b\.c\.d\/nn\): 192\.168\.130\.11/,
    );
  });
});

describe('networkOf and netmaskOf', () => {
  test.each([
    ['192.168.130.11/24', '192.168.130.0/24'],
    ['192.168.131.200/25', '192.168.131.128/25'],
    ['10.255.255.255/8', '10.0.0.0/8'],
    ['172.16.5.4/32', '172.16.5.4/32'],
    ['203.0.113.77/0', '0.0.0.0/0'],
  ])('networkOf(%s) = %s', (cidr, expected) => {
    expect(networkOf(cidr)).toBe(expected);
  });

  test.each([
    [8, '255.0.0.0'],
    [16, '255.255.0.0'],
    [23, '255.255.254.0'],
    [24, '255.255.255.0'],
    [30, '255.255.255.252'],
  ])('netmaskOf(%d) = %s', (prefix, expected) => {
    expect(netmaskOf(prefix)).toBe(expected);
  });

  test('networkOf rejects an address without a prefix', () => {
    expect(() => networkOf('192.168.130.11')).toThrow(TemplateError);
  });
});

describe('renderValue', () => {
  test('a lone {{ x }} keeps the native type', () => {
    expect(renderValue('{{ ports }}', { ports: ['ib0', 'ib1'] })).toEqual(['ib0', 'ib1']);
    expect(renderValue(' {{n}} ', { n: 5 })).toBe(' 5 ');
    expect(renderValue('{{n}}\n', { n: 'h1' })).toBe('h1\n');
    expect(renderValue('{{ a.b }}', { a: { b: true } })).toBe(true);
    expect(renderValue('{{ x }}', { x: null })).toBeNull();
    expect(renderValue('{{ m }}', { m: { k: 1 } })).toEqual({ k: 1 });
  });

  test('anything more than a lone reference renders to a string', () => {
    expect(renderValue('n={{ n }}', { n: 5 })).toBe('n=5');
    expect(renderValue('{{ a }}{{ b }}', { a: 1, b: 2 })).toBe('12');
  });

  test('lists and mappings are rendered deeply; other values pass through', () => {
    expect(renderValue({ a: ['{{ n }}', 'n={{ n }}'], b: 7, c: false }, { n: 3 })).toEqual({
      a: [3, 'n=3'],
      b: 7,
      c: false,
    });
  });

  test('an undefined lone reference is an error naming the path', () => {
    expect(() => renderValue('{{ x.y }}', { x: {} })).toThrow('undefined variable "x.y"');
    expect(() => renderValue('{{ missing }}', {})).toThrow(TemplateError);
  });

  test('a lone reference cannot reach prototype properties', () => {
    expect(() => renderValue('{{ x.constructor }}', { x: {} })).toThrow(TemplateError);
    expect(() => renderValue('{{ x.__proto__ }}', { x: {} })).toThrow(TemplateError);
  });
});

describe('checkTemplate and hasTemplate', () => {
  test('checkTemplate accepts valid text and rejects an unclosed block with its line', () => {
    expect(() => checkTemplate('{{#each a}}{{this}}{{/each}}')).not.toThrow();
    expect(() => checkTemplate('{{ undefined_is_fine_here }}')).not.toThrow();
    const e = thrown(() => checkTemplate('a\nb {{#if x}}\n'));
    expect(e.line).toBe(3);
  });

  test.each([
    ['x', false],
    ['{{ x }}', true],
    [['a', '{{ b }}'], true],
    [{ a: { b: '{{ c }}' } }, true],
    [{ a: 1 }, false],
    [5, false],
  ])('hasTemplate(%j) = %s', (v, expected) => {
    expect(hasTemplate(v)).toBe(expected);
  });
});
