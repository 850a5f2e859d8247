import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  fingerprintOf,
  hostLookupName,
  KnownHosts,
  keyTypeOf,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from '../../../src/connection/known-hosts.js';
import { describeNeeding } from '../../support/prerequisites.js';

/** An SSH wire-format public key blob: string type, then the algorithm's fields. */
function sshString(b: Buffer | string): Buffer {
  const data = Buffer.isBuffer(b) ? b : Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
}

function fakeBlob(type: string): Buffer {
  return Buffer.concat([sshString(type), sshString(randomBytes(32))]);
}

/** A hashed known_hosts name as OpenSSH writes it (HashKnownHosts yes): |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
function hashedName(name: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const line = (names: string, blob: Buffer, marker = '') =>
  `${marker ? `${marker} ` : ''}${names} ${keyTypeOf(blob)} ${blob.toString('base64')}`;

const hostKey = ed25519Blob();
const otherEd = ed25519Blob();
const rsaKey = fakeBlob('ssh-rsa');
const ecdsaKey = fakeBlob('ecdsa-sha2-nistp256');

const verify = (text: string, host: string, port: number, key: Buffer) =>
  verifyHostKey(parseKnownHosts(text), host, port, key);

describe('parseKnownHosts', () => {
  test('skips comments, blank and short lines; reads markers and comma lists', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        '   ',
        'onlyname',
        line('a,b,[c]:2222', hostKey),
        `${line('d', rsaKey)} a comment here`,
        line('*.example.com', ecdsaKey, '@revoked'),
        line('*.example.com', ecdsaKey, '@cert-authority'),
      ].join('\n'),
    );
    expect(entries.map((e) => [e.marker, e.names, e.keyType])).toEqual([
      ['', ['a', 'b', '[c]:2222'], 'ssh-ed25519'],
      ['', ['d'], 'ssh-rsa'],
      ['@revoked', ['*.example.com'], 'ecdsa-sha2-nistp256'],
      ['@cert-authority', ['*.example.com'], 'ecdsa-sha2-nistp256'],
    ]);
  });

  test('tolerates CRLF line ends', () => {
    expect(verify(`${line('h1', hostKey)}\r\n`, 'h1', 22, hostKey).status).toBe('trusted');
  });
});

describe('verifyHostKey', () => {
  test('plain entry: trusted', () => {
    expect(verify(line('h1', hostKey), 'h1', 22, hostKey)).toEqual({ status: 'trusted' });
  });

  test('host names match case-insensitively', () => {
    expect(verify(line('H1.Example.COM', hostKey), 'h1.example.com', 22, hostKey).status).toBe('trusted');
  });

  test('not listed: unknown, with fingerprint and type', () => {
    expect(verify(line('h2', hostKey), 'h1', 22, hostKey)).toEqual({
      status: 'unknown',
      fingerprint: fingerprintOf(hostKey),
      keyType: 'ssh-ed25519',
    });
  });

  test('a name that only contains the host does not match', () => {
    expect(verify(line('h10', hostKey), 'h1', 22, hostKey).status).toBe('unknown');
    expect(verify(line('xh1', hostKey), 'h1', 22, hostKey).status).toBe('unknown');
  });

  test('non-standard port: only [host]:port matches', () => {
    expect(hostLookupName('h1', 2222)).toBe('[h1]:2222');
    expect(hostLookupName('h1', 22)).toBe('h1');
    expect(verify(line('[h1]:2222', hostKey), 'h1', 2222, hostKey).status).toBe('trusted');
    expect(verify(line('h1', hostKey), 'h1', 2222, hostKey).status).toBe('unknown');
    expect(verify(line('[h1]:2222', hostKey), 'h1', 22, hostKey).status).toBe('unknown');
    expect(verify(line('[h1]:2223', hostKey), 'h1', 2222, hostKey).status).toBe('unknown');
  });

  test('comma lists: any name matches', () => {
    const text = line('h0,192.168.1.5,[h1]:2222', hostKey);
    expect(verify(text, '192.168.1.5', 22, hostKey).status).toBe('trusted');
    expect(verify(text, 'h1', 2222, hostKey).status).toBe('trusted');
    expect(verify(text, 'h1', 22, hostKey).status).toBe('unknown');
  });

  test('globs and negation', () => {
    expect(verify(line('*.lab', hostKey), 'node1.lab', 22, hostKey).status).toBe('trusted');
    expect(verify(line('node?.lab', hostKey), 'node7.lab', 22, hostKey).status).toBe('trusted');
    expect(verify(line('node?.lab', hostKey), 'node17.lab', 22, hostKey).status).toBe('unknown');
    expect(verify(line('*.lab,!bad.lab', hostKey), 'bad.lab', 22, hostKey).status).toBe('unknown');
    // A dot in a pattern is literal.
    expect(verify(line('a.b', hostKey), 'axb', 22, hostKey).status).toBe('unknown');
  });

  test('hashed entry made with HMAC-SHA1 as OpenSSH does', () => {
    expect(verify(line(hashedName('h1'), hostKey), 'h1', 22, hostKey).status).toBe('trusted');
    expect(verify(line(hashedName('[h1]:2222'), hostKey), 'h1', 2222, hostKey).status).toBe('trusted');
    expect(verify(line(hashedName('h1'), hostKey), 'h2', 22, hostKey).status).toBe('unknown');
    expect(verify(line(hashedName('h1'), hostKey), 'h1', 2222, hostKey).status).toBe('unknown');
  });

  test('hashed entry: a changed key is noticed too', () => {
    expect(verify(line(hashedName('h1'), otherEd), 'h1', 22, hostKey).status).toBe('changed');
  });

  test('a malformed hashed name never matches', () => {
    expect(verify(line('|1|onlysalt', hostKey), 'h1', 22, hostKey).status).toBe('unknown');
  });

  test('several keys per host: any listed key is trusted', () => {
    const text = [line('h1', rsaKey), line('h1', ecdsaKey), line('h1', hostKey)].join('\n');
    expect(verify(text, 'h1', 22, hostKey).status).toBe('trusted');
    expect(verify(text, 'h1', 22, rsaKey).status).toBe('trusted');
    expect(verify(text, 'h1', 22, ecdsaKey).status).toBe('trusted');
  });

  test('a different key of the same type: changed', () => {
    const v = verify([line('h1', rsaKey), line('h1', otherEd)].join('\n'), 'h1', 22, hostKey);
    expect(v).toEqual({ status: 'changed', fingerprint: fingerprintOf(hostKey), keyType: 'ssh-ed25519' });
  });

  test('known under other key types only: changed, naming the known types (issue 17.7; was unknown, so accept-new recorded it)', () => {
    expect(verify([line('h1', rsaKey), line('h1', ecdsaKey)].join('\n'), 'h1', 22, hostKey)).toEqual({
      status: 'changed',
      fingerprint: fingerprintOf(hostKey),
      keyType: 'ssh-ed25519',
      knownTypes: ['ssh-rsa', 'ecdsa-sha2-nistp256'],
    });
    expect(verify(line('h2', rsaKey), 'h1', 22, hostKey).status).toBe('unknown');
  });

  test('the key types known for a host are asked for first (rsa as its three signature algorithms)', () => {
    const entries = parseKnownHosts([line('h1', rsaKey), line('[h1]:2222', ecdsaKey), line('h2', hostKey)].join('\n'));
    expect(preferredHostKeyAlgorithms(entries, 'h1', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms(entries, 'h1', 2222)).toEqual(['ecdsa-sha2-nistp256']);
    expect(preferredHostKeyAlgorithms(entries, 'h3', 22)).toEqual([]);
  });

  test('a changed key for another host does not matter', () => {
    expect(verify([line('h2', otherEd), line('h1', hostKey)].join('\n'), 'h1', 22, hostKey).status).toBe('trusted');
  });

  test('@revoked wins over a trusting line, whatever host it names', () => {
    const text = [line('h1', hostKey), line('*', hostKey, '@revoked')].join('\n');
    expect(verify(text, 'h1', 22, hostKey)).toEqual({
      status: 'revoked',
      fingerprint: fingerprintOf(hostKey),
      keyType: 'ssh-ed25519',
    });
    expect(verify(text, 'h1', 22, otherEd).status).toBe('changed');
  });

  test('@cert-authority lines do not trust a plain host key', () => {
    expect(verify(line('h1', hostKey, '@cert-authority'), 'h1', 22, hostKey).status).toBe('unknown');
  });
});

describe('keys and fingerprints', () => {
  test('keyTypeOf reads the algorithm name from the blob', () => {
    expect(keyTypeOf(hostKey)).toBe('ssh-ed25519');
    expect(keyTypeOf(rsaKey)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown');
  });

  test('fingerprint: SHA256: and unpadded base64 of the blob', () => {
    const fp = fingerprintOf(Buffer.from('abc'));
    // sha256("abc") in base64 is ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=
    expect(fp).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
    expect(fingerprintOf(hostKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

let sshKeygen = false;
try {
  execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  sshKeygen = true;
} catch (e) {
  // ssh-keygen -? exits 1 after printing usage; ENOENT means it is not installed.
  sshKeygen = (e as NodeJS.ErrnoException).code !== 'ENOENT';
}

describeNeeding(sshKeygen ? null : 'ssh-keygen (install openssh-client)')('against OpenSSH ssh-keygen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshplay-kh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['ed25519', 'ecdsa', 'rsa'])('%s: fingerprint matches ssh-keygen -lf, and key type is read', (type) => {
    const keyFile = join(dir, `id_${type}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'test', '-f', keyFile]);
    const pub = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/);
    const blob = Buffer.from(pub[1] as string, 'base64');
    const expected = execFileSync('ssh-keygen', ['-E', 'sha256', '-lf', `${keyFile}.pub`], { encoding: 'utf8' }).split(
      /\s+/,
    )[1];
    expect(fingerprintOf(blob)).toBe(expected);
    expect(keyTypeOf(blob)).toBe(pub[0]);
  });

  test('a file hashed by ssh-keygen -H verifies; ssh-keygen -F finds what add() wrote', async () => {
    const keyFile = join(dir, 'hostkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const [type, b64] = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/) as [string, string];
    const blob = Buffer.from(b64, 'base64');
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, `node1.lab ${type} ${b64}\n[node2.lab]:2222 ${type} ${b64}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'ignore' });
    const hashed = readFileSync(kh, 'utf8');
    expect(hashed).not.toContain('node1.lab');
    expect(hashed).toMatch(/^\|1\|/);
    const known = await KnownHosts.load(kh);
    expect(known.verify('node1.lab', 22, blob).status).toBe('trusted');
    expect(known.verify('node2.lab', 2222, blob).status).toBe('trusted');
    expect(known.verify('node2.lab', 22, blob).status).toBe('unknown');

    const fresh = join(dir, 'known_hosts_new');
    const added = await KnownHosts.load(fresh);
    await added.add('node3.lab', 2200, blob);
    expect(added.verify('node3.lab', 2200, blob).status).toBe('trusted');
    const found = execFileSync('ssh-keygen', ['-F', '[node3.lab]:2200', '-f', fresh], { encoding: 'utf8' });
    expect(found).toContain(b64);
  });
});

describe('KnownHosts file', () => {
  test('a missing file is empty; add appends a line and trusts it from then on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshplay-kh2-'));
    try {
      const file = join(dir, 'known_hosts');
      const kh = await KnownHosts.load(file);
      expect(kh.verify('h1', 22, hostKey).status).toBe('unknown');
      const recorded: string[] = [];
      kh.onRecorded = (lookup, type, fp, f) => recorded.push(`${lookup} ${type} ${fp} ${f}`);
      await kh.add('h1', 22, hostKey);
      // the run says so (issue 17.7)
      expect(recorded).toEqual([`h1 ssh-ed25519 ${fingerprintOf(hostKey)} ${file}`]);
      expect(kh.verify('h1', 22, hostKey).status).toBe('trusted');
      expect(readFileSync(file, 'utf8')).toBe(`h1 ssh-ed25519 ${hostKey.toString('base64')}\n`);
      expect((await KnownHosts.load(file)).verify('h1', 22, hostKey).status).toBe('trusted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
