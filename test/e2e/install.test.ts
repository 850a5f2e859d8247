/**
 * The user's own command (issue 22, point 6): `npm install -g` from the repository puts `sshplay` on the
 * PATH as a link to the folder, so everyday runs start Node directly instead of paying npm's own start
 * through `npx`. Installed here into a temporary prefix, then run from another folder.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { CLI, cliMissing, ROOT, tempDir } from './helpers.js';

const run = promisify(execFile);
const missing = cliMissing();

describeNeeding(missing)('sshplay installed on the PATH', () => {
  let prefix: string;
  let bin: string;
  beforeAll(async () => {
    prefix = await tempDir('prefix');
    // What the README gives, with the prefix for the test. --offline: the dependencies are those of the
    // folder, nothing is fetched; --ignore-scripts: dist/ is already built (npm test builds first), prepare
    // would only build it again.
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', ROOT],
      {
        timeout: 120_000,
      },
    );
    bin = join(prefix, 'bin', 'sshplay');
  }, 150_000);

  it('`sshplay --version` prints the package version, started from another folder with the prefix on PATH', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const elsewhere = await tempDir('elsewhere');
    const r = await run('sshplay', ['--version'], {
      cwd: elsewhere,
      env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` },
    });
    expect(r.stdout.trim()).toBe(version);
    expect(existsSync(bin)).toBe(true);
  });

  it('the installed command runs a playbook command (--list-tasks of playbooks/iser.yml)', async () => {
    const elsewhere = await tempDir('elsewhere');
    const args = ['run', '--list-tasks', join(ROOT, 'playbooks/iser.yml'), '-i', join(ROOT, 'inventory/example.yml')];
    const r = await run(bin, args, { cwd: elsewhere });
    expect(r.stdout).toMatch(/^play: Validate the iSER inventory variables \(\d+ hosts\)$/m);
    // the same program as the repository's own build: the same listing, play for play
    const direct = await run(process.execPath, [CLI, ...args], { cwd: elsewhere });
    expect(r.stdout).toBe(direct.stdout);
  });
});
