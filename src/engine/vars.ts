import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { readConfigText, YamlSource } from '../playbook/yaml-source.js';
import { renderValue } from '../template/render.js';

/** Variables whose values never appear in output, events or messages. */
export const SECRET_VARS = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass'];

/** Renders a mapping of variables in order, each able to use the ones before it (play vars, vars files). */
export function renderVarsInOrder(
  defs: Record<string, unknown>,
  base: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const scope = { ...base };
  for (const [k, v] of Object.entries(defs)) {
    out[k] = renderValue(v, scope);
    scope[k] = out[k];
  }
  return out;
}

const varsFileCache = new Map<string, Promise<Record<string, unknown>>>();

/** A vars file (YAML mapping), read once per run. */
export function loadVarsFile(baseDir: string, name: string): Promise<Record<string, unknown>> {
  const path = resolve(baseDir, name);
  let p = varsFileCache.get(path);
  if (!p) {
    p = (async () => {
      let text: string;
      try {
        text = readConfigText(path);
      } catch (e) {
        throw new ConfigError(`vars_files: cannot read ${path}: ${(e as Error).message}`, { file: path });
      }
      const src = YamlSource.parse(path, text);
      const data = src.toJS();
      if (data === null) return {};
      if (typeof data !== 'object' || Array.isArray(data))
        throw new ConfigError('a vars file must be a mapping', src.where(src.root));
      return data as Record<string, unknown>;
    })();
    varsFileCache.set(path, p);
  }
  return p;
}

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
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('********');
  return out;
}
