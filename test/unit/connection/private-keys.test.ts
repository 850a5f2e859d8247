/** Private key files are read and parsed once while unchanged; failures name themselves and are not kept. */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, test } from 'vitest';
import { KeyFileUnreadable, KeyUnusable, PrivateKeys } from '../../../src/connection/private-keys.js';

const base = mkdtempSync(join(tmpdir(), 'sshplay-private-keys-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** An RSA key as PEM (PKCS#1, a format ssh2 reads), encrypted when a passphrase is given. */
function rsaPem(passphrase?: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({
    type: 'pkcs1',
    format: 'pem',
    ...(passphrase ? { cipher: 'aes-128-cbc', passphrase } : {}),
  }) as string;
}

function counted() {
  const reads: string[] = [];
  const keys = new PrivateKeys((path) => {
    reads.push(path);
    return readFile(path);
  });
  return { keys, reads };
}

describe('private keys', () => {
  test('a key file is read and parsed once for every connection while unchanged, again once replaced', async () => {
    const path = join(base, 'id_rsa');
    writeFileSync(path, rsaPem(), { mode: 0o600 });
    const { keys, reads } = counted();
    const together = await Promise.all(Array.from({ length: 10 }, () => keys.load(path, undefined)));
    const later = await keys.load(path, undefined);
    expect(together.every((k) => k === later)).toBe(true);
    expect(later.isPrivateKey()).toBe(true);
    expect(later.type).toBe('ssh-rsa');
    expect(reads).toEqual([path]);

    writeFileSync(join(base, 'id_rsa.new'), rsaPem(), { mode: 0o600 });
    renameSync(join(base, 'id_rsa.new'), path);
    const replaced = await keys.load(path, undefined);
    expect(replaced).not.toBe(later);
    expect(replaced.getPublicSSH().equals(later.getPublicSSH())).toBe(false);
    expect(reads).toHaveLength(2);
  });

  test('a missing file and one that holds no key say so, and a failure is not kept', async () => {
    const { keys, reads } = counted();
    await expect(keys.load(join(base, 'nope'), undefined)).rejects.toBeInstanceOf(KeyFileUnreadable);
    await expect(keys.load(join(base, 'nope'), undefined)).rejects.toThrow(/ENOENT/);
    const junk = join(base, 'junk');
    writeFileSync(junk, 'not a key\n');
    await expect(keys.load(junk, undefined)).rejects.toBeInstanceOf(KeyUnusable);
    await expect(keys.load(junk, undefined)).rejects.toThrow(/Cannot parse privateKey/);
    expect(reads).toEqual([junk, junk]);
  });

  test('an encrypted key needs its passphrase; each passphrase is its own attempt', async () => {
    const path = join(base, 'id_rsa_encrypted');
    writeFileSync(path, rsaPem('s3cret'), { mode: 0o600 });
    const { keys } = counted();
    await expect(keys.load(path, undefined)).rejects.toThrow(/passphrase|encrypted|decrypt/i);
    await expect(keys.load(path, 'wrong')).rejects.toBeInstanceOf(KeyUnusable);
    const key = await keys.load(path, 's3cret');
    expect(key.isPrivateKey()).toBe(true);
    expect(await keys.load(path, 's3cret')).toBe(key);
  });

  test("the key signs as ssh2's own parsed key does: each signature verifies, with the default digest or one asked for", async () => {
    // ed25519 as ssh-keygen writes it (OpenSSH's format: the one ssh2 reads for it), RSA and ECDSA as PEM
    const ed25519 = join(base, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', ed25519]);
    const rsa = join(base, 'id_rsa_sign');
    writeFileSync(rsa, rsaPem(), { mode: 0o600 });
    const ecdsa = join(base, 'id_ecdsa');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(ecdsa, privateKey.export({ type: 'sec1', format: 'pem' }) as string, { mode: 0o600 });
    const keys = new PrivateKeys();
    const data = Buffer.from('session id and userauth request');
    for (const [path, digests] of [
      [ed25519, [undefined]],
      [rsa, [undefined, 'sha256', 'sha512']],
      [ecdsa, [undefined]],
    ] as const) {
      const key = await keys.load(path, undefined);
      // ssh2's own key from the same file, signing from its PEM text
      const theirs = ssh2.utils.parseKey(readFileSync(path));
      if (theirs instanceof Error) throw theirs;
      for (const digest of digests) {
        const signature = key.sign(data, digest);
        expect(signature).toBeInstanceOf(Buffer);
        expect(theirs.verify(data, signature as Buffer, digest)).toBe(true);
        expect(key.verify(data, theirs.sign(data, digest) as Buffer, digest)).toBe(true);
        expect(theirs.verify(Buffer.from('other data'), signature as Buffer, digest)).toBe(false);
      }
    }
  });
});
