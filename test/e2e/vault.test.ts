/**
 * Ansible Vault through the real CLI: group_vars encrypted whole and an inline `!vault` value, both made by
 * ansible-vault 2.14 (test/fixtures/vault), reach the host decrypted and never appear in any output.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { YamlSource } from '../../src/playbook/yaml-source.js';
import { VaultKeyring } from '../../src/vault/keyring.js';
import { describeNeeding, itNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import {
  ansibleVaultMissing,
  type CliResult,
  cliMissing,
  e2eUnavailable,
  ROOT,
  recap,
  sshplay,
  sshplayWithInput,
  tempDir,
  writeTemp,
} from './helpers.js';

const missing = e2eUnavailable();
const FIXTURES = join(ROOT, 'test/fixtures/vault');
const PASSWORD_FILE = join(FIXTURES, 'password.txt');
/** The plaintexts inside the fixtures (under storage_token and array_token). */
const WHOLE_FILE_SECRET = 'Tok-Whole-9x7!';
const INLINE_SECRET = 'Tok-Inline-4242';
const out = (r: CliResult) => r.stdout + r.stderr;

describeNeeding(missing)('Ansible Vault: encrypted group_vars and inline values', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let playbook: string;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({ hosts: [{ name: 'alpha', flavor: 'rhel8', groups: ['iser_hosts'] }] });
    dir = await tempDir('vault');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
    await mkdir(join(dir, 'group_vars/iser_hosts'), { recursive: true });
    // vault.yml (encrypted whole) holds storage_token; main.yml the inline array_token. Neither key names a
    // password or secret, so only the vault can be what hides them.
    await copyFile(join(FIXTURES, 'whole-file.yml'), join(dir, 'group_vars/iser_hosts/vault.yml'));
    await writeFile(
      join(dir, 'group_vars/iser_hosts/main.yml'),
      `label: plain text\n${await readFile(join(FIXTURES, 'inline.txt'), 'utf8')}\n`,
    );
    playbook = await writeTemp(
      dir,
      'vault.yml',
      `
- hosts: iser_hosts
  gather_facts: false
  tasks:
    - name: a file holding both values
      copy:
        dest: /etc/sshplay-vault.conf
        content: "inline={{array_token}}\\nwhole={{storage_token}}\\n"
        mode: "0600"
    - name: a command that prints one
      command: echo "token {{array_token}}"
      changed_when: false
`,
    );
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const run = (...extra: string[]) =>
    sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, ...extra], {
      env: { SSH_AUTH_SOCK: '', ANSIBLE_VAULT_PASSWORD_FILE: '' },
    });

  it('without a vault password: exit 4 at the encrypted value, nothing touched', async () => {
    const r = await run();
    expect(r.code, out(r)).toBe(4);
    expect(out(r)).toMatch(
      /group_vars\/iser_hosts\/main\.yml:2:\d+: encrypted with ansible-vault, but no vault password/,
    );
    expect(await fleet.readFile('alpha', '/etc/sshplay-vault.conf')).toBeNull();
  });

  it('a wrong password: exit 4, naming the password file tried', async () => {
    const wrong = await writeTemp(dir, 'wrong-password', 'not-the-vault-password\n');
    const r = await run('--vault-password-file', wrong);
    expect(r.code, out(r)).toBe(4);
    expect(out(r)).toContain(`no vault password given opens it (tried ${wrong})`);
  });

  it('with --vault-password-file: the host gets the plaintexts; diff, -v output and JSON never show them', async () => {
    const first = await run('--vault-password-file', PASSWORD_FILE, '--diff', '-v');
    expect(first.code, out(first)).toBe(0);
    expect(await fleet.readFile('alpha', '/etc/sshplay-vault.conf')).toBe(
      `inline=${INLINE_SECRET}\nwhole=${WHOLE_FILE_SECRET}\n`,
    );
    expect(first.stdout).toContain('+inline=********');
    expect(first.stdout).toContain('token ********');
    const json = await run('--vault-password-file', PASSWORD_FILE, '--json', '-v');
    expect(json.code, out(json)).toBe(0);
    for (const r of [first, json]) {
      expect(out(r)).not.toContain(INLINE_SECRET);
      expect(out(r)).not.toContain(WHOLE_FILE_SECRET);
    }
    // the command's argv held the secret: the host saw it, the controller's output did not
    expect(recap(first.stdout).alpha).toMatchObject({ changed: 1, failed: 0 });
  });

  it('ANSIBLE_VAULT_PASSWORD_FILE works as in Ansible; the second run changes nothing', async () => {
    const r = await sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile], {
      env: { SSH_AUTH_SOCK: '', ANSIBLE_VAULT_PASSWORD_FILE: PASSWORD_FILE },
    });
    expect(r.code, out(r)).toBe(0);
    expect(recap(r.stdout).alpha).toMatchObject({ changed: 0, failed: 0 });
  });

  it('sshplay inventory --list hides what the vault opened', async () => {
    const r = await sshplay(['inventory', '-i', inventory, '--list', '--vault-password-file', PASSWORD_FILE]);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain('"storage_token": "********"');
    expect(r.stdout).not.toContain(INLINE_SECRET);
  });
});

describeNeeding(cliMissing())('sshplay vault: encrypt, view, decrypt, encrypt_string', () => {
  const vault = (args: string[], input?: string) =>
    sshplayWithInput(['vault', ...args, '--vault-password-file', PASSWORD_FILE], input ?? '', {
      ANSIBLE_VAULT_PASSWORD_FILE: '',
    });

  it('a file encrypted in place keeps its mode, views and decrypts back to the same bytes', async () => {
    const dir = await tempDir('vault-cli');
    const file = join(dir, 'secrets.yml');
    const text = 'san_token: "t0k-ünï"\n# a comment\n';
    await writeFile(file, text, { mode: 0o640 });
    const enc = await vault(['encrypt', file]);
    expect(enc.code, out(enc)).toBe(0);
    const encrypted = await readFile(file, 'utf8');
    expect(encrypted.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
    expect(encrypted).not.toContain('t0k');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['secrets.yml']);
    const again = await vault(['encrypt', file]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('is already encrypted');
    const view = await vault(['view', file]);
    expect(view.stdout).toBe(text);
    const dec = await vault(['decrypt', file]);
    expect(dec.code, out(dec)).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('encrypt_string reads the value from stdin (not argv) and prints YAML that sshplay reads back', async () => {
    const r = await vault(['encrypt_string', '--name', 'array_token'], 'Piped-Value-77\n');
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toMatch(/^array_token: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n( {10}[0-9a-f]{1,80}\n)+$/);
    const keyring = new VaultKeyring([{ secret: 'vault-pw-for-tests', source: 'test' }]);
    expect(YamlSource.parse('s.yml', r.stdout, keyring).toJS()).toEqual({ array_token: 'Piped-Value-77' });
  });

  // ansible-vault is not installed by .ci/run; where it is (the bench installs it), this proves interop.
  itNeeding(ansibleVaultMissing())('ansible-vault opens what sshplay vault encrypted', async () => {
    const dir = await tempDir('vault-interop');
    const file = join(dir, 'v.yml');
    await writeFile(file, 'k: sshplay-made\n');
    expect((await vault(['encrypt', file])).code).toBe(0);
    const viewed = await new Promise<string>((resolve, reject) =>
      execFile('ansible-vault', ['view', '--vault-password-file', PASSWORD_FILE, file], (e, stdout) =>
        e ? reject(e) : resolve(stdout),
      ),
    );
    expect(viewed).toBe('k: sshplay-made\n');
  });
});
