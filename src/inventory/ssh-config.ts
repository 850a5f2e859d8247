import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { ConfigError } from '../errors.js';
import { connectionOf, type HostConnection } from './connection-vars.js';
import type { Vars } from './types.js';

/**
 * OpenSSH's client configuration (~/.ssh/config, or -F FILE): Ansible connects through OpenSSH, so a host an
 * admin reaches with `ssh storage-1` is reached the same way by ansible-playbook, and must be by sshplay.
 * HostName, Port, User, IdentityFile and ProxyJump are honoured for the name OpenSSH would match (the
 * inventory's ansible_host, else the inventory name). Inventory variables, ansible.cfg and -e still win,
 * as `-o` options on Ansible's ssh command line do; HostName maps the name ssh would have been given.
 */
export interface SshClientConfig {
  file: string;
  config: SSHConfig;
}

export async function loadSshConfig(file: string | undefined, explicit: boolean): Promise<SshClientConfig | undefined> {
  const path = file ?? join(homedir(), '.ssh', 'config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    // the default file is optional; one named with -F must exist
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ssh config: ${(e as Error).message}`, { file: path });
  }
  try {
    return { file: path, config: SSHConfig.parse(text) };
  } catch (e) {
    throw new ConfigError(`cannot parse ssh config: ${(e as Error).message}`, { file: path });
  }
}

/** What the ssh config says for a host: variables to sit under the host's own, the HostName and ProxyJump. */
export interface SshConfigDefaults {
  vars: Vars;
  hostName?: string;
  proxyJump?: string;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function sshConfigDefaults(ssh: SshClientConfig | undefined, name: string, vars: Vars): SshConfigDefaults {
  if (!ssh) return { vars: {} };
  const alias = typeof vars.ansible_host === 'string' ? vars.ansible_host : name;
  const found = ssh.config.compute(alias);
  const user = first(found.User) ?? (typeof vars.ansible_user === 'string' ? vars.ansible_user : userInfo().username);
  const hostName = first(found.HostName)?.replace(/%h/g, alias);
  const tokens = (text: string) =>
    text
      .replace(/^~(?=\/|$)/, homedir())
      .replace(/%(.)/g, (all, t: string) =>
        t === 'd'
          ? homedir()
          : t === 'u'
            ? userInfo().username
            : t === 'h'
              ? (hostName ?? alias)
              : t === 'r'
                ? user
                : t === '%'
                  ? '%'
                  : all,
      );
  const out: Vars = {};
  if (found.Port) out.ansible_port = first(found.Port);
  if (found.User) out.ansible_user = first(found.User);
  const identity = first(found.IdentityFile);
  if (identity) out.ansible_ssh_private_key_file = tokens(identity);
  const jump = first(found.ProxyJump);
  return { vars: out, hostName, proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : undefined };
}

/** How to reach a host: its connection variables over what the ssh config says for it. */
export function connectionWithSshConfig(name: string, vars: Vars, ssh: SshClientConfig | undefined): HostConnection {
  const defaults = sshConfigDefaults(ssh, name, vars);
  const c = connectionOf({ name, vars: { ...defaults.vars, ...vars } });
  if (defaults.hostName) c.host = defaults.hostName;
  if (!c.jumps && defaults.proxyJump)
    c.jumps = connectionOf({ name, vars: { ansible_ssh_common_args: `-o ProxyJump=${defaults.proxyJump}` } }).jumps;
  return c;
}
