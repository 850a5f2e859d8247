/**
 * Opening an ssh2 client to a host: its target and options, host key checking against known_hosts,
 * authentication, keepalive (when a silent host is given up) and the jump host it may be reached through.
 */
import { Client, type ConnectConfig, type ParsedKey, type ServerHostKeyAlgorithm } from 'ssh2';
import { ConnectionError } from '../errors.js';
import { quoteArg } from '../remote-command.js';
import { CONNECTION_DETAILS, type ConnectionLog, logFor, PROTOCOL_DEBUG } from './connection-log.js';
import type { JumpPool } from './jump-pool.js';
import { fingerprintOf, type HostKeyVerdict, hostLookupName, type KnownHosts, keyTypeOf } from './known-hosts.js';
import { KeyFileUnreadable, privateKeys } from './private-keys.js';
import { ResponsiveDeadline } from './responsive-deadline.js';
import { AuthAttempts, authMethodsOf } from './ssh-auth.js';

export interface SshTarget {
  /** Inventory name, used in messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  passphrase?: string;
  password?: string;
  become?: boolean;
  becomeUser?: string;
  becomePassword?: string;
  /** Reached through this host (ProxyJump), which may itself be behind another. */
  jump?: SshTarget;
}

export interface SshOptions {
  knownHosts: KnownHosts;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  /**
   * Keepalive probes keep long commands' connections open through firewalls and detect a silent host: one
   * whose kernel still acknowledges TCP but whose sshd no longer answers (hung kernel, stuck NFS mount).
   */
  keepaliveIntervalMs?: number;
  /** Unanswered probes in a row after which the host is given up (ssh2's keepaliveCountMax). */
  keepaliveCountMax?: number;
  /** Where connections to jump hosts are kept; needed when a target has a jump. */
  jumps?: JumpPool;
  /** -vvv connection details and -vvvv protocol debug go here. */
  log?: ConnectionLog;
}

