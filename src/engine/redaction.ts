/**
 * What never appears in output: connection passwords, values under keys that name a password or secret,
 * what vaults opened. Shown text is masked with ********; diffs also lose the value of every line that
 * sets a password (an old secret being rotated is not among the current values).
 */
import type { VaultKeyring } from '../vault/keyring.js';

/** Variables whose values never appear in output, events or messages. */
export const SECRET_VARS = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass'];

const SECRET_KEY = /pass(word|phrase)?$|secret/i;

/** The same value with every secret inside its strings (at any depth) replaced with ********. */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  return value;
}

/**
 * A line that sets a key naming a password, passphrase or secret (`node.session.auth.password = x`,
 * `password: x`, `secret=x`, commented out or not), as it appears in a diff line after its ' ', '-' or '+'.
 */
const SECRET_LINE =
  /^([ +-]?[ \t]*(?:[#;][ \t]*)?[\w.\-[\]]*(?:pass(?:word|phrase|wd)?|secret)[\w.\-[\]]*[ \t]*[=:][ \t]*)(\S.*)$/i;

/**
 * Masks the value of every line of a diff that sets a password or secret, on both sides and in context:
 * an old secret (a CHAP password being rotated) is not among the current values `redact` knows.
 */
export function maskSecretLines(diff: string): string {
  return diff
    .split('\n')
    .map((line) => (line.startsWith('---') || line.startsWith('+++') ? line : line.replace(SECRET_LINE, '$1********')))
    .join('\n');
}

/** Replaces every secret value found inside a text with ********. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3 && out.includes(s)) out = out.split(s).join('********');
  return out;
}

/** What a value without secrets holds: one array for them all (most of a host's values hold none). */
const NONE: readonly string[] = Object.freeze([]);

/**
 * Finds the secrets among a host's variables. The values in them (inventory values, registered results) are
 * shared and never changed once made, and so is a host's merged variables object (the same one for each of
 * its tasks until something it is merged from changes: see Variables.forHost), so what a value holds is
 * worked out once per run (the cache lives in this object, not in the process). Only the variables' own
 * values are remembered, not every object inside them: a registered result holds dozens (its lines, its
 * commands), each walked once with its value anyway, and remembering each of them, for every host of a large
 * fleet, was most of what this cache held.
 */
export class SecretFinder {
  private readonly perValue = new WeakMap<object, readonly string[]>();
  private readonly topLevel = new WeakMap<object, readonly string[]>();

  /** `keyring`: the run's vaults; whatever they opened is a secret. */
  constructor(private readonly keyring: VaultKeyring) {}

  /** Connection passwords, every value under a key that names a password or secret, and what vaults opened. */
  secretsOf(vars: Record<string, unknown>, also: readonly string[] = []): string[] {
    const found = SECRET_VARS.map((k) => vars[k]).filter((v): v is string => typeof v === 'string');
    let inside = this.topLevel.get(vars);
    if (!inside) {
      inside = this.inVariables(vars);
      this.topLevel.set(vars, inside);
    }
    // The vaults' secrets are asked each time: a vars file read later may open another vault.
    found.push(...inside, ...this.keyring.secrets(), ...also);
    return found;
  }

  private inVariables(vars: Record<string, unknown>): readonly string[] {
    const found: string[] = [];
    for (const [k, v] of Object.entries(vars)) {
      // Other hosts' variables: their secrets are found once per run (Variables.otherHostsSecrets).
      if (k === 'hostvars') continue;
      if (typeof v === 'string' || typeof v === 'number') {
        if (SECRET_KEY.test(k)) found.push(String(v));
      } else if (v && typeof v === 'object') {
        let inValue = this.perValue.get(v);
        if (!inValue) {
          const walked: string[] = [];
          SecretFinder.under(v, 1, walked);
          inValue = walked.length > 0 ? walked : NONE;
          this.perValue.set(v, inValue);
        }
        found.push(...inValue);
      }
    }
    return found.length > 0 ? found : NONE;
  }

  private static under(value: object, depth: number, found: string[]): void {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' || typeof v === 'number') {
        if (SECRET_KEY.test(k)) found.push(String(v));
      } else if (v && typeof v === 'object' && depth < 6) {
        SecretFinder.under(v, depth + 1, found);
      }
    }
  }
}
