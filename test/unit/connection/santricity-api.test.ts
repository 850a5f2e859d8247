import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrayApiError } from '../../../src/connection/array-api-error.js';
import { SantricityApiConnection } from '../../../src/connection/santricity-api.js';
import { santricityTargetOf } from '../../../src/connection/santricity-target.js';
import { ConfigError, ConnectionError } from '../../../src/errors.js';
import { makeSelfSignedCert, removeCert, type SelfSignedCert, SimulatedArray } from '../../target/array/server.js';

let cert: SelfSignedCert;
let other: SelfSignedCert;
let array: SimulatedArray;
let url: string;

beforeAll(async () => {
  cert = makeSelfSignedCert();
  other = makeSelfSignedCert();
  array = new SimulatedArray(cert, { password: 'right-password' });
  url = await array.start();
});
afterAll(async () => {
  await array.stop();
  removeCert(cert);
  removeCert(other);
});

const vars = (extra: Record<string, unknown>) => ({
  eseries_api_url: url,
  eseries_api_username: 'admin',
  eseries_api_password: 'right-password',
  ...extra,
});

describe('SantricityApiConnection against the simulated array', () => {
  it('verifies by pinned fingerprint and by CA file, and reads the array', async () => {
    const pinned = await SantricityApiConnection.open(
      santricityTargetOf('a1', vars({ eseries_api_cert_sha256: cert.sha256 })),
      5000,
    );
    const byCa = await SantricityApiConnection.open(
      santricityTargetOf('a1', vars({ eseries_api_ca_file: cert.certFile })),
      5000,
    );
    const types = (await pinned.apiRead('host-types')) as { index: number; name: string }[];
    expect(types.find((t) => t.index === 28)?.name).toBe('Linux DM-MP (Kernel 3.10 or later)');
    const target = (await byCa.apiRead('graph/xpath-filter?query=/storagePoolBundle/target')) as {
      nodeName: { iscsiNodeName: string };
    }[];
    expect(target[0]?.nodeName.iscsiNodeName).toMatch(/^iqn\.1992-08\.com\.netapp:/);
  });

  it('refuses a certificate that is not the pinned one, or not signed by the CA file, before sending anything', async () => {
    const before = array.requests.length;
    await expect(
      SantricityApiConnection.open(santricityTargetOf('a1', vars({ eseries_api_cert_sha256: other.sha256 })), 5000),
    ).rejects.toThrow(/not the pinned eseries_api_cert_sha256.*nothing was sent/);
    await expect(
      SantricityApiConnection.open(santricityTargetOf('a1', vars({ eseries_api_ca_file: other.certFile })), 5000),
    ).rejects.toThrow(/does not verify against eseries_api_ca_file/);
    expect(array.requests.length).toBe(before);
  });

  it('a wrong password is a ConnectionError naming the variables, not the password', async () => {
    const e = await SantricityApiConnection.open(
      santricityTargetOf('a1', vars({ eseries_api_password: 'wrong-password', eseries_api_cert_sha256: cert.sha256 })),
      5000,
    ).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(String(e)).toMatch(/refused the credentials \(401.*eseries_api_username and eseries_api_password/);
    expect(String(e)).not.toContain('wrong-password');
  });

  it("the array's rules answer as errors: one host per IQN, one volume name, one LUN per host", async () => {
    const c = await SantricityApiConnection.open(
      santricityTargetOf('a1', vars({ eseries_api_cert_sha256: cert.sha256 })),
      5000,
    );
    const port = { type: 'iscsi', label: 'h1_iqn', port: 'iqn.1994-05.com.redhat:h1' };
    const h1 = (await c.apiChange({
      method: 'POST',
      path: 'hosts',
      body: { name: 'h1', hostType: { index: 28 }, ports: [port] },
    })) as { id: string };
    await expect(
      c.apiChange({
        method: 'POST',
        path: 'hosts',
        body: { name: 'h2', hostType: { index: 28 }, ports: [{ ...port, label: 'h2_iqn' }] },
      }),
    ).rejects.toThrow(/already assigned to host \[h1\]/);
    const pool = ((await c.apiRead('storage-pools')) as { id: string }[])[0]?.id;
    const v1 = (await c.apiChange({
      method: 'POST',
      path: 'volumes',
      body: { name: 'v1', poolId: pool, sizeUnit: 'gb', size: 1 },
    })) as { id: string };
    const v2 = (await c.apiChange({
      method: 'POST',
      path: 'volumes',
      body: { name: 'v2', poolId: pool, sizeUnit: 'gb', size: 1 },
    })) as { id: string };
    const dup = await c
      .apiChange({ method: 'POST', path: 'volumes', body: { name: 'v1', poolId: pool, sizeUnit: 'gb', size: 1 } })
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ArrayApiError);
    expect(String(dup)).toMatch(/HTTP 422: A volume with the name \[v1\] already exists/);
    await c.apiChange({
      method: 'POST',
      path: 'volume-mappings',
      body: { mappableObjectId: v1.id, targetId: h1.id, lun: 1 },
    });
    await expect(
      c.apiChange({
        method: 'POST',
        path: 'volume-mappings',
        body: { mappableObjectId: v2.id, targetId: h1.id, lun: 1 },
      }),
    ).rejects.toThrow(/LUN 1 is already in use for host \[h1\]/);
    expect(array.state.snapshot().mappings).toHaveLength(1);
  });

  it('a read-only connection cannot POST through apiRead except to symbol/get… procedures', async () => {
    const c = await SantricityApiConnection.open(
      santricityTargetOf('a1', vars({ eseries_api_cert_sha256: cert.sha256 })),
      5000,
    );
    expect(() => c.apiRead('hosts', { name: 'x' })).toThrow(/not a read-only SYMbol procedure/);
    const s = (await c.apiRead('symbol/getIscsiSessions', { type: 'all' })) as { returnCode: string };
    expect(s.returnCode).toBe('ok');
  });
});

