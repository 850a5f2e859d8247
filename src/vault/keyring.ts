import type { ScalarTag } from 'yaml';
import { ConfigError } from '../errors.js';
import { decryptVault, isVaultText, parseVault, VaultFormatError } from './format.js';

export interface VaultPassword {
  /** The vault id label (`--vault-id prod@file`); a 1.2 vault tries the password with its label first. */
  label?: string;
  secret: string;
  /** Where it came from, for messages (never the secret itself). */
  source: string;
}

/** Why a vault text cannot be read, for the caller to place at a file, line and column. */
export class VaultError extends Error {}

/** `!vault |` (what ansible-vault encrypt_string writes) read with a keyring: its value is the decrypted text. */
function vaultTagOf(keyring: () => VaultKeyring): ScalarTag {
  return {
    tag: '!vault',
    identify: () => false,
    resolve(text, onError) {
      try {
        return keyring().open(text);
      } catch (e) {
        if (!(e instanceof VaultError)) throw e;
        onError(e.message);
        return '';
      }
    },
  };
}

/**
 * The vault passwords of one run and what they opened: a value the command line makes once and hands to every
 * YAML reader (inventory, group_vars, playbooks, vars_files, -e @file), so they all open vaulted values the same
 * way. Every decrypted value is remembered so redaction hides it wherever it shows up. Two keyrings share nothing.
 */
export class VaultKeyring {
  private readonly passwords: readonly VaultPassword[];
  private readonly opened = new Map<string, string>();
  private readonly plaintexts = new Set<string>();
  private plaintextList: readonly string[] = [];

  constructor(passwords: readonly VaultPassword[] = []) {
    this.passwords = [...passwords];
  }

  /** The passwords given (for `vault` subcommands that encrypt with the first). */
  get passwordList(): readonly VaultPassword[] {
    return this.passwords;
  }

  /** Every string a vault gave this run, for redaction. */
  secrets(): readonly string[] {
    if (this.plaintextList.length !== this.plaintexts.size) this.plaintextList = [...this.plaintexts];
    return this.plaintextList;
  }

  /** Values of a whole vault-encrypted file are secrets too: each string in it is redacted. */
  remember(value: unknown): void {
    if (typeof value === 'string') {
      for (const line of value.split('\n')) if (line.trim().length >= 3) this.plaintexts.add(line.trim());
      if (value.length >= 3) this.plaintexts.add(value);
    } else if (Array.isArray(value)) for (const v of value) this.remember(v);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) this.remember(v);
  }

  /**
   * Opens a vault text with this keyring's passwords. `remember`: the plaintext is one secret value (an inline
   * `!vault`); a whole file's plaintext is YAML, whose values the reader remembers once parsed.
   */
  open(text: string, remember = true): string {
    const cached = this.opened.get(text);
    if (cached !== undefined) return cached;
    const passwords = this.passwords;
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
        this.opened.set(text, value);
        if (remember) this.remember(value);
        return value;
      }
    }
    const tried = passwords.map((p) => p.source).join(', ');
    throw new VaultError(
      `encrypted with ansible-vault${envelope.label ? ` (vault id ${envelope.label})` : ''}, and no vault password given opens it (tried ${tried})`,
    );
  }

  /** The YAML tag `!vault |` that Ansible writes for encrypt_string: the value is the decrypted text. */
  readonly tag: ScalarTag = vaultTagOf(() => this);

  /**
   * A file's text as its reader should parse it: a file encrypted whole is opened first; one that cannot be
   * opened is bad input at the file's first line.
   */
  openFile(file: string, text: string): { text: string; vaulted: boolean } {
    if (!isVaultText(text)) return { text, vaulted: false };
    try {
      return { text: this.open(text, false), vaulted: true };
    } catch (e) {
      if (e instanceof VaultError) throw new ConfigError(e.message, { file, line: 1, column: 1 });
      throw e;
    }
  }
}
