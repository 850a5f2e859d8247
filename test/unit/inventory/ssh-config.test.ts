import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { connectionWithSshConfig, loadSshConfig } from '../../../src/inventory/ssh-config.js';

const dir = mkdtempSync(join(tmpdir(), 'sshplay-sshcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function config(text: string) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return loadSshConfig(file, true);
}

const SAMPLE = `
Host storage-*
  User admin
  IdentityFile ~/.ssh/id_%h
  ProxyJump ops@bastion:2222
Host storage-a
  HostName 10.1.0.5
  Port 2200
Host *
  User fallback
`;

describe('~/.ssh/config', () => {
  test('HostName, Port, User, IdentityFile (with tokens) and ProxyJump for the name ssh would match', async () => {
    const c = connectionWithSshConfig('storage-a', {}, await config(SAMPLE));
    expect(c).toMatchObject({
      host: '10.1.0.5',
      port: 2200,
      user: 'admin',
      privateKeyFile: join(homedir(), '.ssh/id_10.1.0.5'),
      jumps: [{ host: 'bastion', port: 2222, user: 'ops' }],
    });
  });

  test('inventory variables win; ansible_host is the name matched; unmatched hosts get only Host *', async () => {
    const ssh = await config(SAMPLE);
    const c = connectionWithSshConfig(
      'db1',
      { ansible_host: 'storage-a', ansible_user: 'root', ansible_port: 22 },
      ssh,
    );
    expect(c).toMatchObject({ host: '10.1.0.5', port: 22, user: 'root' });
    const explicitJump = connectionWithSshConfig('storage-b', { ansible_ssh_common_args: '-J gw' }, ssh);
    expect(explicitJump.jumps).toEqual([{ host: 'gw', port: 22 }]);
    const other = connectionWithSshConfig('web9', {}, ssh);
    expect(other).toMatchObject({ host: 'web9', port: 22, user: 'fallback' });
    expect(other.jumps).toBeUndefined();
  });

  test('no config: nothing changes; the default file may be absent, a named one must exist', async () => {
    expect(connectionWithSshConfig('h', {}, undefined)).toMatchObject({
      host: 'h',
      port: 22,
      user: userInfo().username,
    });
    expect(await loadSshConfig(join(dir, 'absent'), false)).toBeUndefined();
    await expect(loadSshConfig(join(dir, 'absent'), true)).rejects.toBeInstanceOf(ConfigError);
  });
});