describe('controller failover', () => {
  it('an unreachable controller hands over to the next one; none reachable is a ConnectionError naming them', async () => {
    // A port nothing listens on: bound, then closed, so it is free and refuses.
    const { createServer } = await import('node:net');
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const port = new URL(url).port;
    const c = await SantricityApiConnection.open(
      santricityTargetOf('a1', {
        eseries_controllers: [`127.0.0.1:${closed}`, `127.0.0.1:${port}`],
        eseries_api_username: 'admin',
        eseries_api_password: 'right-password',
        eseries_api_cert_sha256: cert.sha256,
      }),
      5000,
    );
    expect(((await c.apiRead('hosts')) as unknown[]).length).toBeGreaterThanOrEqual(0);
    const none = await SantricityApiConnection.open(
      santricityTargetOf('a1', {
        eseries_controllers: [`127.0.0.1:${closed}`],
        eseries_api_username: 'admin',
        eseries_api_password: 'right-password',
        eseries_api_cert_sha256: cert.sha256,
      }),
      5000,
    ).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ConnectionError);
    expect(String(none)).toMatch(
      new RegExp(`no controller's REST API answered \\(https://127.0.0.1:${closed}/devmgr/v2\\): .*ECONNREFUSED`),
    );
  });
});

describe('santricityTargetOf', () => {
  it('has no insecure mode: neither a CA file nor a fingerprint is an error', () => {
    expect(() => santricityTargetOf('a1', vars({}))).toThrow(ConfigError);
    expect(() => santricityTargetOf('a1', vars({}))).toThrow(/eseries_api_ca_file .* or eseries_api_cert_sha256/);
  });
  it('builds one URL per controller on port 8443 and normalises the fingerprint', () => {
    const t = santricityTargetOf('a1', {
      eseries_controllers: ['10.0.0.11', '10.0.0.12:9443'],
      eseries_api_username: 'admin',
      eseries_api_password: 'p',
      eseries_api_cert_sha256: 'ab'.repeat(32),
    });
    expect(t.urls).toEqual(['https://10.0.0.11:8443/devmgr/v2', 'https://10.0.0.12:9443/devmgr/v2']);
    expect(t.certSha256).toBe(Array(32).fill('AB').join(':'));
    expect(t.ssid).toBe('1');
  });
  it('refuses http:// and a malformed fingerprint, naming the host', () => {
    expect(() =>
      santricityTargetOf('a1', vars({ eseries_api_url: 'http://x/devmgr/v2', eseries_api_cert_sha256: cert.sha256 })),
    ).toThrow(/host 'a1'.*https:\/\//);
    expect(() => santricityTargetOf('a1', vars({ eseries_api_cert_sha256: 'abc' }))).toThrow(/64 hex digits/);
  });
});
