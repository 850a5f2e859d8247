/**
 * The private key files a run logs in with, each read and parsed once while it stays the same file, and
 * signing with a key imported once. ssh2 reads a key handed to it as bytes afresh at every connection (the
 * file read again, the key parsed again: an import into the crypto library and an export of its public half),
 * and its parsed key signs from PEM text, which the crypto library decodes and imports again at every
 * signature. A fleet larger than its forks reconnects hosts at every play (see HostSessions.release), so a
 * connection's own cost counts. Controller CPU per connection, 150 connections one after another to one
 * simulated host, median of 4 such runs: 6.5 ms with the key read and parsed at each, 6.1 ms parsed once,
 * 5.5 ms parsed once and signing with the key imported once; the rest is ssh2's handshake. A key file edited
 * or replaced during the run (its inode, size, modification or change time differ) is read again, as ssh
 * would read it.
 */
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import ssh2, { type ParsedKey } from 'ssh2';
import { fileStamp, StampedFiles } from '../stamped-files.js';

/** The key file could not be read (the message says why, as the system said it). */
export class KeyFileUnreadable extends Error {}

/** The key file was read but holds no private key ssh2 can use (a wrong passphrase, an unknown format). */
export class KeyUnusable extends Error {}

export class PrivateKeys {
  private readonly kept = new StampedFiles<ParsedKey>();

  constructor(private readonly readWhole: (path: string) => Promise<Buffer> = readFile) {}

  /**
   * The private key in `path`, decrypted with `passphrase` when it is encrypted. Throws KeyFileUnreadable or
   * KeyUnusable; a failure is not kept (the next connection tries the file again).
   */
  load(path: string, passphrase: string | undefined): Promise<ParsedKey> {
    let stamp: string;
    try {
      stamp = fileStamp(statSync(path));
    } catch (e) {
      return Promise.reject(new KeyFileUnreadable((e as Error).message));
    }
    // a key asked for with another passphrase is parsed again (the wrong one fails, the right one is kept)
    const withPassphrase = passphrase === undefined ? `${stamp}/none` : `${stamp}/given:${passphrase}`;
    return this.kept.get(path, withPassphrase, () =>
      this.readWhole(path).then(
        (bytes) => parsed(bytes, passphrase),
        (e: Error) => {
          throw new KeyFileUnreadable(e.message);
        },
      ),
    );
  }
}

/** What ssh2's Client would make of the key bytes, with its messages. */
function parsed(bytes: Buffer, passphrase: string | undefined): ParsedKey {
  // ssh2 is CommonJS: its `utils` is not among the names Node's ESM loader finds in it, hence the default import
  const result = ssh2.utils.parseKey(bytes, passphrase);
  if (result instanceof Error) throw new KeyUnusable(`Cannot parse privateKey: ${result.message}`);
  // OpenSSH's newer format only stores one key for now (as ssh2's Client takes it)
  const key = Array.isArray(result) ? result[0] : result;
  if (!key?.isPrivateKey() || key.getPrivatePEM() === null)
    throw new KeyUnusable('privateKey value does not contain a (valid) private key');
  return signingOnce(key);
}

/** The digest ssh2's parsed key signs with by default, by key type (ssh2 lib/protocol/keyParser.js). */
const DEFAULT_HASH: Record<string, string | null> = {
  'ssh-ed25519': null,
  'ssh-rsa': 'sha1',
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/**
 * The key, signing with the key imported once instead of from its PEM text at every signature (as ssh2's
 * own sign does), with ssh2's sign's contract: a digest name or its default for the key type, an Error
 * returned (not thrown) on failure. A key type not listed keeps ssh2's own sign.
 */
function signingOnce(key: ParsedKey): ParsedKey {
  if (!(key.type in DEFAULT_HASH)) return key;
  const imported = createPrivateKey(key.getPrivatePEM());
  const sign = (data: Buffer, algo?: string): Buffer | Error => {
    try {
      return cryptoSign(algo || (DEFAULT_HASH[key.type] ?? null), data, imported);
    } catch (e) {
      return e as Error;
    }
  };
  return Object.assign(key, { sign });
}

/** The keys of this process's runs. */
export const privateKeys = new PrivateKeys();
