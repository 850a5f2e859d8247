/**
 * Text whose only mustaches are Jinja expressions is rendered without Handlebars (render.ts interpolation):
 * it must print exactly what Handlebars prints for the same text, and fail with the same message. The same
 * text behind a Handlebars comment (`X{{!-- --}}`, the X keeping the comment from standing alone on its
 * line) is rendered by Handlebars, so each case is checked against Handlebars itself.
 */
import { describe, expect, test } from 'vitest';
import {
  checkTemplate,
  registerTemplateHelper,
  rendersWithoutHandlebars,
  renderText,
  TemplateError,
} from '../../../src/template/render.js';

const VARS = {
  iface: 'ib0',
  guid: '0x248a070300a80a9c',
  ports: [1, 2],
  nothing: null,
  flag: true,
  n: 7,
  nested: { name: 'iface-ib1', list: ['a', 'b'] },
  text: 'multi\nline',
};

/** Renders through Handlebars: the comment makes the text more than Jinja mustaches. */
function byHandlebars(source: string): string {
  return renderText(`X{{!-- --}}${source}`, VARS).slice(1);
}

function outcome(render: () => string): string {
  try {
    return `ok:${render()}`;
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return `error:${(e as Error).message}`;
  }
}

const CASES = [
  'ip link show {{ iface }}',
  '{{ iface }}',
  '{{iface}}{{n}}',
  '{{ n }}{{ n }}',
  'guid {{ guid | regex_replace("^0x", "") }} port {{ ports | first }}',
  'ports={{ ports }} flag={{ flag }} none=[{{ nothing }}]',
  '{{ nested.name }}:{{ nested.list | join(",") }}',
  '{{ nested }}',
  'line one {{ iface }}\nline two {{\n  n + 1\n}}\n',
  '  {{ iface }}  \n\n',
  'braces } }} { {{ iface }} }',
  '{{ text }}',
  '{{ iface ~ "-" ~ n }}',
  '{{ missing_var }} after',
  'a {{ nested.nope }} b',
  '{{ ports[5] }}',
  '{{ ports.1 }} {{ ports.9 }}',
  '{{ nested.list.0 }}-{{ nested.name.length }}',
  '{{ iface.nope }}',
  '{{ nested.name }}{{ n | string }}{{ text }}',
  '{{ ports | list }} {{ flag | bool }}',
  'no mustache at all',
  '{ {{ iface }}',
];

describe('Jinja-only text rendered without Handlebars', () => {
  for (const source of CASES) {
    test(JSON.stringify(source), () => {
      expect(outcome(() => renderText(source, VARS))).toBe(outcome(() => byHandlebars(source)));
    });
  }

  test('the cases print what a user expects, not only what Handlebars prints', () => {
    expect(renderText('ip link show {{ iface }}', VARS)).toBe('ip link show ib0');
    // a plain reference appends as Handlebars does; a Jinja expression prints as Jinja does
    expect(renderText('ports={{ ports }} flag={{ flag }} none=[{{ nothing }}]', VARS)).toBe(
      'ports=1,2 flag=true none=[]',
    );
    expect(renderText('ports={{ ports | list }} flag={{ flag | bool }}', VARS)).toBe('ports=[1, 2] flag=True');
    expect(renderText('{{ n }}{{ n }}', VARS)).toBe('77');
  });

  test('which texts skip Handlebars', () => {
    for (const source of ['ip link show {{ iface }}', '{{ a.b.0 }}{{ x | default(1) }}', 'a\n{{\n  n + 1\n}}\n'])
      expect(rendersWithoutHandlebars(source)).toBe(true);
    for (const source of [
      '\\{{ a }}',
      '{{#if a}}x{{/if}}',
      '{{ quote a }}',
      '{{ this }}',
      '{{!-- c --}}{{ a }}',
      'plain',
    ])
      expect(rendersWithoutHandlebars(source)).toBe(false);
  });

  test("the load-time check agrees with rendering: what skips Handlebars passes it, Handlebars' own refusals stay", () => {
    // `{{ nested.list.0 }}` (Jinja's index by attribute, as in Ansible's `item.0`) renders without Handlebars,
    // whose parser refuses a number as a path step: checked with Handlebars, it failed at load but not at render
    expect(renderText('{{ nested.list.0 }}', VARS)).toBe('a');
    expect(() => checkTemplate('{{ nested.list.0 }}-{{ iface | upper }}')).not.toThrow();
    expect(() => checkTemplate('X{{!-- --}}{{ nested.list.0 }}')).toThrow(/Expecting 'ID', got 'NUMBER'/);
    expect(() => checkTemplate('{{#if flag}}x')).toThrow(TemplateError);
    expect(() => checkTemplate('{{ iface | nosuchfilter( }}')).toThrow(TemplateError);
  });

  test('escaped and Handlebars mustaches keep Handlebars', () => {
    expect(renderText('\\{{ iface }} {{ iface }}', VARS)).toBe('{{ iface }} ib0');
    expect(renderText('{{#each ports}}[{{this}}]{{/each}} {{ iface }}', VARS)).toBe('[1][2] ib0');
    expect(renderText('{{ quote iface }} {{ iface }}', VARS)).toBe('ib0 ib0');
  });

  test('a value of the variables that is a function is called, as Handlebars calls it', () => {
    expect(renderText('v={{ f }}', { f: () => 'called' })).toBe('v=called');
  });
});

describe('Handlebars templates set up once', () => {
  test('a template rendered again sees a helper registered after its first render', () => {
    // `{{name}}` inside a block is Handlebars' own: a helper of that name if there is one, else the variable
    const source = '{{#if flag}}[{{shout_for_test}}]{{/if}}';
    const vars = { flag: true, shout_for_test: 'the variable' };
    expect(renderText(source, vars)).toBe('[the variable]');
    registerTemplateHelper('shout_for_test', () => 'THE HELPER');
    expect(renderText(source, vars)).toBe('[THE HELPER]');
  });

  test('the same template renders each call its own variables, with helpers and blocks', () => {
    const source = '{{#each ports}}{{default ../nothing "-"}}{{this}}{{/each}} {{lookup nested "name"}}';
    expect(renderText(source, VARS)).toBe('-1-2 iface-ib1');
    expect(renderText(source, { ...VARS, ports: [9], nothing: 'x', nested: { name: 'n' } })).toBe('x9 n');
    expect(renderText(source, VARS)).toBe('-1-2 iface-ib1');
  });
});
