import { execFileSync } from 'node:child_process';
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArrayRuleError,
  ArrayState,
  CONTROLLER_REFS,
  HOST_TYPES,
  type IserPort,
  interfaceId,
  portRef,
  type SimHost,
  type SimHostGroup,
  type SimSession,
} from './state.js';

/**
 * A simulated E-Series array: SANtricity Web Services' REST API (`/devmgr/v2/storage-systems/<id>/...`) over HTTPS on
 * 127.0.0.1 with basic auth, serving the endpoints netapp_eseries.santricity's modules use, in the JSON shapes of the
 * public model. Sources per endpoint: README.md.
 */

export interface SimulatedArrayOptions {
  ssid?: string;
  username?: string;
  password?: string;
  iqn?: string;
  ports?: IserPort[];
}

export interface SelfSignedCert {
  key: string;
  cert: string;
  /** SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` prints it (AA:BB:...). */
  sha256: string;
  /** The PEM file path (for eseries_api_ca_file). */
  certFile: string;
  dir: string;
}

/** A self-signed certificate for 127.0.0.1 made with openssl, in a temporary folder the caller removes. */
export function makeSelfSignedCert(commonName = '127.0.0.1'): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'sim-array-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { stdio: 'ignore' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error('the simulated array needs openssl to make its certificate (Debian package openssl)');
      throw e;
    }
  };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=IP:${commonName}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  const cert = readFileSync(certFile, 'utf8');
  const der = new X509Certificate(cert).raw;
  const sha256 = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
  return { key: readFileSync(keyFile, 'utf8'), cert, sha256, certFile, dir };
}

export const DEFAULT_PORTS: IserPort[] = [
  { controller: 'A', channel: 1, address: '0.0.0.0', linkState: 'up' },
  { controller: 'A', channel: 2, address: '0.0.0.0', linkState: 'up' },
  { controller: 'B', channel: 1, address: '0.0.0.0', linkState: 'up' },
  { controller: 'B', channel: 2, address: '0.0.0.0', linkState: 'up' },
];

export class SimulatedArray {
  readonly state: ArrayState;
  private server?: Server;
  private readonly username: string;
  private readonly password: string;
  /** Every request seen, method and path (tests count what check mode sent). */
  readonly requests: string[] = [];
  /** Called after every change the array accepted (host-link.ts tells the wired hosts). */
  onChange?: () => void;
  /** Where the sessions the array sees come from once hosts are wired to it (host-link.ts); else `state.sessions`. */
  sessionSource?: () => Promise<SimSession[]>;

  constructor(
    private readonly tls: SelfSignedCert | undefined,
    options: SimulatedArrayOptions = {},
  ) {
    this.state = new ArrayState(
      options.ssid ?? '1',
      options.iqn ?? 'iqn.1992-08.com.netapp:2800.600a098000a4b28d000000005c7bd4d8',
      options.ports ?? DEFAULT_PORTS,
    );
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'admin-password';
  }

