/**
 * What the CLI does without touching a host: --list-hosts, --list-tasks, --syntax-check on the shipped
 * playbooks and example inventory, and bad input caught there (exit 4) before any prompt or connection.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { type CliResult, cliMissing, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const out = (r: CliResult) => r.stdout + r.stderr;
// 10.0.0.x in the example inventory must never be dialled: a wrong --known-hosts makes any attempt fail loudly.
const run = (...args: string[]) => sshplay(['run', ...args, '--known-hosts', '/nonexistent/known_hosts']);

describeNeeding(cliMissing())('static CLI: lists and syntax check', () => {
  it('--list-hosts and --list-tasks of iser.yml on the example inventory', async () => {
    const hosts = await run('playbooks/iser.yml', '-i', 'inventory/example.yml', '--list-hosts');
    expect(hosts.code, out(hosts)).toBe(0);
    expect(hosts.stdout).toMatch(/play: .* \(2 hosts\)\n {4}rhel-host-1\n {4}sles-host-1\n/);
    const tasks = await run(
      'playbooks/iser.yml',
      '-i',
      'inventory/example.yml',
      '--list-tasks',
      '--limit',
      'rhel-host-1',
    );
    expect(tasks.code, out(tasks)).toBe(0);
    expect(tasks.stdout).toMatch(/play: .* \(1 hosts\)/);
    expect(tasks.stdout).toMatch(/ {4}.*TAGS: \[storage/);
  });

  it('--limit: each part that matches nothing is named with the closest group or host', async () => {
    const typo = await run('playbooks/iser.yml', '-i', 'inventory/example.yml', '--list-hosts', '--limit', 'iser_host');
    expect(typo.code, out(typo)).toBe(5);
    expect(typo.stderr).toContain("--limit 'iser_host' matches no host");
    expect(typo.stderr).toContain("'iser_host' (did you mean 'iser_hosts'?)");
    const partial = await run(
      'playbooks/iser.yml',
      '-i',
      'inventory/example.yml',
      '--list-hosts',
      '--limit',
      'rhel-host-1,sles-hots-1',
    );
    expect(partial.code, out(partial)).toBe(0);
    expect(partial.stderr).toContain(
      "[WARNING] --limit 'rhel-host-1,sles-hots-1': 'sles-hots-1' (did you mean 'sles-host-1'?) matches no host or group",
    );
    expect(partial.stdout).toMatch(/\(1 hosts\)\n {4}rhel-host-1\n/);
  });

  it('what an ansible-playbook user types: several playbooks, --list-tags, and no `run`', async () => {
    const two = await run(
      'playbooks/iser-validate.yml',
      'playbooks/iser-verify.yml',
      '-i',
      'inventory/example.yml',
      '--list-tasks',
      '--list-tags',
    );
    expect(two.code, out(two)).toBe(0);
    // both playbooks' plays, in the order given, each with its tags
    expect(two.stdout).toMatch(
      /play: Validate[^\n]*\n {4}TAGS: \[always\]\n[\s\S]*play: Verify storage access[^\n]*\n {4}TAGS: \[storage\]/,
    );
    const bare = await sshplay(['playbooks/iser.yml', '-i', 'inventory/example.yml']);
    expect(bare.code, out(bare)).toBe(5);
    expect(bare.stderr).toContain('To run a playbook: sshplay run playbooks/iser.yml -i inventory/example.yml');
  });

  it('--syntax-check passes the shipped playbooks and stops', async () => {
    for (const pb of ['iser.yml', 'iser-teardown.yml']) {
      const r = await run(`playbooks/${pb}`, '-i', 'inventory/example.yml', '--syntax-check');
      expect(r.code, out(r)).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`playbook: playbooks/${pb.replace('.', '\\.')}: syntax OK \\(\\d+ plays`));
    }
  });

  it('--syntax-check fails on a bad playbook and on a become conflict, exit 4, naming file:line:column', async () => {
    const dir = await tempDir('static');
    const typo = await writeTemp(
      dir,
      'typo.yml',
      '- hosts: all\n  tasks:\n    - name: x\n      copyy: { dest: /tmp/x }\n',
    );
    const r = await run(typo, '-i', 'inventory/example.yml', '--syntax-check');
    expect(r.code, out(r)).toBe(4);
    expect(out(r)).toMatch(/typo\.yml:4:7: unknown module 'copyy' \(did you mean 'copy'\?\)/);
    const mixed = await writeTemp(
      dir,
      'mixed.yml',
      '- hosts: iser_hosts\n  become: true\n  tasks: []\n- hosts: rhel-host-1\n  become: false\n  tasks: []\n',
    );
    const m = await run(mixed, '-i', 'inventory/example.yml', '--syntax-check', '-k');
    expect(m.code, out(m)).toBe(4);
    expect(out(m)).toMatch(
      /mixed\.yml:4:\d+: become: false, but .*mixed\.yml:1:\d+ asks become: true for host rhel-host-1/,
    );
    expect(out(m)).not.toContain('SSH password');
  });

  it('ansible_connection: local runs on the controller itself (no ssh), idempotent; become to another user is refused', async () => {
    const dir = await tempDir('local');
    const inventory = await writeTemp(dir, 'hosts.ini', '[here]\nlocalhost ansible_connection=local\n');
    const target = `${dir}/written by sshplay.conf`;
    const pb = await writeTemp(
      dir,
      'local.yml',
      `- hosts: here
  gather_facts: true
  tasks:
    - copy: { dest: "${target}", content: "on {{ansible_hostname}}\\n", mode: "0600", backup: true }
    - command: id -un
      register: who
      changed_when: false
`,
    );
    const first = await run(pb, '-i', inventory);
    expect(first.code, out(first)).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(`on ${hostname()}\n`);
    expect(recap(first.stdout).localhost).toMatchObject({ changed: 1, failed: 0 });
    const second = await run(pb, '-i', inventory);
    expect(recap(second.stdout).localhost).toMatchObject({ changed: 0, failed: 0 });
    const other = await writeTemp(
      dir,
      'other.yml',
      (await readFile(pb, 'utf8')).replace(
        '  gather_facts: true',
        '  become: true\n  become_user: nobody\n  gather_facts: true',
      ),
    );
    const refused = await run(other, '-i', inventory);
    expect(refused.code, out(refused)).toBe(3);
    expect(out(refused)).toContain('become (to nobody) on a local connection is not supported');
  });
});
