/**
 * An existing Ansible project: `sshplay run pb.yml` in a folder with ansible.cfg finds the inventory, login
 * user, key and vault password there, as `ansible-playbook pb.yml` would, with no -i.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { type CliResult, e2eUnavailable, ROOT, recap, sshplay, tempDir } from './helpers.js';

const missing = e2eUnavailable();
const out = (r: CliResult) => r.stdout + r.stderr;

describeNeeding(missing)('ansible.cfg of an existing Ansible project', () => {
  let fleet: Fleet;
  let project: string;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({ hosts: [{ name: 'alpha', flavor: 'rhel8', groups: ['storage'] }] });
    const h = fleet.hosts[0];
    project = await tempDir('ansible-project');
    await mkdir(join(project, 'inventory/group_vars/storage'), { recursive: true });
    // the inventory names no user and no key: those come from ansible.cfg
    await writeFile(
      join(project, 'inventory/hosts.yml'),
      `storage:\n  hosts:\n    alpha:\n      ansible_host: ${h?.address}\n      ansible_port: ${h?.port}\n`,
    );
    await copyFile(
      join(ROOT, 'test/fixtures/vault/whole-file.yml'),
      join(project, 'inventory/group_vars/storage/vault.yml'),
    );
    await copyFile(join(ROOT, 'test/fixtures/vault/password.txt'), join(project, '.vault-pass'));
    await copyFile(fleet.privateKeyFile, join(project, 'id_storage'));
    await writeFile(
      join(project, 'ansible.cfg'),
      [
        '[defaults]',
        'inventory = inventory/hosts.yml',
        'remote_user = root',
        'private_key_file = id_storage',
        'vault_password_file = .vault-pass',
        'forks = 5',
        'host_key_checking = False',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(project, 'site.yml'),
      `- hosts: storage\n  gather_facts: false\n  tasks:\n    - copy: { dest: /etc/sshplay-cfg, content: "{{storage_token}}\\n" }\n`,
    );
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const run = (...args: string[]) =>
    sshplay(['run', 'site.yml', '--known-hosts', fleet.knownHostsFile, ...args], {
      cwd: project,
      env: { SSH_AUTH_SOCK: '', ANSIBLE_CONFIG: '', ANSIBLE_VAULT_PASSWORD_FILE: '' },
    });

  it('no -i: inventory, user, key and vault password from ./ansible.cfg; host_key_checking=False is refused aloud', async () => {
    const r = await run();
    expect(r.code, out(r)).toBe(0);
    expect(await fleet.readFile('alpha', '/etc/sshplay-cfg')).toBe('Tok-Whole-9x7!\n');
    expect(r.stderr).toContain('host_key_checking = False is not honoured');
    expect(out(r)).not.toContain('Tok-Whole-9x7!');
    expect(recap(r.stdout).alpha).toMatchObject({ changed: 1 });
  });

  it('command-line options still win: -i elsewhere, and a wrong key file in the inventory beats the cfg one', async () => {
    const other = join(project, 'other.yml');
    const h = fleet.hosts[0];
    await writeFile(
      other,
      `storage:\n  hosts:\n    alpha:\n      ansible_host: ${h?.address}\n      ansible_port: ${h?.port}\n      ansible_ssh_private_key_file: /nonexistent/key\n      storage_token: plain\n`,
    );
    const r = await run('-i', other);
    expect(r.code, out(r)).toBe(3);
    expect(out(r)).toContain('cannot read private key /nonexistent/key');
    const cfg = await readFile(join(project, 'ansible.cfg'), 'utf8');
    expect(cfg).toContain('private_key_file = id_storage');
  });
});
