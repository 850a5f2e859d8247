import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One usable line of an OpenSSH known_hosts file. */
interface KnownHostEntry {
  marker: '' | '@revoked' | '@cert-authority';
  /** Plain patterns (`host`, `[host]:port`, globs) or one hashed `|1|salt|hash` entry. */
  names: string[];
  keyType: string;
  keyBase64: string;
}

export type HostKeyVerdict =
  | { status: 'trusted' }
  | { status: 'unknown'; fingerprint: string; keyType: string }
  /** `knownTypes`: the host is known under other key types only (a different key, like any change). */
  | { status: 'changed'; fingerprint: string; keyType: string; knownTypes?: string[] }
  | { status: 'revoked'; fingerprint: string; keyType: string };

/** SHA256 fingerprint as `ssh-keygen -l` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name stored at the start of an SSH public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** The name OpenSSH looks up for a host: `host` on port 22, `[host]:port` elsewhere. */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = '';
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority')
      marker = fields.shift() as KnownHostEntry['marker'];
    const [names, keyType, keyBase64] = fields;
    if (!names || !keyType || !keyBase64) continue;
    entries.push({ marker, names: names.split(','), keyType, keyBase64 });
  }
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  // Only * and ? are wildcards in OpenSSH patterns; everything else, [brackets] of [host]:port included, is literal.
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function nameMatches(entryName: string, lookup: string): boolean {
  if (entryName.startsWith('|1|')) {
    const [, , salt, hash] = entryName.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(lookup).digest('base64');
    return digest === hash;
  }
  return globToRegExp(entryName).test(lookup);
}

/** Entry names are matched as OpenSSH does: a `!pattern` negates, otherwise any pattern matching wins. */
function entryMatches(entry: KnownHostEntry, lookup: string): boolean {
  let matched = false;
  for (const name of entry.names) {
    if (name.startsWith('!')) {
      if (nameMatches(name.slice(1), lookup)) return false;
    } else if (nameMatches(name, lookup)) matched = true;
  }
  return matched;
}

/** Decides what OpenSSH's StrictHostKeyChecking=yes would decide for this key. */
export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const lookup = hostLookupName(host, port);
  const keyBase64 = keyBlob.toString('base64');
  const keyType = keyTypeOf(keyBlob);
  const fingerprint = fingerprintOf(keyBlob);
  if (entries.some((e) => e.marker === '@revoked' && e.keyBase64 === keyBase64)) {
    return { status: 'revoked', fingerprint, keyType };
  }
  const forHost = entries.filter((e) => e.marker === '' && entryMatches(e, lookup));
  if (forHost.some((e) => e.keyBase64 === keyBase64)) return { status: 'trusted' };
  if (forHost.some((e) => e.keyType === keyType)) return { status: 'changed', fingerprint, keyType };
  // Known under another key type only: not a new host. The connection asks for the known types first
  // (preferredHostKeyAlgorithms), so a host that kept its keys offers one of them; one that offers
  // only a new type has, for all we can tell, new keys, and accept-new must not record it.
  if (forHost.length > 0)
    return { status: 'changed', fingerprint, keyType, knownTypes: [...new Set(forHost.map((e) => e.keyType))] };
  return { status: 'unknown', fingerprint, keyType };
}

/** SSH host key algorithms that produce a key of a known_hosts key type (rsa keys sign with three). */
const ALGORITHMS_OF_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** The host key algorithms to ask for first for a host: those of the key types known_hosts lists for it. */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], host: string, port: number): string[] {
  const lookup = hostLookupName(host, port);
  const types = entries.filter((e) => e.marker === '' && entryMatches(e, lookup)).map((e) => e.keyType);
  return [
    ...new Set(types.flatMap((t) => (Object.hasOwn(ALGORITHMS_OF_TYPE, t) ? (ALGORITHMS_OF_TYPE[t] ?? []) : [t]))),
  ];
}

export class KnownHosts {
  private constructor(
    readonly file: string,
    private entries: KnownHostEntry[],
  ) {}

  static async load(file: string): Promise<KnownHosts> {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return new KnownHosts(file, parseKnownHosts(text));
  }

  /** Told each key --accept-new-host-keys records (the run says so). */
  onRecorded?: (lookup: string, keyType: string, fingerprint: string, file: string) => void;

  verify(host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
    return verifyHostKey(this.entries, host, port, keyBlob);
  }

  preferredAlgorithms(host: string, port: number): string[] {
    return preferredHostKeyAlgorithms(this.entries, host, port);
  }

  /** Records a newly accepted key (--accept-new-host-keys), as `ssh -o StrictHostKeyChecking=accept-new` does. */
  async add(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const line = `${hostLookupName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`;
    // ~/.ssh may not exist yet (a fresh account): made as ssh makes it, readable by its owner only.
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, line, { mode: 0o600 });
    this.entries.push(...parseKnownHosts(line));
    this.onRecorded?.(hostLookupName(host, port), keyTypeOf(keyBlob), fingerprintOf(keyBlob), this.file);
  }
}
