import { userInfo } from 'node:os';
import { ansibleBoolean } from '../ansible-boolean.js';
import { ConfigError } from '../errors.js';
import { splitWords } from '../remote-command.js';
import type { Vars } from './types.js';

/** How to reach a host, from its connection variables (ansible_host, ansible_port, ...). */
export interface HostConnection {
  /** Address to connect to: ansible_host, else the inventory name. */
  host: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  password?: string;
  become?: boolean;
  becomeUser?: string;
  becomePassword?: string;
  /** Jump hosts (OpenSSH ProxyJump), first hop first. */
  jumps?: JumpHost[];
  /** eseries_api: an E-Series array through its REST API (src/connection/santricity-api.ts), no ssh. */
  connection: 'ssh' | 'local' | 'eseries_api';
}

/** A hop of `-o ProxyJump=[user@]host[:port],...` or `-J ...`. */
export interface JumpHost {
  host: string;
  port: number;
  user?: string;
}

/**
 * Reads a host's connection variables; pass the merged variables from hostVars() so group and -e values count.
 * The older ansible_ssh_* spellings Ansible still accepts are read too, after the current names.
 */
export function connectionOf(host: { name: string; vars: Vars }): HostConnection {
  const read = new VariableReader(host.name, host.vars);
  const connection: HostConnection = {
    host: read.text('ansible_host', 'ansible_ssh_host') ?? host.name,
    port: read.port('ansible_port', 'ansible_ssh_port') ?? 22,
    user: read.text('ansible_user', 'ansible_ssh_user') ?? currentUser(),
    connection: read.connection('ansible_connection') ?? 'ssh',
  };
  const optional: Partial<HostConnection> = {
    privateKeyFile: read.text('ansible_ssh_private_key_file', 'ansible_private_key_file'),
    password: read.text('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'),
    become: read.flag('ansible_become'),
    becomeUser: read.text('ansible_become_user'),
    becomePassword: read.text('ansible_become_password', 'ansible_become_pass'),
    jumps: read.jumps('ansible_ssh_common_args', 'ansible_ssh_extra_args'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(connection, { [key]: value });
  }
  return connection;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (common in containers): fall back to what the shell says.
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}

class VariableReader {
  constructor(
    private readonly host: string,
    private readonly vars: Vars,
  ) {}

  private first(names: string[]): [string, unknown] | undefined {
    for (const name of names) {
      const value = this.vars[name];
      if (value !== undefined && value !== null) return [name, value];
    }
    return undefined;
  }

  private invalid(name: string, expected: string, value: unknown): ConfigError {
    return new ConfigError(`host '${this.host}': ${name} must be ${expected}, got ${JSON.stringify(value)}`);
  }

  text(...names: string[]): string | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const [name, value] = found;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') throw this.invalid(name, 'a string', value);
    return value;
  }

  port(...names: string[]): number | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const [name, value] = found;
    const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
      throw this.invalid(name, 'a port number from 1 to 65535', value);
    }
    return n;
  }

  flag(...names: string[]): boolean | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const [name, value] = found;
    const b = ansibleBoolean(typeof value === 'boolean' ? value : String(value));
    if (b !== undefined) return b;
    throw this.invalid(name, 'true or false (or yes/no)', value);
  }

  /**
   * Jump hosts from OpenSSH arguments as Ansible users write them (`-o ProxyJump=bastion`, `-J
   * admin@bastion:2222`). ProxyCommand is refused rather than ignored: connecting straight to the host
   * instead of through the command the user wrote would be a different network path.
   */
  jumps(...names: string[]): JumpHost[] | undefined {
    let spec: string | undefined;
    for (const name of names) {
      const text = this.text(name);
      if (text === undefined) continue;
      let words: string[];
      try {
        words = splitWords(text);
      } catch (e) {
        throw this.invalid(name, `OpenSSH arguments (${(e as Error).message})`, text);
      }
      for (let i = 0; i < words.length; i++) {
        const word = words[i] as string;
        const option = word === '-o' ? (words[++i] ?? '') : word.startsWith('-o') ? word.slice(2) : '';
        const [key = '', ...rest] = option.split(/=|\s+/);
        if (/^proxycommand$/i.test(key))
          throw new ConfigError(
            `host '${this.host}': ${name} sets ProxyCommand, which sshplay does not run; write the jump host as -o ProxyJump=[user@]host[:port]`,
          );
        if (/^proxyjump$/i.test(key)) spec = rest.join('=').trim();
        else if (word === '-J') spec = words[++i];
        else if (word.startsWith('-J') && word.length > 2) spec = word.slice(2);
      }
    }
    if (spec === undefined || spec === '' || spec.toLowerCase() === 'none') return undefined;
    return spec.split(',').map((hop) => this.jumpHost(hop.trim(), spec as string));
  }

  private jumpHost(hop: string, spec: string): JumpHost {
    const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(hop);
    const port = m?.[3] === undefined ? 22 : Number(m[3]);
    if (!m || port < 1 || port > 65535)
      throw new ConfigError(`host '${this.host}': ProxyJump '${spec}': '${hop}' is not [user@]host[:port]`);
    return { host: (m[2] as string).replace(/^\[|\]$/g, ''), port, user: m[1] };
  }

  connection(name: string): HostConnection['connection'] | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    // Ansible's "smart" and "paramiko" both mean SSH; sshplay has one SSH transport for them.
    if (value === 'ssh' || value === 'smart' || value === 'paramiko') return 'ssh';
    if (value === 'local') return 'local';
    if (value === 'eseries_api') return 'eseries_api';
    throw this.invalid(name, "'ssh', 'local' or 'eseries_api'", value);
  }
}
