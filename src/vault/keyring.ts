import type { ScalarTag } from 'yaml';
import { ConfigError } from '../errors.js';
import { decryptVault, isVaultText, parseVault, VaultFormatError } from './format.js';

/**
 * The vault passwords of this run and what they opened. Process-wide on purpose: every YAML reader
 * (inventory, group_vars, playbooks, vars_files, -e @file) must open vaulted values the same way, and the
 * passwords are given once per process on the command line, like Ansible's --vault-password-file.
 * Every decrypted value is remembered so the engine's redaction hides it wherever it shows up.
 */

export interface VaultPassword {
  /** The vault id label (`--vault-id prod@file`); a 1.2 vault tries the password with its label first. */
  label?: string;
  secret: string;
  /** Where it came from, for messages (never the secret itself). */
  source: string;
}

let passwords: VaultPassword[] = [];
const opened = new Map<string, string>();
const plaintexts = new Set<string>();
let plaintextList: readonly string[] = [];

export function setVaultPasswords(list: VaultPassword[]): void {
  passwords = [...list];
  opened.clear();
}

export function vaultPasswords(): readonly VaultPassword[] {
  return passwords;
}

/** Every string a vault gave this run, for redaction. */
export function vaultSecrets(): readonly string[] {
  if (plaintextList.length !== plaintexts.size) plaintextList = [...plaintexts];
  return plaintextList;
}

/** Values of a whole vault-encrypted file are secrets too: each string in it is redacted. */
export function rememberVaultSecrets(value: unknown): void {
  if (typeof value === 'string') {
    for (const line of value.split('\n')) if (line.trim().length >= 3) plaintexts.add(line.trim());
    if (value.length >= 3) plaintexts.add(value);
  } else if (Array.isArray(value)) for (const v of value) rememberVaultSecrets(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) rememberVaultSecrets(v);
}

/** Why a vault text cannot be read, for the caller to place at a file, line and column. */
export class VaultError extends Error {}

/**
 * Opens a vault text with this run's passwords. `remember`: the plaintext is one secret value (an inline
 * `!vault`); a whole file's plaintext is YAML, whose values the reader remembers once parsed.
 */
export function openVault(text: string, remember = true): string {
  const cached = opened.get(text);
  if (cached !== undefined) return cached;
  if (passwords.length === 0)
    throw new VaultError(
      'encrypted with ansible-vault, but no vault password was given (--vault-password-file FILE, --vault-id, --ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE)',
    );
  let envelope: ReturnType<typeof parseVault>;
  try {
    envelope = parseVault(text);
  } catch (e) {
    if (e instanceof VaultFormatError) throw new VaultError(`unreadable vault: ${e.message}`);
    throw e;
  }
  // A 1.2 vault names its vault id: the password given for that label is tried first.
  const ordered = [...passwords].sort(
    (a, b) => Number(b.label === envelope.label) - Number(a.label === envelope.label),
  );
  for (const p of ordered) {
    let plain: Buffer | null;
    try {
      plain = decryptVault(envelope, p.secret);
    } catch (e) {
      if (e instanceof VaultFormatError) throw new VaultError(`unreadable vault: ${e.message}`);
      throw e;
    }
    if (plain) {
      const value = plain.toString('utf8');
      opened.set(text, value);
      if (remember) rememberVaultSecrets(value);
      return value;
    }
  }
  const tried = passwords.map((p) => p.source).join(', ');
  throw new VaultError(
    `encrypted with ansible-vault${envelope.label ? ` (vault id ${envelope.label})` : ''}, and no vault password given opens it (tried ${tried})`,
  );
}

/** The YAML tag `!vault |` that Ansible writes for encrypt_string: the value is the decrypted text. */
export const vaultTag: ScalarTag = {
  tag: '!vault',
  identify: () => false,
  resolve(text, onError) {
    try {
      return openVault(text);
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      onError(e.message);
      return '';
    }
  },
};

/**
 * A file's text as its reader should parse it: a file encrypted whole is opened first; one that cannot be
 * opened is bad input at the file's first line.
 */
export function openVaultFile(file: string, text: string): { text: string; vaulted: boolean } {
  if (!isVaultText(text)) return { text, vaulted: false };
  try {
    return { text: openVault(text, false), vaulted: true };
  } catch (e) {
    if (e instanceof VaultError) throw new ConfigError(e.message, { file, line: 1, column: 1 });
    throw e;
  }
}
