import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { configVars, inventorySources, loadAnsibleConfig, parseConfigText } from '../../../src/cli/ansible-config.js';
import { ConfigError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'sshplay-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const saved = process.env.ANSIBLE_CONFIG;
afterEach(() => {
  if (saved === undefined) delete process.env.ANSIBLE_CONFIG;
  else process.env.ANSIBLE_CONFIG = saved;
});

function configFile(text: string): string {
  const file = join(dir, `ansible-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(file, text);
  process.env.ANSIBLE_CONFIG = file;
  return file;
}

describe('ansible.cfg', () => {
  test('configparser dialect: sections, = and :, comments, continuation lines', () => {
    const s = parseConfigText(
      'a.cfg',
      '# top\n[defaults]\ninventory = hosts.yml   # inline\nforks: 7\n; note\n[x]\nlong = a\n  b\n',
    );
    expect(s.get('defaults')?.get('inventory')).toBe('hosts.yml');
    expect(s.get('defaults')?.get('forks')).toBe('7');
    expect(s.get('x')?.get('long')).toBe('a\nb');
  });

  test('a line that is not a setting is an error at its line', () => {
    expect(() => parseConfigText('a.cfg', '[defaults]\nthis is not a setting\n')).toThrow(ConfigError);
    try {
      parseConfigText('a.cfg', 'forks = 3\n');
    } catch (e) {
      expect((e as Error).message).toMatch(/^a\.cfg:1:1: expected a \[section\] before settings/);
    }
  });

  test('the settings sshplay honours, paths relative to the file, ~ expanded', async () => {
    const file = configFile(
      '[defaults]\ninventory = inv/hosts.yml, /etc/other.ini\nremote_user = admin\nprivate_key_file = ~/.ssh/id_storage\nforks = 25\ntimeout = 30\nvault_password_file = .vault-pass\nhost_key_checking = False\n[privilege_escalation]\nbecome = True\nbecome_user = root\n',
    );
    const c = await loadAnsibleConfig();
    expect(c).toMatchObject({
      file,
      inventory: [join(dir, 'inv/hosts.yml'), '/etc/other.ini'],
      remoteUser: 'admin',
      privateKeyFile: join(homedir(), '.ssh/id_storage'),
      forks: '25',
      timeout: '30',
      vaultPasswordFile: join(dir, '.vault-pass'),
      become: true,
      becomeUser: 'root',
    });
    expect(c?.warnings[0]).toContain('host_key_checking = False is not honoured');
    expect(configVars(c)).toEqual({
      ansible_user: 'admin',
      ansible_ssh_private_key_file: join(homedir(), '.ssh/id_storage'),
    });
    expect(await inventorySources([], c)).toEqual([join(dir, 'inv/hosts.yml'), '/etc/other.ini']);
    expect(await inventorySources(['cli.yml'], c)).toEqual(['cli.yml']);
  });

  test('every setting that is read but not honoured gets one warning naming it', async () => {
    const file = configFile(
      '[defaults]\ninventory = hosts.yml\ncallbacks_enabled = profile_tasks\nstdout_callback = yaml\nroles_path = ./roles\nfact_caching = jsonfile\n[ssh_connection]\nssh_args = -o ControlMaster=auto\npipelining = True\n[privilege_escalation]\nbecome = True\nbecome_method = su\n',
    );
    const c = await loadAnsibleConfig();
    expect(c?.warnings).toEqual([
      `${file}: [defaults] callbacks_enabled is not honoured: sshplay has its own output (--json for machines, -v for more)`,
      `${file}: [defaults] stdout_callback is not honoured: sshplay has its own output (--json for machines, -v for more)`,
      `${file}: [defaults] roles_path is not honoured: set ANSIBLE_ROLES_PATH, or keep roles/ beside the playbook`,
      `${file}: [defaults] fact_caching is not honoured: sshplay does not read it`,
      `${file}: [ssh_connection] ssh_args is not honoured: sshplay speaks SSH itself (no OpenSSH client): put options in ~/.ssh/config or give -F`,
      `${file}: [ssh_connection] pipelining is not honoured: sshplay keeps one session per host for the whole run itself`,
      `${file}: [privilege_escalation] become_method is not honoured: sshplay becomes root with sudo`,
    ]);
  });

  test('no inventory anywhere: a usage error that says where to set one', async () => {
    configFile('[defaults]\nforks = 3\n');
    const c = await loadAnsibleConfig();
    await expect(inventorySources([], c)).rejects.toThrow(
      /no inventory: give -i FILE\|DIR, or set inventory in \[defaults\] of /,
    );
  });

  test('a bad boolean names the key and the file; a missing ANSIBLE_CONFIG file is an error', async () => {
    configFile('[privilege_escalation]\nbecome = perhaps\n');
    await expect(loadAnsibleConfig()).rejects.toThrow(/become must be true or false, not 'perhaps'/);
    process.env.ANSIBLE_CONFIG = join(dir, 'missing.cfg');
    await expect(loadAnsibleConfig()).rejects.toThrow(/ANSIBLE_CONFIG names a file that does not exist/);
  });
});
