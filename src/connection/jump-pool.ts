import type { Client, ClientChannel } from 'ssh2';
import type { SshOptions, SshTarget } from './ssh-client.js';

/**
 * Connections to jump hosts (OpenSSH's ProxyJump), one per jump host and shared by every host behind it:
 * each host's connection is a direct-tcpip channel through it. A jump host that cannot be reached is tried
 * once, and every host behind it reports that reason, rather than 200 hosts each waiting out a timeout.
 */
export class JumpPool {
  private readonly clients = new Map<string, Promise<Client>>();

  private static key(t: SshTarget): string {
    return `${t.user}@${t.address}:${t.port}${t.jump ? ` via ${JumpPool.key(t.jump)}` : ''}`;
  }

  /** A stream to host:port as seen from the jump host, to carry the host's own SSH connection. */
  async forward(jump: SshTarget, options: SshOptions, host: string, port: number): Promise<ClientChannel> {
    const key = JumpPool.key(jump);
    let client = this.clients.get(key);
    if (!client) {
      // ssh2 loads with the first connection (see cli/run-command.ts): this module stays cheap to import.
      client = import('./ssh-client.js').then(({ connectClient }) => connectClient(jump, options));
      client.catch(() => undefined);
      this.clients.set(key, client);
    }
    const c = await client;
    return new Promise((resolve, reject) =>
      c.forwardOut('127.0.0.1', 0, host, port, (err, channel) =>
        err ? reject(new Error(`cannot reach ${host}:${port} from there: ${err.message}`)) : resolve(channel),
      ),
    );
  }

  close(): void {
    for (const client of this.clients.values()) client.then((c) => c.end()).catch(() => undefined);
    this.clients.clear();
  }
}
