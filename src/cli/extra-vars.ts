import { ConfigError, UsageError } from '../errors.js';
import { readConfigText, YamlSource } from '../playbook/yaml-source.js';
import { VaultKeyring } from '../vault/keyring.js';

/**
 * -e as ansible-playbook reads it: `key=value` (several per -e, values are strings), a JSON or YAML
 * mapping, or `@file.yml` (its vaults opened with `keyring`). Later -e options win.
 */
export async function parseExtraVars(
  options: readonly string[],
  keyring: VaultKeyring = new VaultKeyring(),
): Promise<Record<string, unknown>> {
  const vars: Record<string, unknown> = {};
  for (const opt of options) {
    const text = opt.trim();
    if (text.startsWith('@')) {
      const file = text.slice(1);
      let content: string;
      try {
        content = readConfigText(file);
      } catch (e) {
        throw new UsageError(`-e @${file}: ${(e as Error).message}`);
      }
      const data = YamlSource.parse(file, content, keyring).toJS();
      if (data === null) continue;
      if (typeof data !== 'object' || Array.isArray(data))
        throw new ConfigError('extra vars file must be a mapping', { file });
      Object.assign(vars, data);
    } else if (text.startsWith('{')) {
      const data = YamlSource.parse('(-e)', text, keyring).toJS();
      Object.assign(vars, data as Record<string, unknown>);
    } else {
      for (const pair of text.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UsageError(`-e expects key=value, @file or a JSON mapping; got '${pair}'`);
        vars[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
      }
    }
  }
  return vars;
}
