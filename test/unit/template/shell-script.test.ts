// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { TemplateError } from '../../../src/template/render.js';
import { renderShellScript } from '../../../src/template/shell-script.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-shell-script-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const canary = join(root, 'canary');
beforeEach(() => rmSync(canary, { force: true }));

/** Runs a script with the real /bin/sh (dash on Debian) and returns its stdout as bytes. */
function run(script: string): Buffer {
  return execFileSync('/bin/sh', ['-c', script], { cwd: root });
}

describe('shell script values are quoted for where they land (issue 17.1)', () => {
  // Each of these created the canary with the regex quoting of quoteMustaches (engine/run.ts).
  test.each([
    ['inside double quotes', 'printf %s "{{v}}"', `$(touch ${canary})`],
    ['inside single quotes', "printf %s '{{v}}'", `'; touch ${canary}; '`],
    ["a '}' inside the braces", "printf %s {{default v '}'}}", `;touch ${canary}`],
    ['backticks inside double quotes', 'printf %s "{{v}}"', `\`touch ${canary}\``],
    ['an unquoted here-document', 'cat <<EOF\n{{v}}\nEOF', `$(touch ${canary})`],
    ['inside $( ) inside double quotes', 'printf %s "$(printf %s {{v}})"', `;touch ${canary}`],
  ])('%s: arrives literally and runs nothing', (_, script, v) => {
    const out = run(renderShellScript(script, { v })).toString('utf8');
    expect(existsSync(canary)).toBe(false);
    expect(out.replace(/\n$/, '')).toBe(v);
  });

  test('a comment cannot be ended by a value with a newline', () => {
    const out = run(renderShellScript('# {{v}}\nprintf ok', { v: `x\ntouch ${canary}` })).toString();
    expect(out).toBe('ok');
    expect(existsSync(canary)).toBe(false);
  });

  test('a value that could end a here-document early is refused when rendered', () => {
    for (const v of ['EOF', `a\nEOF\ntouch ${canary}`, '\tEOF'])
      expect(() => renderShellScript('cat <<-EOF\n{{v}}\nEOF', { v })).toThrow(/could end it early/);
    expect(() => renderShellScript('cat <<EOF\nE{{v}}\nEOF', { v: 'OF' })).toThrow(/could end it early/);
    expect(renderShellScript('cat <<EOF\nE{{v}}\nEOF', { v: 'OFx' })).toBe('cat <<EOF\nEOFx\nEOF');
  });

  test.each([
    ['inside backticks', 'echo `echo {{v}}`', /inside `...`/],
    ['inside ${...}', 'echo ${x:-{{v}} }', /inside \$\{\.\.\.\}/],
    ['inside $((...))', 'echo $(( {{v}} + 1 ))', /inside \$\(\(\.\.\.\)\)/],
    ['after a backslash', 'echo \\\\{{v}}', /after a backslash/],
    ['after $', 'echo ${{v}}', /after '\$'/],
    ['as a here-document delimiter', 'cat <<{{v}}\nx\n', /delimiter word/],
    ['a block leaving a quote open', 'echo {{#if v}}"{{/if}}x"', /another quoting state/],
  ])('%s is refused with its line and column', (_, script, message) => {
    const e = (() => {
      try {
        renderShellScript(script, { v: 'x' });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).message).toMatch(message);
    expect((e as TemplateError).line).toBe(1);
  });

  test('refused at load, naming file:line:column of the script line', async () => {
    const file = join(root, 'pb.yml');
    writeFileSync(
      file,
      '- hosts: all\n  tasks:\n    - name: t\n      shell: |\n        set -e\n        echo `id {{user}}`\n',
    );
    const e = await loadPlaybook(file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/pb\.yml:6:\d+: shell script: a value inside `\.\.\.` cannot be quoted/);
  });

  test('a loop over a list quotes each item; raw {{{ }}} stays raw on purpose', () => {
    const script = renderShellScript("{{#each l}}printf '<%s>' {{this}};{{/each}} echo {{{ raw }}}", {
      l: ['a b', `;touch ${canary}`],
      raw: 'a | wc -c',
    });
    // `{{{ raw }}}` was not quoted, so its pipe ran: `echo a | wc -c` prints 2.
    expect(run(script).toString()).toBe(`<a b><;touch ${canary}>2\n`);
    expect(existsSync(canary)).toBe(false);
  });

  test("the shipped playbooks' scripts are accepted unchanged", () => {
    const vars = { item: { mountpoint: '/mnt/x y' }, initramfs_image: '/boot/i' };
    expect(renderShellScript('dir={{item.mountpoint}}/.v-$$\necho "verified {{item.mountpoint}}"', vars)).toBe(
      'dir=\'/mnt/x y\'/.v-$$\necho "verified /mnt/x y"',
    );
  });
});
