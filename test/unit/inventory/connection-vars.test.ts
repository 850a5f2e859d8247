import { userInfo } from 'node:os';
import { describe, expect, test } from 'vitest';
import { connectionOf } from '../../../src/inventory/connection-vars.js';
import { configError } from './temp-files.js';

describe('connectionOf', () => {
  test('defaults: the inventory name, port 22, the current user, ssh', () => {
    expect(connectionOf({ name: 'db1', vars: {} })).toEqual({
      host: 'db1',
      port: 22,
      user: userInfo().username,
      connection: 'ssh',
    });
  });

  test('every connection variable, typed', () => {
    const c = connectionOf({
      name: 'jumper',
      vars: {
        ansible_host: '192.0.2.50',
        ansible_port: '5555',
        ansible_user: 'deploy',
        ansible_ssh_private_key_file: '~/.ssh/id_ed25519',
        ansible_password: 'secret',
        ansible_become: 'yes',
        ansible_become_user: 'root',
        ansible_become_password: 'sudo-secret',
        ansible_connection: 'local',
      },
    });
    expect(c).toEqual({
      host: '192.0.2.50',
      port: 5555,
      user: 'deploy',
      privateKeyFile: '~/.ssh/id_ed25519',
      password: 'secret',
      become: true,
      becomeUser: 'root',
      becomePassword: 'sudo-secret',
      connection: 'local',
    });
  });

  test('the older ansible_ssh_* names are read when the current ones are absent', () => {
    const c = connectionOf({
      name: 'old',
      vars: { ansible_ssh_host: '10.0.0.1', ansible_ssh_port: 2200, ansible_ssh_user: 'u', ansible_ssh_pass: 'p' },
    });
    expect(c).toMatchObject({ host: '10.0.0.1', port: 2200, user: 'u', password: 'p' });
    expect(connectionOf({ name: 'x', vars: { ansible_host: 'new', ansible_ssh_host: 'old' } }).host).toBe('new');
  });

  test('become spellings and the smart connection', () => {
    expect(connectionOf({ name: 'h', vars: { ansible_become: false } }).become).toBe(false);
    expect(connectionOf({ name: 'h', vars: { ansible_become: 'no' } }).become).toBe(false);
    expect(connectionOf({ name: 'h', vars: { ansible_become: 'True' } }).become).toBe(true);
    expect(connectionOf({ name: 'h', vars: { ansible_connection: 'smart' } }).connection).toBe('ssh');
  });

  test.each([
    [0],
    [65536],
    ['ssh'],
    [22.5],
    [[22]],
  ])('ansible_port %j is a ConfigError naming the host and variable', async (port) => {
    const e = await configError(() => connectionOf({ name: 'web1', vars: { ansible_port: port } }));
    expect(e.message).toContain("host 'web1': ansible_port must be a port number from 1 to 65535");
  });

  test('other ill-typed connection variables are ConfigErrors too', async () => {
    const become = await configError(() => connectionOf({ name: 'h', vars: { ansible_become: 'maybe' } }));
    expect(become.message).toContain("host 'h': ansible_become must be true or false");
    const conn = await configError(() => connectionOf({ name: 'h', vars: { ansible_connection: 'winrm' } }));
    expect(conn.message).toContain("ansible_connection must be 'ssh', 'local' or 'eseries_api', got \"winrm\"");
    const user = await configError(() => connectionOf({ name: 'h', vars: { ansible_user: { name: 'x' } } }));
    expect(user.message).toContain('ansible_user must be a string');
  });

  describe('jump hosts from ansible_ssh_common_args / ansible_ssh_extra_args', () => {
    const jumps = (vars: Record<string, unknown>) => connectionOf({ name: 'h', vars }).jumps;

    test('the spellings OpenSSH takes', () => {
      expect(jumps({ ansible_ssh_common_args: '-o ProxyJump=bastion' })).toEqual([{ host: 'bastion', port: 22 }]);
      expect(
        jumps({ ansible_ssh_common_args: '-o StrictHostKeyChecking=yes -oProxyJump=admin@10.0.0.5:2222' }),
      ).toEqual([{ host: '10.0.0.5', port: 2222, user: 'admin' }]);
      expect(jumps({ ansible_ssh_extra_args: '-J ops@gw1,gw2:2200' })).toEqual([
        { host: 'gw1', port: 22, user: 'ops' },
        { host: 'gw2', port: 2200 },
      ]);
      expect(jumps({ ansible_ssh_common_args: '-o "ProxyJump [2001:db8::1]:22"' })).toEqual([
        { host: '2001:db8::1', port: 22 },
      ]);
      expect(jumps({ ansible_ssh_common_args: '-Jssh://u@b:23' })).toEqual([{ host: 'b', port: 23, user: 'u' }]);
      expect(jumps({ ansible_ssh_common_args: '-o ProxyJump=none' })).toBeUndefined();
      expect(jumps({ ansible_ssh_common_args: '-o ServerAliveInterval=30' })).toBeUndefined();
    });

    test('ProxyCommand and malformed hops are errors naming the host, not ignored', async () => {
      const proxy = await configError(() =>
        connectionOf({ name: 'h', vars: { ansible_ssh_common_args: '-o ProxyCommand="ssh -W %h:%p bastion"' } }),
      );
      expect(proxy.message).toContain("host 'h': ansible_ssh_common_args sets ProxyCommand");
      const bad = await configError(() =>
        connectionOf({ name: 'h', vars: { ansible_ssh_common_args: '-o ProxyJump=a@b@c' } }),
      );
      expect(bad.message).toContain("ProxyJump 'a@b@c': 'a@b@c' is not [user@]host[:port]");
      const port = await configError(() => connectionOf({ name: 'h', vars: { ansible_ssh_extra_args: '-J b:99999' } }));
      expect(port.message).toContain("'b:99999' is not [user@]host[:port]");
    });
  });
});
