import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, test } from 'vitest';
import { parseDocument, visit } from 'yaml';
import { classifyMustache, scanMustaches } from '../../../src/template/jinja-values.js';
import {
  checkTemplate,
  checkTemplateFile,
  isHandlebarsHelper,
  renderTemplateFile,
  renderText,
  renderValue,
  TemplateError,
} from '../../../src/template/render.js';
import { checkShellScript, renderShellScript } from '../../../src/template/shell-script.js';

const vars = {
  pkgs: ['rdma-core', 'sg3_utils'],
  name: 'ib0',
  cidr: '192.168.10.21/24',
  flag: true,
  list: ['a', 'b'],
  raw: '<b>&amp;</b>',
  port: { name: 'ib0', mtu: 2044 },
};

describe('values: Jinja expressions beside Handlebars', () => {
  test("the issue's msg: {{ pkgs | join(',') | upper }}", () => {
    expect(renderValue("{{ pkgs | join(',') | upper }}", vars)).toBe('RDMA-CORE,SG3_UTILS');
  });

  test.each<[string, unknown]>([
    ['{{ pkgs | length }}', 2],
    ["{{ pkgs | select('match', '^rdma') | list }}", ['rdma-core']],
    ['{{ flag | bool }}', true],
    ["{{ cidr | ansible.utils.ipaddr('prefix') }}", 24],
    ["{{ port | combine({'mtu': 65520}) }}", { name: 'ib0', mtu: 65520 }],
    ['{{ missing | default(none) }}', null],
  ])('a value that is exactly %s keeps its type', (src, expected) => {
    expect(renderValue(src, vars)).toEqual(expected);
  });

  test.each<[string, string]>([
    ['n={{ pkgs | length }} on {{name}}', 'n=2 on ib0'],
    ["{{ cidr | ipaddr('address') }}/{{ cidr | ipaddr('netmask') }}", '192.168.10.21/255.255.255.0'],
    // Jinja prints as Python: a list in text is ['a', 'b'], True is True
    ['{{ list | list }} {{ flag | bool }}', "['a', 'b'] True"],
    // as ansible-playbook 2.14 prints the same: None as '' at the top, Python's repr inside
    ["x {{ list | list }} {{ true }} {{ none }} {{ {'k': 'v'} }}", "x ['a', 'b'] True  {'k': 'v'}"],
    ['{{#if flag}}{{ name | upper }}{{else}}no{{/if}}', 'IB0'],
    ['{{#each list}}[{{ this | upper }}]{{/each}}', '[]'.replace('[]', '[A][B]')],
    ['{{#with port}}{{ mtu + 1 }}{{/with}}', '2045'],
    ['{{ "a" if flag else "b" }}', 'a'],
    ["{{ name ~ '-' ~ port.mtu }}", 'ib0-2044'],
  ])('text %s', (src, expected) => {
    expect(renderValue(src, vars)).toBe(expected);
  });

  test.each<[string, unknown]>([
    ["{{default missing 'y'}}", 'y'],
    ['{{#if flag}}yes{{/if}}', 'yes'],
    ['{{lookup list 1}}', 'b'],
    ['{{quote name}}', 'ib0'],
    ['{{{raw}}}', '<b>&amp;</b>'],
    ['{{join list "|"}}', 'a|b'],
    ['{{cidr_prefix cidr}}', '24'],
    ['{{name}}', 'ib0'],
    ['{{ list }}', ['a', 'b']],
    ['{{port.name}}-{{@root.name}}', 'ib0-ib0'],
    ['\\{{ x | y }}', '{{ x | y }}'],
  ])('Handlebars stays Handlebars: %s', (src, expected) => {
    expect(renderValue(src, vars)).toEqual(expected);
  });
});

describe('the rule that tells Jinja from Handlebars', () => {
  test.each<[string, 'jinja' | 'handlebars']>([
    [' name ', 'handlebars'],
    ['a.b.c', 'handlebars'],
    ['this', 'handlebars'],
    ['@index', 'handlebars'],
    ['../x', 'handlebars'],
    ['a.[0]', 'handlebars'],
    ["default x 'y'", 'handlebars'],
    ['lookup a b', 'handlebars'],
    ['quote x', 'handlebars'],
    ['~ x ~', 'handlebars'],
    ['eq a "b|c"', 'handlebars'],
    [" pkgs | join(',') ", 'jinja'],
    ['x[0]', 'jinja'],
    ["'literal'", 'jinja'],
    ['42 + 1', 'jinja'],
    ['a and b', 'jinja'],
    ['a if b else c', 'jinja'],
    ["lookup('env', 'HOME')", 'jinja'],
    ["default x 'y' | upper", 'jinja'],
    ['x == 1', 'jinja'],
    ['helpr x', 'jinja'],
    ['true', 'jinja'],
    ['none', 'jinja'],
    ['42', 'jinja'],
  ])('{{%s}} is %s', (inner, kind) => {
    expect(classifyMustache(inner, isHandlebarsHelper)).toBe(kind);
  });
});