/** ssh2's default host key algorithms, in its order (the ones known_hosts lists for a host go first). */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * A silent host is given up after KEEPALIVE_COUNT_MAX probes KEEPALIVE_INTERVAL_MS apart go unanswered
 * (OpenSSH's ServerAliveInterval/ServerAliveCountMax). ssh2 (lib/client.js, sendKA/resetKA) probes every
 * interval whatever else flows, only an answer to a probe resets the count, and it fails at the tick after
 * the last allowed probe: 4 s x 3 gives up a frozen host 12-16 s after it froze.
 */
export const KEEPALIVE_INTERVAL_MS = 4_000;
export const KEEPALIVE_COUNT_MAX = 3;

function describeVerdict(target: SshTarget, verdict: HostKeyVerdict, file: string): string {
  const lookup = hostLookupName(target.address, target.port);
  switch (verdict.status) {
    case 'trusted':
      return '';
    case 'unknown':
      return (
        `host key unknown: ${verdict.keyType} ${verdict.fingerprint} is not in ${file}. ` +
        `Check the fingerprint, then trust it with: ssh-keyscan -p ${target.port} ${target.address} >> ${file} ` +
        '(or run again with --accept-new-host-keys)'
      );
    case 'changed':
      if (verdict.knownTypes)
        return (
          `@@@ HOST KEY CHANGED @@@ ${lookup} offers only ${verdict.keyType} ${verdict.fingerprint}, but ${file} ` +
          `knows it under ${verdict.knownTypes.join(', ')}: a host known under another key type is treated as ` +
          'changed (someone could be intercepting the connection, or the host was reinstalled). Refusing to connect. ' +
          `If the new key is expected, check it and record it with: ssh-keyscan -t ${verdict.keyType.replace(/^ssh-|-sha2-.*$/g, '')} -p ${target.port} ${target.address} >> ${file}`
        );
      return (
        `@@@ HOST KEY CHANGED @@@ ${lookup} now offers ${verdict.keyType} ${verdict.fingerprint}, which differs from ` +
        `the key recorded in ${file}. Someone could be intercepting the connection, or the host was reinstalled. ` +
        'Refusing to connect. If the change is expected, remove the old key with: ' +
        `ssh-keygen -f ${file} -R ${quoteArg(lookup)}`
      );
    case 'revoked':
      return `host key ${verdict.keyType} ${verdict.fingerprint} is marked @revoked in ${file}; refusing to connect`;
  }
}

/**
 * An authenticated ssh2 client for a target: host key checked against known_hosts, key/agent/password
 * login, every failure a ConnectionError naming the host. Through a jump host when the target has one.
 */
export async function connectClient(target: SshTarget, options: SshOptions): Promise<Client> {
  const client = new Client();
  const fail = (message: string, cause?: unknown) => new ConnectionError(target.name, message, { cause });
  const details = logFor(options.log, target.name, CONNECTION_DETAILS);
  const protocol = logFor(options.log, target.name, PROTOCOL_DEBUG);
  let keyProblem = '';
  let pendingKey: Buffer | null = null;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    // The connect timeout is ours (below): ssh2's plain timer would blame the host for the controller's own stalls.
    readyTimeout: 0,
    keepaliveInterval: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: options.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX,
    // Ask for the key types known_hosts lists for this host first, as OpenSSH orders HostKeyAlgorithms.
    ...(() => {
      const preferred = options.knownHosts
        .preferredAlgorithms(target.address, target.port)
        .filter((a): a is ServerHostKeyAlgorithm => (HOST_KEY_ALGORITHMS as string[]).includes(a));
      if (preferred.length === 0) return {};
      return {
        algorithms: { serverHostKey: [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))] },
      };
    })(),
    hostVerifier: (key: Buffer) => {
      const verdict = options.knownHosts.verify(target.address, target.port, key);
      details?.(`host key ${keyTypeOf(key)} ${fingerprintOf(key)}: ${verdict.status} (${options.knownHosts.file})`);
      if (verdict.status === 'trusted') return true;
      if (verdict.status === 'unknown' && options.acceptNewHostKeys) {
        pendingKey = key;
        return true;
      }
      keyProblem = describeVerdict(target, verdict, options.knownHosts.file);
      return false;
    },
    ...(protocol ? { debug: (line: string) => protocol(`ssh2: ${line}`) } : {}),
  };
  // The key is read and parsed once for the run (see private-keys.ts) and handed to ssh2 parsed, at its login.
  let key: ParsedKey | undefined;
  if (target.privateKeyFile) {
    const passphrase = target.passphrase || process.env.SSHPLAY_KEY_PASSPHRASE || undefined;
    try {
      key = await privateKeys.load(target.privateKeyFile, passphrase);
    } catch (e) {
      const message = (e as Error).message;
      if (e instanceof KeyFileUnreadable) throw fail(`cannot read private key ${target.privateKeyFile}: ${message}`, e);
      if (/decrypt|passphrase|encrypted/i.test(message))
        throw fail(
          `cannot use private key ${target.privateKeyFile}: it is passphrase-protected and ` +
            `${passphrase ? 'the passphrase given does not decrypt it' : 'no passphrase was given'} ` +
            '(set SSHPLAY_KEY_PASSPHRASE)',
          e,
        );
      throw fail(message, e);
    }
  }
  const agent = process.env.SSH_AUTH_SOCK || undefined;
  if (agent) config.agent = agent;
  if (target.password) config.password = target.password;
  const methods = authMethodsOf({ ...target, password: config.password }, agent).map((m) =>
    m.type === 'publickey' && key ? { ...m, login: { type: 'publickey' as const, username: target.user, key } } : m,
  );
  const auth = new AuthAttempts(methods, details);
  config.authHandler = auth.handler;
  details?.(
    `ESTABLISH SSH CONNECTION FOR USER: ${target.user} to ${target.address} port ${target.port}` +
      ` (key file ${target.privateKeyFile ?? 'none'}, jump host ${target.jump?.name.replace(/^jump host /, '') ?? 'none'},` +
      ` connect timeout ${connectTimeoutMs / 1000}s)`,
  );
  details?.(`auth methods in order: ${methods.map((m) => m.label).join(', ') || 'none configured'}`);
  if (target.jump) {
    const jump = target.jump;
    if (!options.jumps) throw new Error('a jump host needs SshOptions.jumps');
    try {
      config.sock = await options.jumps.forward(jump, options, target.address, target.port);
    } catch (e) {
      const why = e instanceof ConnectionError ? e.message.slice(jump.name.length + 2) : (e as Error).message;
      throw fail(`via ${jump.name}: ${why}`, e);
    }
  }

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    // From the TCP connect to a logged-in session, as ssh2's readyTimeout covered it.
    const deadline = new ResponsiveDeadline(connectTimeoutMs, () => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(
        new ConnectionError(target.name, `no answer within ${connectTimeoutMs / 1000}s (connect timeout)`, {
          timedOut: true,
        }),
      );
    });
    client.once('ready', () => {
      deadline.stop();
      settled = true;
      details?.(`authenticated as ${target.user} with ${auth.succeeded}`);
      resolve();
    });
    // Stays attached: ssh2 may report more errors after the first (a timed-out socket closing later), and an
    // 'error' event without a listener would crash the whole run.
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      deadline.stop();
      client.end();
      if (keyProblem) reject(fail(keyProblem));
      else if (err.level === 'client-authentication')
        reject(fail(auth.failure(target.user, target.address, target.port)));
      else reject(fail(err.message, err));
    });
    try {
      client.connect(config);
    } catch (e) {
      settled = true;
      deadline.stop();
      reject(fail((e as Error).message, e));
    }
  });
  if (pendingKey) {
    try {
      await options.knownHosts.add(target.address, target.port, pendingKey);
    } catch (e) {
      client.end();
      throw fail(`cannot record the host key in ${options.knownHosts.file}: ${(e as Error).message}`, e);
    }
  }
  return client;
}
