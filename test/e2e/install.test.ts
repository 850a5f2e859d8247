/**
 * The user's own command (issue 22, point 6): `npm install -g` from the repository puts `sshplay` on the
 * PATH as a link to the folder, so everyday runs start Node directly instead of paying npm's own start
 * through `npx`. Installed here into a temporary prefix, then run from another folder. The installed command
 * is the bundle `npm run build` makes (package.json "bin": dist/bin/sshplay.js, esbuild), which must do what
 * the repository's own build (dist/src/cli/main.js, what the other suites run) does: the same output.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { installInto } from '../../bench/installed-command.js';
import { describeNeeding } from '../support/prerequisites.js';
import { CLI, cliMissing, ROOT, tempDir } from './helpers.js';

const run = promisify(execFile);
const missing = cliMissing();

describeNeeding(missing)('sshplay installed on the PATH', () => {
  let prefix: string;
  let bin: string;
  beforeAll(async () => {
    // bench/installed-command.ts refuses a bundle older than the build it is made from: it would test
    // yesterday's program (`npm run build` makes both).
    prefix = await tempDir('prefix');
    bin = installInto(ROOT, prefix);
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

  it('the installed command checks templates at --syntax-check (Handlebars, loaded at first use), naming file:line', async () => {
    const elsewhere = await tempDir('elsewhere');
    const args = ['run', '--syntax-check', join(ROOT, 'playbooks/iser.yml'), '-i', join(ROOT, 'inventory/example.yml')];
    const r = await run(bin, args, { cwd: elsewhere });
    expect(r.stdout).toMatch(/syntax OK \(\d+ plays/);
    const bad = join(elsewhere, 'bad.yml');
    await writeFile(bad, '- hosts: all\n  tasks:\n    - name: t\n      debug: { msg: "{{#if x}}open" }\n');
    const failed = await run(bin, ['run', '--syntax-check', bad, '-i', join(ROOT, 'inventory/example.yml')], {
      cwd: elsewhere,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 4 });
    expect((failed as { stderr: string }).stderr).toMatch(/bad\.yml:4:\d+: template syntax error/);
  });

  it('the installed command runs a play: rendered on a local host, and ssh2 (left out of the bundle) connecting', async () => {
    const elsewhere = await tempDir('elsewhere');
    const playbook = join(elsewhere, 'hello.yml');
    await writeFile(
      playbook,
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: hello\n      command: { argv: [echo, "hi {{ inventory_hostname }}"] }\n',
    );
    const local = join(elsewhere, 'local.yml');
    await writeFile(local, 'all:\n  hosts:\n    me:\n      ansible_connection: local\n');
    const env = { ...process.env, NO_COLOR: '1' };
    const r = await run(bin, ['run', playbook, '-i', local, '-v'], { cwd: elsewhere, env });
    expect(r.stdout).toMatch(/^changed: \[me\] hello\b/m);
    expect(r.stdout).toMatch(/\| hi me$/m);
    // Nothing listens on port 1: the connection is refused, through ssh2, and the host is unreachable (exit 3).
    const closed = join(elsewhere, 'closed.yml');
    await writeFile(closed, 'all:\n  hosts:\n    nowhere:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n');
    const args = ['run', playbook, '-i', closed, '--known-hosts', join(elsewhere, 'known_hosts'), '--no-retry-file'];
    const u = await run(bin, args, { cwd: elsewhere, env }).catch((e: { code: number; stdout: string }) => e);
    expect(u).toMatchObject({ code: 3 });
    expect((u as { stdout: string }).stdout).toMatch(
      /unreachable: \[nowhere\] connect => nowhere: connect ECONNREFUSED/,
    );
  });
});
