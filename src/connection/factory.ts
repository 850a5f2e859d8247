import { userInfo } from 'node:os';
import { connectionWithSshConfig, type SshClientConfig } from '../inventory/ssh-config.js';
import type { Vars } from '../inventory/types.js';
import { CONNECTION_DETAILS, type ConnectionLog, logFor } from './connection-log.js';
import { JumpPool } from './jump-pool.js';
import type { KnownHosts } from './known-hosts.js';
import { openLocal } from './local-host.js';
import { santricityTargetOf } from './santricity-target.js';
import { sshTargetOf } from './ssh-target.js';
import type { Connection } from './types.js';

/** Who a host's session runs as when its inventory does not say (the playbook's become, else ansible.cfg's). */
export interface SessionBecome {
  become?: boolean;
  becomeUser?: string;
}

export interface ConnectionFactoryOptions {
  knownHosts: KnownHosts;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs: number;
  /** ~/.ssh/config (or -F): HostName, Port, User, IdentityFile, ProxyJump. */
  sshConfig?: SshClientConfig;
  /** -k and -K answers: used where the inventory gives no password of its own. */
  password?: string;
  becomePassword?: string;
  /** The become a host's session gets when its inventory variables do not set one. */
  becomeFor?: (host: string) => SessionBecome;
  /** -vvv and -vvvv: what each connection does (see connection-log.ts). */
  log?: ConnectionLog;
}

/**
 * The one place a host's connection is made, for every command: local (`ansible_connection: local`), an E-Series
 * array's REST API (`ansible_connection: eseries_api`) or ssh,
 * ssh-config applied, host keys checked, become, and jump hosts shared through one pool per run.
 */
export class ConnectionFactory {
  private jumps: JumpPool | undefined;

  constructor(private readonly options: ConnectionFactoryOptions) {}

  /**
   * Opens the connection for `host` with its resolved variables. `factsOnly` opens a plain login session even where
   * become is set: world-readable facts need no sudo (the worksheet reads only those).
   */
  async connect(host: string, vars: Vars, { factsOnly = false }: { factsOnly?: boolean } = {}): Promise<Connection> {
    const o = this.options;
    const c = connectionWithSshConfig(host, vars, o.sshConfig);
    const become: SessionBecome = factsOnly ? { become: false } : (o.becomeFor?.(host) ?? {});
    if (c.connection === 'eseries_api') {
      // An E-Series array: its REST API over verified HTTPS, no ssh and no become.
      const { SantricityApiConnection } = await import('./santricity-api.js');
      const array = santricityTargetOf(host, vars);
      logFor(
        o.log,
        host,
        CONNECTION_DETAILS,
      )?.(
        `ESTABLISH E-SERIES API CONNECTION FOR USER: ${array.username} to ${array.urls.join(', ')} (storage system ${array.ssid})`,
      );
      return SantricityApiConnection.open(array, o.connectTimeoutMs);
    }
    if (c.connection === 'local') {
      logFor(o.log, host, CONNECTION_DETAILS)?.(`ESTABLISH LOCAL CONNECTION FOR USER: ${userInfo().username}`);
      return openLocal(host, factsOnly ? { ...c, become: false } : c, become);
    }
    // ssh2 loads on the first connection: --list-hosts, --list-tasks and bad input never pay for it.
    const { SshConnection } = await import('./ssh.js');
    // Checked and made with no await in between: hosts connect concurrently and must share the one pool.
    if (c.jumps && !this.jumps) this.jumps = new JumpPool();
    const target = sshTargetOf(host, c, { password: o.password, becomePassword: o.becomePassword, ...become });
    return SshConnection.open(factsOnly ? { ...target, become: false } : target, {
      knownHosts: o.knownHosts,
      acceptNewHostKeys: o.acceptNewHostKeys,
      connectTimeoutMs: o.connectTimeoutMs,
      jumps: this.jumps,
      log: o.log,
    });
  }

  /** Closes what connections share (the jump hosts' connections); each host's own is closed by its user. */
  close(): void {
    this.jumps?.close();
  }
}
