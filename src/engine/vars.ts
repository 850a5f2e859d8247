import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { readConfigText, YamlSource } from '../playbook/yaml-source.js';
import { renderValue } from '../template/render.js';
import type { VaultKeyring } from '../vault/keyring.js';

// What cli/main.ts masks with (it imported these from here before redaction had its own module).
export { maskSecretLines, redact, redactValue, SECRET_VARS } from './redaction.js';

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

/** Vars files read so far in a run: each is read once (the cache belongs to the run, not the process). */
export type VarsFileCache = Map<string, Promise<Record<string, unknown>>>;

/** A vars file (YAML mapping), read once per run. */
export function loadVarsFile(
  baseDir: string,
  name: string,
  cache: VarsFileCache,
  keyring: VaultKeyring,
): Promise<Record<string, unknown>> {
  const path = resolve(baseDir, name);
  let p = cache.get(path);
  if (!p) {
    p = (async () => {
      let text: string;
      try {
        text = readConfigText(path);
      } catch (e) {
        throw new ConfigError(`vars_files: cannot read ${path}: ${(e as Error).message}`, { file: path });
      }
      const src = YamlSource.parse(path, text, keyring);
      const data = src.toJS();
      if (data === null) return {};
      if (typeof data !== 'object' || Array.isArray(data))
        throw new ConfigError('a vars file must be a mapping', src.where(src.root));
      return data as Record<string, unknown>;
    })();
    cache.set(path, p);
  }
  return p;
}
