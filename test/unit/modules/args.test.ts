import { describe, expect, test } from 'vitest';
import { ArgError, type ArgSchema, closestName, validateArgs } from '../../../src/modules/args.js';

const schema: ArgSchema = {
  dest: { type: 'str', required: true, aliases: ['path'] },
  content: { type: 'str' },
  mode: { type: 'mode' },
  backup: { type: 'bool', default: false },
  count: { type: 'int' },
  items: { type: 'list' },
  options: { type: 'dict' },
  state: { type: 'str', choices: ['present', 'absent'], default: 'present' },
  anything: { type: 'raw' },
};

function argError(raw: Record<string, unknown>): ArgError {
  try {
    validateArgs('copy', schema, raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ArgError);
    return e as ArgError;
  }
  throw new Error('expected an ArgError');
}

describe('validateArgs', () => {
  test('defaults fill in; absent optional arguments stay absent', () => {
    expect(validateArgs('copy', schema, { dest: '/x' })).toEqual({ dest: '/x', backup: false, state: 'present' });
  });

  test('unknown argument: names the closest and lists the valid ones', () => {
    const e = argError({ dest: '/x', contnet: 'a' });
    expect(e.message).toBe(
      "module 'copy' has no argument 'contnet' (did you mean 'content'?); valid: dest, content, mode, backup, count, items, options, state, anything",
    );
    expect(e.field).toBe('contnet');
  });

  test('unknown argument far from every name: no suggestion', () => {
    expect(argError({ dest: '/x', zzzzzzzzzz: 1 }).message).not.toContain('did you mean');
  });

  test('required argument missing', () => {
    const e = argError({ content: 'a' });
    expect(e.message).toBe("module 'copy' needs argument 'dest'");
    expect(e.field).toBe('dest');
  });

  test('a null required argument counts as missing', () => {
    expect(argError({ dest: null }).message).toBe("module 'copy' needs argument 'dest'");
  });

  test('aliases map to the real name', () => {
    expect(validateArgs('copy', schema, { path: '/x' }).dest).toBe('/x');
  });

  test.each([
    ['0644', 0o644],
    [644, 0o644],
    ['644', 0o644],
    ['0600', 0o600],
    [600, 0o600],
    ['0755', 0o755],
    ['1777', 0o1777],
    [' 0640 ', 0o640],
  ])('mode %j -> %s', (mode, expected) => {
    expect(validateArgs('copy', schema, { dest: '/x', mode }).mode).toBe(expected);
  });

  test.each([['0999'], ['rw-r--r--'], [420.5], [[1]], ['u+x'], [12]])('mode %j is refused', (mode) => {
    const e = argError({ dest: '/x', mode });
    expect(e.message).toMatch(/^argument 'mode': expected a file mode such as '0644', received /);
    expect(e.field).toBe('mode');
  });

  test('mode: the message names the received type and value', () => {
    expect(argError({ dest: '/x', mode: [1] }).message).toBe(
      "argument 'mode': expected a file mode such as '0644', received list [1]",
    );
  });

  test.each([
    [true, true],
    ['yes', true],
    ['Yes', true],
    ['on', true],
    ['1', true],
    ['true', true],
    [1, true],
    [false, false],
    ['no', false],
    ['NO', false],
    ['off', false],
    ['0', false],
    [0, false],
  ])('bool %j -> %s', (v, expected) => {
    expect(validateArgs('copy', schema, { dest: '/x', backup: v }).backup).toBe(expected);
  });

  test('bool: a word that is not a boolean is refused', () => {
    expect(argError({ dest: '/x', backup: 'maybe' }).message).toBe(
      'argument \'backup\': expected a boolean (true/false), received string "maybe"',
    );
  });

  test.each([
    [5, 5],
    ['5', 5],
    [' -3 ', -3],
  ])('int %j -> %s', (v, expected) => {
    expect(validateArgs('copy', schema, { dest: '/x', count: v }).count).toBe(expected);
  });

  test.each([[1.5], ['1.5'], ['x'], [true]])('int %j is refused', (v) => {
    expect(argError({ dest: '/x', count: v }).message).toMatch(/^argument 'count': expected an integer/);
  });

  test('str: numbers and booleans become strings, a list does not', () => {
    expect(validateArgs('copy', schema, { dest: 42 }).dest).toBe('42');
    expect(validateArgs('copy', schema, { dest: '/x', content: true }).content).toBe('true');
    expect(argError({ dest: ['/x'] }).message).toBe('argument \'dest\': expected a string, received list ["/x"]');
  });

  test('list: a comma string is split, a list kept, a mapping refused', () => {
    expect(validateArgs('copy', schema, { dest: '/x', items: 'a, b,,c' }).items).toEqual(['a', 'b', 'c']);
    expect(validateArgs('copy', schema, { dest: '/x', items: [1, 2] }).items).toEqual([1, 2]);
    expect(argError({ dest: '/x', items: { a: 1 } }).message).toMatch(/expected a list, received mapping/);
  });

  test('dict: a mapping only', () => {
    expect(validateArgs('copy', schema, { dest: '/x', options: { a: 1 } }).options).toEqual({ a: 1 });
    expect(argError({ dest: '/x', options: [1] }).message).toMatch(/expected a mapping, received list/);
  });

  test('choices', () => {
    expect(validateArgs('copy', schema, { dest: '/x', state: 'absent' }).state).toBe('absent');
    expect(argError({ dest: '/x', state: 'gone' }).message).toBe(
      'argument \'state\': expected one of present, absent, received "gone"',
    );
  });

  test('raw passes anything', () => {
    const v = { deep: [1, { x: null }] };
    expect(validateArgs('copy', schema, { dest: '/x', anything: v }).anything).toBe(v);
  });

  test('a template value is not type-checked yet (it is checked after rendering)', () => {
    const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');
    expect(validateArgs('copy', schema, { dest: '/x', mode: '{{ m }}', backup: '{{ b }}' }, isTemplate)).toMatchObject({
      mode: '{{ m }}',
      backup: '{{ b }}',
    });
  });
});

describe('closestName', () => {
  test.each([
    ['templat', ['copy', 'template', 'file'], 'template'],
    ['tempalte', ['copy', 'template', 'file'], 'template'],
    ['COPY', ['copy', 'template'], 'copy'],
    ['lineinfle', ['lineinfile', 'blockinfile'], 'lineinfile'],
    ['xyz', ['copy', 'template'], undefined],
    ['a', [], undefined],
  ])('%s -> %s', (name, known, expected) => {
    expect(closestName(name, known)).toBe(expected);
  });
});
