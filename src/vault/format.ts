import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Ansible Vault's file format (1.1 and 1.2, cipher AES256), so the secrets an Ansible shop already keeps
 * encrypted (CHAP passwords in group_vars/…/vault.yml, `!vault |` values) are read as they are:
 *
 *   $ANSIBLE_VAULT;1.1;AES256            or  $ANSIBLE_VAULT;1.2;AES256;<vault id label>
 *   hex( hex(salt) \n hex(hmac) \n hex(ciphertext) ), in lines of 80
 *
 * PBKDF2-HMAC-SHA256 (10000 iterations) of the password and the 32-byte salt gives 80 bytes: the AES-256
 * key, the HMAC-SHA256 key and the CTR counter block. The plaintext is PKCS#7-padded to 16 bytes before
 * AES-256-CTR; the HMAC covers the ciphertext and is checked before anything is decrypted.
 */

export const VAULT_HEADER = '$ANSIBLE_VAULT;';

export class VaultFormatError extends Error {}

export interface VaultEnvelope {
  version: '1.1' | '1.2';
  label?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(VAULT_HEADER);
}

function unhex(text: string, what: string): Buffer {
  const clean = text.trim();
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new VaultFormatError(`the ${what} is not hexadecimal`);
  return Buffer.from(clean, 'hex');
}

export function parseVault(text: string): VaultEnvelope {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim());
  const [header = '', ...body] = lines;
  const fields = header.split(';');
  if (fields[0] !== '$ANSIBLE_VAULT')
    throw new VaultFormatError('not an Ansible Vault text (no $ANSIBLE_VAULT header)');
  const version = fields[1];
  if (version !== '1.1' && version !== '1.2')
    throw new VaultFormatError(`vault format version ${version ?? '(none)'} is not supported (1.1 and 1.2 are)`);
  if (fields[2]?.trim() !== 'AES256')
    throw new VaultFormatError(`vault cipher ${fields[2] ?? '(none)'} is not supported (AES256 is)`);
  const parts = unhex(body.join(''), 'vault body').toString('latin1').split('\n');
  if (parts.length !== 3) throw new VaultFormatError('the vault body does not hold salt, HMAC and ciphertext');
  const [salt, hmac, ciphertext] = parts.map((p, i) => unhex(p, ['salt', 'HMAC', 'ciphertext'][i] as string)) as [
    Buffer,
    Buffer,
    Buffer,
  ];
  return { version, label: version === '1.2' ? fields[3]?.trim() : undefined, salt, hmac, ciphertext };
}

function deriveKeys(password: string, salt: Buffer): { key: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 10000, 80, 'sha256');
  return { key: derived.subarray(0, 32), hmacKey: derived.subarray(32, 64), iv: derived.subarray(64, 80) };
}

/** The plaintext, or null when this password does not open the vault (its HMAC does not match). */
export function decryptVault(envelope: VaultEnvelope, password: string): Buffer | null {
  const { key, hmacKey, iv } = deriveKeys(password, envelope.salt);
  const expected = createHmac('sha256', hmacKey).update(envelope.ciphertext).digest();
  if (expected.length !== envelope.hmac.length || !timingSafeEqual(expected, envelope.hmac)) return null;
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length || padded.subarray(padded.length - pad).some((b) => b !== pad))
    throw new VaultFormatError('the decrypted vault has bad padding');
  return padded.subarray(0, padded.length - pad);
}

/** Encrypts as `ansible-vault encrypt` does (format 1.1, or 1.2 with a vault id label). */
export function encryptVault(plaintext: Buffer, password: string, label?: string, salt = randomBytes(32)): string {
  const { key, hmacKey, iv } = deriveKeys(password, salt);
  const pad = 16 - (plaintext.length % 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.concat([plaintext, Buffer.alloc(pad, pad)])), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest();
  const body = Buffer.from([salt, hmac, ciphertext].map((b) => b.toString('hex')).join('\n'), 'latin1').toString('hex');
  const header = label ? `$ANSIBLE_VAULT;1.2;AES256;${label}` : '$ANSIBLE_VAULT;1.1;AES256';
  return `${header}\n${body.match(/.{1,80}/g)?.join('\n') ?? ''}\n`;
}
