/**
 * What render.ts keeps per source text (a value's shape, a template file's check): rendering a source a
 * second time, with other variables, gives what the first render of that source gives with them, and a
 * source that failed fails again with the same message.
 */
import { describe, expect, test } from 'vitest';
import { renderTemplateFile, renderValue, TemplateError } from '../../../src/template/render.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return (e as Error).message;
  }
  throw new Error('expected a TemplateError');
}

describe('renderValue, a source rendered again', () => {
  test('one reference keeps its type on every host, and renders each host its own value', () => {
    const source = '{{ cache_ref.list }}';
    expect(renderValue(source, { cache_ref: { list: [1, 2] } })).toEqual([1, 2]);
    expect(renderValue(source, { cache_ref: { list: 'x' } })).toBe('x');
    expect(message(() => renderValue(source, {}))).toBe('undefined variable "cache_ref.list"');
  });

  test('one Jinja expression keeps its type; text with mustaches renders as text', () => {
    const expression = '{{ cache_n | int + 1 }}';
    expect(renderValue(expression, { cache_n: '2' })).toBe(3);
    expect(renderValue(expression, { cache_n: '41' })).toBe(42);
    const text = '{{ cache_a }}-{{ cache_b }}';
    expect(renderValue(text, { cache_a: 1, cache_b: 2 })).toBe('1-2');
    expect(renderValue(text, { cache_a: 'x', cache_b: 'y' })).toBe('x-y');
  });

  test('a value that does not parse fails the same way every time', () => {
    const bad = '{{ cache_x | }}';
    const first = message(() => renderValue(bad, { cache_x: 1 }));
    expect(message(() => renderValue(bad, { cache_x: 1 }))).toBe(first);
  });
});

describe('renderTemplateFile, a file rendered on several hosts', () => {
  test('renders each host its own values', () => {
    const file = 'host={{name}}\n';
    expect(renderTemplateFile(file, { name: 'h1' })).toBe('host=h1\n');
    expect(renderTemplateFile(file, { name: 'h2' })).toBe('host=h2\n');
  });

  test('a Jinja template file is refused every time, not only the first', () => {
    const jinja = '{% for x in y %}{{ x }}{% endfor %}\n';
    const first = message(() => renderTemplateFile(jinja, { y: [1] }));
    expect(first).toContain('this is a Jinja template');
    expect(message(() => renderTemplateFile(jinja, { y: [1] }))).toBe(first);
  });
});
