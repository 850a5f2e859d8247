import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { encryptVault, isVaultText } from '../vault/format.js';
import type { VaultKeyring } from '../vault/keyring.js';
import type { SecretPrompt } from './prompt.js';
import { useVaultPasswords, type VaultCliOptions } from './vault-passwords.js';

/**
 * `sshplay vault`: what ansible-vault does for the files sshplay reads, for hosts that run playbooks
 * without Ansible installed. Output is Ansible's own format, so either tool opens what the other wrote.
 */

async function onePassword(o: VaultCliOptions, secrets: SecretPrompt): Promise<{ secret: string; label?: string }> {
  const list = (await useVaultPasswords(o, secrets)).passwordList;
  if (list.length === 0)
    throw new UsageError('a vault password is needed: --vault-password-file FILE, --vault-id label@source or -J');
  if (list.length > 1) throw new UsageError('give one vault password to encrypt with, not several');
  return list[0] as { secret: string; label?: string };
}

/** Replaces a file's content atomically (temporary file beside it, then rename), keeping its mode. */
async function replaceFile(path: string, content: string): Promise<void> {
  const mode = (await stat(path)).mode & 0o7777;
  const temporary = join(dirname(path), `.${basename(path)}.sshplay-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`, { cause: e });
  }
}

function opened(keyring: VaultKeyring, path: string, text: string): string {
  try {
    return keyring.open(text, false);
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`, { cause: e });
  }
}

export async function vaultEncrypt(files: string[], o: VaultCliOptions, secrets: SecretPrompt): Promise<number> {
  const { secret, label } = await onePassword(o, secrets);
  for (const file of files) {
    const text = await readText(file);
    if (isVaultText(text)) throw new UsageError(`${file} is already encrypted`);
    await replaceFile(file, encryptVault(Buffer.from(text, 'utf8'), secret, label));
    process.stderr.write(`encrypted ${file}\n`);
  }
  return 0;
}

export async function vaultDecrypt(files: string[], o: VaultCliOptions, secrets: SecretPrompt): Promise<number> {
  const keyring = await useVaultPasswords(o, secrets);
  for (const file of files) {
    const text = await readText(file);
    if (!isVaultText(text)) throw new UsageError(`${file} is not encrypted`);
    await replaceFile(file, opened(keyring, file, text));
    process.stderr.write(`decrypted ${file}\n`);
  }
  return 0;
}

export async function vaultView(file: string, o: VaultCliOptions, secrets: SecretPrompt): Promise<number> {
  const keyring = await useVaultPasswords(o, secrets);
  const text = await readText(file);
  process.stdout.write(isVaultText(text) ? opened(keyring, file, text) : text);
  return 0;
}

/** A value for a YAML file: `name: !vault |` and the indented vault, as `ansible-vault encrypt_string`. */
export async function vaultEncryptString(
  value: string | undefined,
  o: VaultCliOptions & { name?: string },
  secrets: SecretPrompt,
) {
  const { secret, label } = await onePassword(o, secrets);
  // The value is asked for (no echo, or the next line of a pipe) unless given; argv is visible in ps.
  const plain = value ?? (await secrets.read('String to encrypt: '));
  if (plain === '') throw new UsageError('nothing to encrypt: the string is empty');
  const vault = encryptVault(Buffer.from(plain, 'utf8'), secret, label)
    .trimEnd()
    .split('\n')
    .map((line) => `          ${line}`)
    .join('\n');
  process.stdout.write(`${o.name ?? 'value'}: !vault |\n${vault}\n`);
  return 0;
}
