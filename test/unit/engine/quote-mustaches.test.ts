import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { quoteMustaches } from '../../../src/engine/run.js';
import { renderText } from '../../../src/template/render.js';

describe('quoteMustaches', () => {
  test.each([
    ['echo {{ x }}', 'echo {{quote x}}'],
    ['echo {{x}}', 'echo {{quote x}}'],
    ['echo {{ a.b }} {{ c }}', 'echo {{quote a.b}} {{quote c}}'],
    ['echo {{ default x "d" }}', 'echo {{quote (default x "d")}}'],
    ['echo {{{ raw }}}', 'echo {{{ raw }}}'],
    ['{{#each l}}{{this}}{{/each}}', '{{#each l}}{{quote this}}{{/each}}'],
    ['{{#if x}}a{{else}}b{{/if}}', '{{#if x}}a{{else}}b{{/if}}'],
    ['{{^x}}none{{/x}}', '{{^x}}none{{/x}}'],
    ['{{! comment }}', '{{! comment }}'],
    ['{{> partial }}', '{{> partial }}'],
    ['{{&x}}', '{{&x}}'],
    ['{{ else }}', '{{ else }}'],
    ['no mustaches', 'no mustaches'],
  ])('%j -> %j', (script, expected) => {
    expect(quoteMustaches(script)).toBe(expected);
  });

  test('rendered, a hostile value is one inert word; raw text stays raw', () => {
    const vars = { x: '$(id); rm -rf / `x` "q"', raw: 'a | wc -c' };
    const script = renderText(quoteMustaches("printf '%s\\n' {{ x }}; echo {{{ raw }}}"), vars);
    const [first, second] = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).split('\n');
    expect(first).toBe(vars.x);
    // `{{{ raw }}}` was not quoted, so its pipe ran: `echo a | wc -c` prints 2.
    expect(second?.trim()).toBe('2');
  });

  test('each item of a loop is quoted', () => {
    const script = renderText(quoteMustaches("{{#each l}}printf '<%s>' {{this}};{{/each}}"), {
      l: ['a b', ';touch /tmp/q'],
    });
    expect(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' })).toBe('<a b><;touch /tmp/q>');
  });
});