/** Every string scalar of a YAML file. */
function yamlStrings(file: string): string[] {
  const out: string[] = [];
  visit(parseDocument(readFileSync(file, 'utf8')), {
    Scalar(_, node) {
      if (typeof node.value === 'string') out.push(node.value);
    },
  });
  return out;
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return filesUnder(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

/** Handlebars' own count of plain (escaped) mustaches in a text, blocks' bodies included. */
function handlebarsMustaches(text: string): number {
  let n = 0;
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const t = node as { type?: string; escaped?: boolean };
    if (t.type === 'MustacheStatement' && t.escaped) n++;
    for (const v of Object.values(node)) {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object' && (v as { type?: string }).type) walk(v);
    }
  };
  walk(Handlebars.parse(text));
  return n;
}

describe('property: every mustache of the shipped playbooks and templates is still Handlebars', () => {
  const texts: [string, string][] = [
    ...filesUnder('playbooks', '.yml').flatMap((f) => yamlStrings(f).map((s): [string, string] => [f, s])),
    ...filesUnder('templates', '.hbs').map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
  ].filter(([, s]) => s.includes('{{'));

  test('there are mustaches to check (the scan found the shipped files)', () => {
    expect(texts.length).toBeGreaterThan(50);
  });

  test('each is classified Handlebars, and the scan finds as many as Handlebars itself does', () => {
    let total = 0;
    for (const [file, text] of texts) {
      const found = scanMustaches(text, isHandlebarsHelper);
      let handlebarsCount: number;
      try {
        handlebarsCount = handlebarsMustaches(text);
      } catch {
        // Not Handlebars at all: a value written in Jinja on purpose (`{{ x | default([]) }}`); it cannot have
        // meant something else before, and it must be read as Jinja now.
        expect(
          found.some((m) => m.kind === 'jinja'),
          `${file}: ${text}`,
        ).toBe(true);
        continue;
      }
      for (const m of found) expect(m.kind, `${file}: {{${m.inner}}}`).toBe('handlebars');
      expect(found.length, `${file}: ${text}`).toBe(handlebarsCount);
      total += found.length;
    }
    expect(total).toBeGreaterThan(100);
  });
});

function refusal(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('what values cannot hold is refused, with what to write instead', () => {
  test('{% for %} in a value', () => {
    const e = refusal(() => checkTemplate('line one\n  {% for p in pkgs %}{{ p }}{% endfor %}'));
    expect(e.message).toMatch(/\{% for %\} \(a Jinja loop\) is not supported in a value: put loop: on the task/);
    expect([e.line, e.column]).toEqual([2, 3]);
  });

  test('{% if %} in a value', () => {
    const e = refusal(() => checkTemplate('{% if flag %}x{% endif %}'));
    expect(e.message).toMatch(/use when: on the task, or an inline expression \{\{ 'a' if cond else 'b' \}\}/);
    expect([e.line, e.column]).toEqual([1, 1]);
  });

  test('an unknown filter, with the closest known one', () => {
    const e = refusal(() => checkTemplate("pkgs: {{ pkgs | jion(',') }}"));
    expect(e.message).toMatch(/in \{\{ pkgs \| jion\(','\) \}\}: unknown filter 'jion' \(did you mean 'join'\?\)/);
    expect([e.line, e.column]).toEqual([1, 7]);
  });

  test('a misspelt Handlebars helper says so', () => {
    expect(refusal(() => checkTemplate('{{defualt x "y"}}')).message).toMatch(
      /'defualt' is not a Handlebars helper either/,
    );
  });

  test('in a shell script too, at the script line and column', () => {
    const e = refusal(() => checkShellScript('echo one\necho {{ pkgs | uper }}'));
    expect(e.message).toMatch(/unknown filter 'uper' \(did you mean 'upper'\?\)/);
    expect([e.line, e.column]).toEqual([2, 6]);
    expect(refusal(() => checkShellScript('{% for x in y %}echo{% endfor %}')).message).toMatch(/\{% for %\}/);
  });

  test('a Jinja value where no quoting is safe is refused as a Handlebars one is', () => {
    expect(() => checkShellScript('echo `{{ name | upper }}`')).toThrow(/inside `...` cannot be quoted safely/);
  });

  test('an error while rendering names the expression', () => {
    expect(() => renderText('x {{ missing | upper }}', vars)).toThrow(
      /in \{\{ missing \| upper \}\}: undefined variable: missing/,
    );
  });
});

describe('template files stay Handlebars', () => {
  test('a Handlebars file renders as before', () => {
    expect(renderTemplateFile('{{#each list}}{{this}};{{/each}}{{upper name}}', vars)).toBe('a;b;IB0');
  });

  test('{% if %} in a template file is refused with its line and column', () => {
    const e = refusal(() => checkTemplateFile('# conf\n{% if flag %}\nx\n{% endif %}'));
    expect(e.message).toMatch(/this is a Jinja template; template files are Handlebars here/);
    expect(e.message).toMatch(/\{\{#if x\}\}/);
    expect([e.line, e.column]).toEqual([2, 1]);
  });

  test('{{ x | f }} in a template file is refused', () => {
    const e = refusal(() => renderTemplateFile('a\nb = {{ name | upper }}\n', vars));
    expect(e.message).toMatch(/\{\{ name \| upper \}\} is a Jinja expression; template files are Handlebars here/);
    expect([e.line, e.column]).toEqual([2, 5]);
  });
});

describe('shell scripts: a Jinja value is quoted as a Handlebars one', () => {
  const hostile = { v: `it's "$(touch /tmp/x)" \`id\` \\ ; rm -rf /`, l: ['a b', "c'd"] };
  test.each([
    ['echo {{ v | string }}', 'echo {{v}}'],
    ['echo "{{ v | string }}"', 'echo "{{v}}"'],
    ["echo '{{ v | string }}'", "echo '{{v}}'"],
    ['cat <<EOF\n{{ v | string }}\nEOF', 'cat <<EOF\n{{v}}\nEOF'],
    ['printf %s {{ l | list }}', 'printf %s {{l}}'],
  ])('%s', (jinja, handlebars) => {
    const out = renderShellScript(jinja, hostile);
    expect(out).toBe(renderShellScript(handlebars, hostile));
    expect(out).not.toBe(jinja.replace(/\{\{.*\}\}/, hostile.v));
  });
});