  /** Listens on 127.0.0.1 at a free port; returns the API base URL (…/devmgr/v2). */
  async start(): Promise<string> {
    if (!this.tls) throw new Error('a simulated array serves HTTPS only with a certificate');
    this.server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => send(res, 500, { errorMessage: String(e) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `https://127.0.0.1:${port}/devmgr/v2`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private authorized(req: IncomingMessage): boolean {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const given = Buffer.from(Buffer.from(m[1] as string, 'base64').toString('utf8'));
    const expected = Buffer.from(`${this.username}:${this.password}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://array');
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    if (!this.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="SANtricity"');
      return send(res, 401, { errorMessage: 'Unauthorized', localizedMessage: 'Invalid user name or password.' });
    }
    const prefix = `/devmgr/v2/storage-systems/${this.state.ssid}/`;
    if (!url.pathname.startsWith(prefix))
      return send(res, 404, { errorMessage: `No storage system at ${url.pathname}`, retcode: 'noSuchSystem' });
    const path = url.pathname.slice(prefix.length);
    const body = method === 'POST' ? await readJson(req) : undefined;
    if (path === 'symbol/getIscsiSessions') await this.refreshSessions();
    try {
      const answer = this.route(method, path, url.searchParams, body);
      if (answer === undefined) return send(res, 404, { errorMessage: `No such endpoint: ${method} ${url.pathname}` });
      if (method !== 'GET' && !path.startsWith('symbol/get')) {
        this.state.changeLog.push(`${method} ${path}`);
        this.onChange?.();
      }
      if (answer === null) {
        res.statusCode = 204;
        return void res.end();
      }
      return send(res, 200, answer);
    } catch (e) {
      if (e instanceof ArrayRuleError)
        return send(res, e.status, {
          errorMessage: e.message,
          localizedMessage: e.message,
          retcode: 'error',
          codeType: 'symbol',
        });
      throw e;
    }
  }

  /**
   * The array's answer to one request, without HTTP (module unit tests plan against it): undefined is no such
   * endpoint, null is 204 No Content; a broken rule throws ArrayRuleError.
   */
  answer(method: string, path: string, body?: unknown): unknown {
    const url = new URL(path, 'https://array/');
    const answer = this.route(method, url.pathname.slice(1), url.searchParams, body);
    if (answer !== undefined && method !== 'GET' && !url.pathname.startsWith('/symbol/get')) this.onChange?.();
    return answer;
  }

  /** The sessions the array sees now: from the wired hosts' logins (sessionSource), else as the test set them. */
  async refreshSessions(): Promise<void> {
    if (!this.sessionSource) return;
    const live = await this.sessionSource();
    this.state.sessions.splice(0, this.state.sessions.length, ...live);
  }

  private route(method: string, path: string, query: URLSearchParams, body: unknown): unknown {
    const s = this.state;
    const b = (body ?? {}) as Record<string, never>;
    const parts = path.split('/');
    if (method === 'GET') {
      if (path === 'interfaces' && query.get('channelType') === 'hostside') return s.ports.map(ioInterface);
      if (path === 'graph/xpath-filter') return this.xpath(query.get('query') ?? '');
      if (path === 'host-types')
        return HOST_TYPES.map((t) => ({
          ...t,
          used: s.hosts.some((h) => h.hostTypeIndex === t.index),
          default: t.index === 28,
        }));
      if (path === 'hosts') return s.hosts.map(hostEx);
      if (path === 'host-groups') return s.groups.map((g) => hostGroup(g, s));
      if (path === 'storage-pools') return s.pools;
      if (path === 'volumes') return s.volumes.map((v) => volumeEx(v, s));
      if (path === 'thin-volumes') return [];
      if (path === 'volume-mappings') return s.mappings.map((m) => ({ ...m, ssid: 0, perms: 15 }));
      return undefined;
    }
    if (method === 'POST') {
      if (path === 'symbol/setIscsiInterfaceProperties') {
        s.setInterfaceAddress(b);
        return 'ok';
      }
      if (path === 'symbol/getIscsiSessions') return { returnCode: 'ok', sessions: this.sessions(b) };
      if (path === 'hosts') return hostEx(s.createHost(b));
      if (parts[0] === 'hosts' && parts.length === 2) return hostEx(s.updateHost(parts[1] as string, b));
      if (parts[0] === 'hosts' && parts.length === 3 && parts[2] === 'move')
        return hostEx(s.moveHost(parts[1] as string, b));
      if (path === 'host-groups') return hostGroup(s.createGroup(b), s);
      if (parts[0] === 'host-groups' && parts.length === 2) return hostGroup(s.updateGroup(parts[1] as string, b), s);
      if (path === 'volumes') return volumeEx(s.createVolume(b), s);
      if (path === 'volume-mappings') return { ...s.createMapping(b), ssid: 0, perms: 15 };
      return undefined;
    }
    if (method === 'DELETE') {
      if (parts[0] === 'hosts' && parts.length === 2) {
        s.deleteHost(parts[1] as string);
        return null;
      }
      if (parts[0] === 'volume-mappings' && parts.length === 2) {
        s.deleteMapping(parts[1] as string);
        return null;
      }
      if (parts[0] === 'host-groups' && parts.length === 2) {
        s.deleteGroup(parts[1] as string);
        return null;
      }
      if (parts[0] === 'volumes' && parts.length === 2) {
        s.deleteVolume(parts[1] as string);
        return null;
      }
    }
    return undefined;
  }

  private xpath(query: string): unknown {
    if (query === '/controller/id') return Object.values(CONTROLLER_REFS);
    if (query === '/storagePoolBundle/target')
      return [
        {
          targetRef: '9000000000000000000000000000000000000000',
          nodeName: {
            ioInterfaceType: 'iscsi',
            iscsiNodeName: this.state.iqn,
            remoteNodeWWN: null,
            nvmeNodeName: null,
          },
          alias: { ioInterfaceType: 'iscsi', iscsiAlias: '' },
          configuredAuthMethods: { authMethodData: [{ authMethod: 'none', chapSecret: null }] },
        },
      ];
    return undefined;
  }

  /** getIscsiSessions (GetIscsiSessionsFilter type all|byInitiator|byTarget) as IscsiSession objects. */
  private sessions(filter: { type?: unknown }): unknown[] {
    if (filter.type !== 'all' && filter.type !== 'byInitiator' && filter.type !== 'byTarget')
      throw new ArrayRuleError(422, 'GetIscsiSessionsFilter.type must be all, byTarget or byInitiator');
    return this.state.sessions.map((session, i) => ({
      type: 'normal',
      tsih: i + 1,
      endpoints: {
        localEndpoint: {
          endpointRole: 'target',
          targetId: {
            ioInterfaceType: 'iscsi',
            iscsiPortName: {
              targetNodeName: { ioInterfaceType: 'iscsi', iscsiNodeName: this.state.iqn },
              targetPortalGroupTag: session.controller === 'A' ? 1 : 2,
            },
          },
        },
        remoteEndpoint: {
          endpointRole: 'initiator',
          initiatorId: {
            ioInterfaceType: 'iscsi',
            iscsiPortName: {
              initiatorNodeName: { ioInterfaceType: 'iscsi', iscsiNodeName: session.initiatorIqn },
              initiatorSessionId: `00023d00000${i + 1}`,
            },
          },
        },
      },
      connections: [],
    }));
  }
}

/** An InfiniBand host interface with iSER, as the collection's na_santricity_ib_iser_interface reads it. */
function ioInterface(p: IserPort): unknown {
  const id = interfaceId(p);
  return {
    interfaceRef: id,
    channelType: 'hostside',
    controllerRef: CONTROLLER_REFS[p.controller],
    ioInterfaceTypeData: {
      interfaceType: 'ib',
      ib: {
        interfaceRef: id,
        id,
        channel: p.channel,
        channelPortRef: `1f${id.slice(2)}`,
        linkState: p.linkState,
        portState: p.linkState === 'up' ? 'active' : 'down',
        isISERSupported: true,
        isSRPSupported: false,
        isNVMeSupported: false,
      },
    },
    commandProtocolPropertiesList: {
      commandProtocolProperties: [
        {
          commandProtocol: 'scsi',
          scsiProperties: {
            scsiProtocolType: 'iser',
            iserProperties: {
              ipv4Data: { ipv4AddressData: { ipv4Address: p.address, ipv4SubnetMask: '255.255.255.0' } },
            },
          },
        },
      ],
    },
    id,
  };
}

function hostEx(h: SimHost): unknown {
  const iscsi = h.ports.filter((p) => p.type === 'iscsi');
  return {
    hostRef: h.hostRef,
    clusterRef: h.clusterRef,
    label: h.label,
    isSAControlled: false,
    hostTypeIndex: h.hostTypeIndex,
    ports: [],
    initiators: iscsi.map((p) => ({
      initiatorRef: portRef(h, p),
      nodeName: { ioInterfaceType: 'iscsi', iscsiNodeName: p.port },
      label: p.label,
      id: portRef(h, p),
    })),
    hostSidePorts: h.ports.map((p) => ({ type: p.type, address: p.port, label: p.label })),
    id: h.id,
    name: h.name,
  };
}

/** HostGroup (J models/v2/HostGroup.java): no member list; members are the hosts with its clusterRef. */
function hostGroup(g: SimHostGroup, _s: ArrayState): unknown {
  return {
    clusterRef: g.clusterRef,
    label: g.label,
    isSAControlled: false,
    confirmLUNMappingCreation: false,
    protectionInformationCapableAccessMethod: true,
    isLun0Restricted: false,
    id: g.id,
    name: g.name,
  };
}

function volumeEx(v: ArrayState['volumes'][number], s: ArrayState): unknown {
  const mappings = s.mappings.filter((m) => m.volumeRef === v.volumeRef).map((m) => ({ ...m, ssid: 0, perms: 15 }));
  return {
    ...v,
    totalSizeInBytes: v.capacity,
    thinProvisioned: false,
    listOfMappings: mappings,
    mapped: mappings.length > 0,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ArrayRuleError(400, 'The request body is not JSON');
  }
}

/** Removes the certificate's temporary folder. */
export function removeCert(cert: SelfSignedCert): void {
  rmSync(cert.dir, { recursive: true, force: true });
}
