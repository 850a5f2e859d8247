import { request } from 'node:http';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { ConnectionError, SshplayError } from '../errors.js';
import type { Cmd } from '../remote-command.js';
import { ArrayApiError } from './array-api-error.js';
import type { SantricityTarget } from './santricity-target.js';
import type { ApiChangeRequest, Connection, ConnectionStats, RemoteFile, RunResult } from './types.js';

/**
 * An E-Series array through SANtricity Web Services (HTTPS, JSON, basic auth), in place of a shell: GET and read-only
 * SYMbol procedures for modules' facts, POST and DELETE for the engine's apply. An array runs no shell commands and
 * has no files: a module that asks for them is refused with a message saying so (the load-time check in
 * src/cli/array-task-check.ts keeps such tasks from starting).
 */
export class SantricityApiConnection implements Connection {
  readonly stats: ConnectionStats = { execChannels: 0, commands: 0, roundTrips: 0, sftpOps: 0 };
  /** The controller that answered last: later requests go there first. */
  private url: string;

  private constructor(
    private readonly target: SantricityTarget,
    private readonly timeoutMs: number,
  ) {
    this.url = target.urls[0] as string;
  }

  get host(): string {
    return this.target.name;
  }

  /** Connects and checks the credentials with one read, so a wrong password stops the host before its first task. */
  static async open(target: SantricityTarget, timeoutMs: number): Promise<SantricityApiConnection> {
    const c = new SantricityApiConnection(target, timeoutMs);
    await c.apiRead('host-types');
    return c;
  }

  apiRead(path: string, query?: unknown): Promise<unknown> {
    if (query === undefined) return this.send('GET', path);
    if (!/^symbol\/get[A-Z]/.test(path))
      throw new SshplayError(`${this.host}: ${path} is not a read-only SYMbol procedure (symbol/get…)`);
    return this.send('POST', path, query);
  }

  apiChange(r: ApiChangeRequest): Promise<unknown> {
    return this.send(r.method, r.path, r.body);
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    let lastError: unknown;
    const urls = [this.url, ...this.target.urls.filter((u) => u !== this.url)];
    for (const base of urls) {
      try {
        const answer = await this.sendTo(base, method, path, body);
        this.url = base;
        return answer;
      } catch (e) {
        // Only an unreachable controller hands over to the other one; the array's own answers and a refused
        // certificate are final.
        if (!(e instanceof Unreachable)) throw e;
        lastError = e.cause;
      }
    }
    throw new ConnectionError(
      this.host,
      `no controller's REST API answered (${urls.join(', ')}): ${(lastError as Error)?.message ?? lastError}`,
    );
  }

  private async sendTo(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(`${base}/storage-systems/${encodeURIComponent(this.target.ssid)}/${path}`);
    const socket = await this.verifiedSocket(url);
    this.stats.roundTrips++;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const auth = Buffer.from(`${this.target.username}:${this.target.password}`).toString('base64');
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      // Plain http over the already verified TLS socket: no agent, no second handshake.
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          createConnection: () => socket,
          headers: {
            Accept: 'application/json',
            Authorization: `Basic ${auth}`,
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new Unreachable(e)));
      req.end(payload);
    });
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const where = `${method} ${url.pathname}`;
    if (status === 401)
      throw new ConnectionError(
        this.host,
        `the array refused the credentials (401 at ${where}): check eseries_api_username and eseries_api_password`,
      );
    if (status < 200 || status >= 300) {
      const p = parsed as { errorMessage?: unknown; localizedMessage?: unknown } | null;
      const msg = typeof p === 'object' && p ? (p.localizedMessage ?? p.errorMessage) : parsed;
      throw new ArrayApiError(
        status,
        `${where}: HTTP ${status}: ${typeof msg === 'string' ? msg : JSON.stringify(msg)}`,
      );
    }
    return parsed;
  }

  /**
   * A TLS socket whose certificate is verified before one byte of the request (the credentials) is written: by the
   * CA file with the usual chain and host name checks, or by its pinned SHA-256 fingerprint.
   */
  private verifiedSocket(url: URL): Promise<TLSSocket> {
    const t = this.target;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host,
        port: Number(url.port || 443),
        servername: /^[\d.]+$|:/.test(host) ? undefined : host,
        ...(t.certSha256 ? { rejectUnauthorized: false } : { ca: t.ca, rejectUnauthorized: true }),
      });
      const timer = setTimeout(
        () => socket.destroy(new Error(`TLS connect timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        if (t.certSha256) {
          const seen = socket.getPeerCertificate().fingerprint256;
          if (seen !== t.certSha256) {
            socket.destroy();
            reject(
              new ConnectionError(
                this.host,
                `${url.host} presented a certificate with SHA-256 fingerprint ${seen}, not the pinned eseries_api_cert_sha256 ${t.certSha256}: refused, nothing was sent`,
              ),
            );
            return;
          }
        }
        resolve(socket);
      });
      socket.once('error', (e: Error & { code?: string }) => {
        clearTimeout(timer);
        if (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(e.code ?? ''))
          reject(
            new ConnectionError(
              this.host,
              `${url.host}: the certificate does not verify against eseries_api_ca_file (${e.code}: ${e.message}): refused, nothing was sent`,
            ),
          );
        else reject(new Unreachable(e));
      });
    });
  }

  private refuse(what: string): never {
    throw new SshplayError(
      `${this.host} is an E-Series array reached through its REST API (ansible_connection: eseries_api): it ${what}; only the array modules (eseries_iser_interface, eseries_host, eseries_volume, eseries_lun_mapping, eseries_facts, eseries_sessions; and debug, assert, set_fact, fail) run on it`,
    );
  }

  /** Fact gathering reads /etc/os-release and runs uname on every host: an array answers that it has neither. */
  async read(cmds: readonly Cmd[]): Promise<RunResult[]> {
    return cmds.map(() => ({ rc: 127, stdout: '', stderr: `${this.host}: an E-Series array runs no shell commands` }));
  }

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    return paths.map(() => null);
  }

  run(): Promise<RunResult[]> {
    this.refuse('runs no shell commands');
  }

  writeFile(): Promise<never> {
    this.refuse('has no files to write');
  }

  async close(): Promise<void> {}
}

/** A controller that could not be reached (refused, reset, timed out): the next one is tried. */
class Unreachable extends Error {
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}
