import { userInfo } from 'node:os';
import type { HostConnection } from '../inventory/connection-vars.js';
import type { SshTarget } from './ssh-client.js';

/**
 * The SSH target for an inventory host. Jump hosts are reached as OpenSSH's ProxyJump reaches them: their
 * own user (or the local user), the host's key file and the ssh-agent; never the host's password or sudo.
 */
export function sshTargetOf(
  name: string,
  c: HostConnection,
  secrets: { password?: string; becomePassword?: string; become?: boolean; becomeUser?: string } = {},
): SshTarget {
  let jump: SshTarget | undefined;
  for (const hop of c.jumps ?? []) {
    jump = {
      name: `jump host ${hop.user ? `${hop.user}@` : ''}${hop.host}${hop.port === 22 ? '' : `:${hop.port}`}`,
      address: hop.host,
      port: hop.port,
      user: hop.user ?? userInfo().username,
      privateKeyFile: c.privateKeyFile,
      jump,
    };
  }
  return {
    name,
    address: c.host,
    port: c.port,
    user: c.user ?? userInfo().username,
    privateKeyFile: c.privateKeyFile,
    password: c.password ?? secrets.password,
    become: c.become ?? secrets.become,
    becomeUser: c.becomeUser ?? secrets.becomeUser,
    becomePassword: c.becomePassword ?? secrets.becomePassword,
    jump,
  };
}
