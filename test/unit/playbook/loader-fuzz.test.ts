/**
 * Property-based: whatever a user's file holds, loading it either works or fails with a ConfigError (exit 4, with
 * a message); never an unhandled exception (INTERNAL ERROR, exit 250).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function write(name: string, text: string): string {
  const dir = join(root, `c${++n}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Resolves when the load works or fails with a ConfigError; anything else fails the property. */
async function onlyConfigErrors(load: () => Promise<unknown>): Promise<void> {
  try {
    await load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError: ${(e as Error)?.stack ?? String(e)}`);
    expect(e.message.length).toBeGreaterThan(0);
  }
}

// Keys a playbook or inventory really uses, so random documents reach deep into the loaders, plus noise.
const keys = fc.oneof(
  fc.constantFrom(
    'hosts',
    'tasks',
    'name',
    'vars',
    'handlers',
    'pre_tasks',
    'post_tasks',
    'roles',
    'become',
    'gather_facts',
    'when',
    'loop',
    'with_items',
    'register',
    'notify',
    'tags',
    'block',
    'rescue',
    'always',
    'command',
    'shell',
    'copy',
    'template',
    'lineinfile',
    'debug',
    'msg',
    'src',
    'dest',
    'content',
    'mode',
    'all',
    'children',
    'ansible_host',
    'ansible_port',
    'import_playbook',
    'include_tasks',
    'vars_files',
    'no_log',
    'ignore_errors',
    'serial',
    'check_mode',
    'args',
    'loop_control',
    'until',
    'retries',
    'delegate_to',
  ),
  fc.string({ maxLength: 8 }),
);
const scalars = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('{{ x }}', '{{', '}}', '{% if %}', 'all', 'localhost', '0644', 'yes', 'null', '~', '[', ':'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalars,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(keys, tie('tree'), { maxKeys: 5 }),
  ),
}));
// Random YAML-ish text: fragments that make the parser take its many error paths.
const yamlText = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.constantFrom(
        '- ',
        ': ',
        '\n',
        '\n  ',
        '\t',
        '---\n',
        '...\n',
        '&a ',
        '*a',
        '!!binary ',
        '!tag ',
        '? ',
        '|\n',
        '>-\n',
        '"',
        "'",
        '{',
        '}',
        '[',
        ']',
        ',',
        '#',
        '%YAML 1.2\n',
        '<<: *a\n',
        'hosts: all\n',
        'tasks:\n',
        '[group]\n',
        'host ansible_port=x\n',
        '[g:children]\n',
        '[g:vars]\n',
        '=',
      ),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('loaders never crash on random input (fast-check)', () => {
  it('loadPlaybook: random YAML text', async () => {
    await fc.assert(
      fc.asyncProperty(yamlText, async (text) => onlyConfigErrors(() => loadPlaybook(write('site.yml', text)))),
      { numRuns: 300 },
    );
  });

  it('loadPlaybook: random structures serialised to YAML', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(tree, fc.array(fc.dictionary(keys, tree, { maxKeys: 6 }), { maxLength: 3 })),
        async (doc) => onlyConfigErrors(() => loadPlaybook(write('site.yml', stringify(doc)))),
      ),
      { numRuns: 300 },
    );
  });

  it('loadInventory: random YAML text, as .yml and as sniffed/INI', async () => {
    await fc.assert(
      fc.asyncProperty(yamlText, fc.constantFrom('hosts.yml', 'hosts.ini', 'hosts'), async (text, name) =>
        onlyConfigErrors(() => loadInventory(write(name, text))),
      ),
      { numRuns: 300 },
    );
  });

  it('loadInventory: random structures serialised to YAML', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (doc) => onlyConfigErrors(() => loadInventory(write('hosts.yml', stringify(doc))))),
      { numRuns: 300 },
    );
  });
});
