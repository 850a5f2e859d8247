/**
 * Issue 17.6: YAML and other inputs. Anchors and aliases rendered as [object Object]; an alias bomb was
 * an internal error; import_tasks: /dev/zero read forever; the retry file followed a link.
 */
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseExtraVars } from '../../../src/cli/extra-vars.js';
import { writeRetryFile } from '../../../src/cli/retry-file.js';
import { loadVarsFile } from '../../../src/engine/vars.js';
import { ConfigError } from '../../../src/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { VaultKeyring } from '../../../src/vault/keyring.js';

const root = mkdtempSync(join(tmpdir(), 'sshplay-yaml-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function file(text: string, name = `f${++n}.yml`): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

const ALIASES = `
base: &base { portal: 192.168.130.101, iface: iface-ib0 }
portals:
  - *base
  - <<: *base
    portal: 192.168.131.101
names: &names [a, b]
again: *names
`;
const RESOLVED = {
  base: { portal: '192.168.130.101', iface: 'iface-ib0' },
  portals: [
    { portal: '192.168.130.101', iface: 'iface-ib0' },
    { portal: '192.168.131.101', iface: 'iface-ib0' },
  ],
  names: ['a', 'b'],
  again: ['a', 'b'],
};

const BOMB = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;

describe('anchors and aliases resolve (issue 17.6)', () => {
  test('in a playbook: play vars and a task that is an alias', async () => {
    const indented = ALIASES.trim().replace(/^/gm, '    ');
    const pb = await loadPlaybook(
      file(`- hosts: all\n  vars:\n${indented}\n  tasks:\n    - &t { name: hello, debug: { msg: hi } }\n    - *t\n`),
    );
    const play = pb.plays[0];
    expect(play?.vars).toEqual(RESOLVED);
    expect(play?.tasks.map((t) => t.name)).toEqual(['hello', 'hello']);
  });

  test('in vars_files', async () => {
    expect(await loadVarsFile(root, file(ALIASES), new Map(), new VaultKeyring())).toEqual(RESOLVED);
  });

  test('in -e @file', async () => {
    expect(await parseExtraVars([`@${file(ALIASES)}`])).toEqual(RESOLVED);
  });

  test('an alias bomb is a configuration error (exit 4), everywhere', async () => {
    const bomb = file(BOMB);
    await expect(parseExtraVars([`@${bomb}`])).rejects.toBeInstanceOf(ConfigError);
    await expect(parseExtraVars([`@${bomb}`])).rejects.toThrow(/alias/);
    await expect(loadVarsFile(root, file(BOMB), new Map(), new VaultKeyring())).rejects.toBeInstanceOf(ConfigError);
    const pb = file(`- hosts: all\n  vars:\n${BOMB.replace(/^/gm, '    ')}\n  tasks: []\n`);
    await expect(loadPlaybook(pb)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('inputs are bounded', () => {
  test('import_tasks: /dev/zero fails at once, naming the file', async () => {
    const pb = file('- hosts: all\n  tasks:\n    - import_tasks: /dev/zero\n');
    const started = Date.now();
    await expect(loadPlaybook(pb)).rejects.toThrow(/import_tasks: cannot read \/dev\/zero: not a regular file/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a vars file larger than 16 MiB is refused, not read', async () => {
    const big = join(root, 'big.yml');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024);
    await expect(loadVarsFile(root, big, new Map(), new VaultKeyring())).rejects.toThrow(
      /more than the 16777216 a config file may have/,
    );
    await expect(parseExtraVars([`@${big}`])).rejects.toThrow(/more than/);
  });
});

describe('the retry file', () => {
  test('a link at its name is replaced, never written through', async () => {
    const victim = file('precious\n', 'victim');
    const retry = join(root, 'site.retry');
    symlinkSync(victim, retry);
    await writeRetryFile(retry, ['host1', 'host2']);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(retry).isSymbolicLink()).toBe(false);
    expect(readFileSync(retry, 'utf8')).toBe('host1\nhost2\n');
  });
});
