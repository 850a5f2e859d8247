// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
/**
 * Property: a hostile value (quotes, $(), backticks, newlines, braces, backslashes, any NUL-free
 * unicode) put through every way sshplay hands a value to a shell (the `shell` module in each quoting
 * context, `command` words and argv, `chdir`, the `quote` helper in templates, file paths of the shell
 * write path) runs nothing and arrives byte-exact, or is refused. Scripts run in a real /bin/sh (dash).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { sh, shellText, splitWords } from '../../../src/remote-command.js';
import { renderText, TemplateError } from '../../../src/template/render.js';
import { renderShellScript } from '../../../src/template/shell-script.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const canary = join(root, 'canary');

const payloads = [
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `'; touch ${canary}; '`,
  `"; touch ${canary}; "`,
  `\ntouch ${canary}\n`,
  `\\'; touch ${canary} #`,
  `\\"; touch ${canary} #`,
  `}}; touch ${canary}`,
  `\nEOF\ntouch ${canary}\n`,
  `EOF`,
];
const pieces = [
  "'",
  '"',
  '$',
  '(',
  ')',
  '`',
  '\\',
  '\n',
  '\t',
  '{',
  '}',
  '{{',
  '}}',
  ';',
  '&',
  '|',
  '#',
  '!',
  '*',
  '~',
];
const hostile = fc
  .oneof(
    fc.constantFrom(...payloads),
    fc
      .array(fc.oneof(fc.constantFrom(...pieces, ...payloads), fc.string({ unit: 'grapheme', maxLength: 4 })), {
        maxLength: 8,
      })
      .map((parts) => parts.join('')),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
  )
  .filter((s) => !s.includes('\0'));

function sh0(script: string): Buffer {
  return execFileSync('/bin/sh', ['-c', script], { cwd: root });
}

/** The value came back exactly and the canary was never created; a refusal is also safe. */
function check(render: () => string, expected: (v: Buffer) => boolean, v: string): void {
  let script: string;
  try {
    script = render();
  } catch (e) {
    if (e instanceof TemplateError && /could end it early|dash .* would corrupt/.test(e.message)) return;
    throw e;
  }
  const out = sh0(script);
  expect(existsSync(canary), `ran something for ${JSON.stringify(v)}: ${script}`).toBe(false);
  expect(
    expected(out),
    `${JSON.stringify(v)} ${JSON.stringify([...bytes(v)])} came back as ${JSON.stringify([...out])} from ${JSON.stringify(script)}`,
  ).toBe(true);
}

const bytes = (s: string) => Buffer.from(s, 'utf8');
const exact = (v: string) => (out: Buffer) => out.equals(bytes(v));
const runs = { numRuns: 150 };

describe('hostile values through every shell context', () => {
  const contexts: [string, string, (v: string) => string][] = [
    ['unquoted word', 'printf %s {{v}}', (v) => v],
    ['inside "..."', 'printf %s "{{v}}"', (v) => v],
    ["inside '...'", "printf %s '{{v}}'", (v) => v],
    ['inside $( ) in "..."', 'x="$(printf %s. {{v}})"; printf %s "${x%.}"', (v) => v],
    ['inside "$( "..." )"', 'x="$(printf %s. "{{v}}")"; printf %s "${x%.}"', (v) => v],
    ['assignment', 'x={{v}}; printf %s "$x"', (v) => v],
    ["helper call with '}'", "printf %s {{default v '}'}}", (v) => (v === '' ? '}' : v)],
    ['in a comment', '# {{v}} "\nprintf ok', () => 'ok'],
    ['unquoted here-document', 'cat <<EOF\n{{v}}\nEOF', (v) => `${v}\n`],
    ['quoted here-document', "cat <<'EOF'\n{{v}}\nEOF", (v) => `${v}\n`],
    // <<- strips the leading tabs of every body line, the value's own lines too
    ['<<- here-document', 'cat <<-EOF\n\t{{v}}x\n\tEOF', (v) => `${`\t${v}x`.replace(/^\t+/gm, '')}\n`],
    ['here-document after text', 'cat <<EOF\nE{{v}}\nEOF', (v) => `E${v}\n`],
    ['two here-documents', 'cat <<A; cat <<B\n{{v}}\nA\n{{v}}\nB', (v) => `${v}\n${v}\n`],
  ];
  for (const [name, script, expected] of contexts) {
    test(`shell: ${name}`, () => {
      fc.assert(
        fc.property(hostile, (v) => check(() => renderShellScript(script, { v }), exact(expected(v)), v)),
        runs,
      );
    });
  }

  // A Jinja value ({{ v | string }}) goes through the same quoting as a Handlebars one ({{v}}).
  for (const [name, script, expected] of contexts) {
    if (!script.includes('{{v}}')) continue;
    const jinja = script.replaceAll('{{v}}', '{{ v | string }}');
    test(`shell, Jinja value: ${name}`, () => {
      fc.assert(
        fc.property(hostile, (v) => {
          check(() => renderShellScript(jinja, { v }), exact(expected(v)), v);
          let same: boolean;
          try {
            same = renderShellScript(jinja, { v }) === renderShellScript(script, { v });
          } catch (e) {
            // refused: the Handlebars form must be refused too
            expect(() => renderShellScript(script, { v })).toThrow((e as Error).message);
            return;
          }
          expect(same, `${JSON.stringify(v)} quoted differently in ${jinja}`).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  }

  test('shell: each item of a loop', () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 4 }), (l) =>
        check(
          () => renderShellScript('{{#each l}}printf \'<%s>\' {{this}} "{{this}}";{{/each}}', { l }),
          exact(l.map((v) => `<${v}><${v}>`).join('')),
          l.join(','),
        ),
      ),
      runs,
    );
  });

  test('command: free-form words and argv, as sent to the remote shell', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const argv = splitWords('printf %s {{v}}').map((w) => renderText(w, { v }));
        check(() => shellText({ argv }), exact(v), v);
        check(() => shellText({ argv: ['printf', '%s', v] }), exact(v), v);
      }),
      runs,
    );
  });

  test('command: chdir', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const dir = join(root, 'dirs', v.replace(/\//g, '_').slice(0, 60) || 'empty');
        if (/^\.{1,2}$/.test(v.replace(/\//g, '_').slice(0, 60))) return;
        mkdirSync(dir, { recursive: true });
        check(() => sh`cd ${dir} && exec ${['printf', '%s', v]}`.script, exact(v), v);
      }),
      runs,
    );
  });

  test('templates: the quote helper', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        check(() => renderText('printf %s {{quote v}}', { v }), exact(v), v);
        check(() => renderText('printf %s {{quote l}}', { l: [v, v] }), exact(v + v), v);
      }),
      runs,
    );
  });

  test('file paths: written and read back through the shell write path', async () => {
    const conn = LocalConnection.open('localhost');
    const dir = join(root, 'files');
    mkdirSync(dir);
    try {
      await fc.assert(
        fc.asyncProperty(hostile, async (v) => {
          const name = v.replace(/\//g, '_').slice(0, 80);
          if (name === '' || name === '.' || name === '..') return;
          const path = join(dir, name);
          const content = bytes(`${v}\n`);
          await conn.writeFile(path, content, { backup: true });
          expect(existsSync(canary)).toBe(false);
          expect(readFileSync(path).equals(content)).toBe(true);
          const [back] = await conn.readFiles([path]);
          expect(back?.content?.equals(content)).toBe(true);
        }),
        { numRuns: 60 },
      );
    } finally {
      await conn.close();
    }
  });
});
