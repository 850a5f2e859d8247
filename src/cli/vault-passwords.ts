import { execFile } from 'node:child_process';
import { access, constants, readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { VaultKeyring, type VaultPassword } from '../vault/keyring.js';
import type { SecretPrompt } from './prompt.js';

export interface VaultCliOptions {
  vaultPasswordFile?: string[];
  vaultId?: string[];
  askVaultPass?: boolean;
}

/** A password file's secret: its first line, or what it prints when it is executable (as Ansible does). */
async function passwordFromFile(path: string, option: string): Promise<string> {
  let executable = false;
  try {
    executable = (await stat(path)).isFile() && (await access(path, constants.X_OK).then(() => true));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(`${option} ${path}: no such file`, { cause: e });
  }
  let text: string;
  try {
    text = executable
      ? await new Promise<string>((resolve, reject) =>
          execFile(path, [], { timeout: 60_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout),
          ),
        )
      : await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${option} ${path}: ${executable ? 'the script failed' : 'cannot read'}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  const secret = text.split('\n')[0]?.replace(/\r$/, '').trim() ?? '';
  if (secret === '') throw new UsageError(`${option} ${path}: the vault password is empty`);
  return secret;
}

/**
 * The run's vault passwords from --vault-password-file, --vault-id label@file|prompt, --ask-vault-pass and
 * ANSIBLE_VAULT_PASSWORD_FILE or ansible.cfg, as one keyring for every YAML reader, made before anything is loaded.
 * The caller hands it to what it loads; it is also installed for the playbook loader and the engine, which do not
 * take one as an option yet (see vault/keyring.ts).
 */
export async function useVaultPasswords(
  o: VaultCliOptions,
  secrets: SecretPrompt,
  configFile?: string,
): Promise<VaultKeyring> {
  const list: VaultPassword[] = [];
  const files = [...(o.vaultPasswordFile ?? [])];
  // Options, else the environment, else ansible.cfg's vault_password_file, as Ansible ranks them.
  const fallback = process.env.ANSIBLE_VAULT_PASSWORD_FILE || configFile;
  if (files.length === 0 && !o.vaultId?.length && !o.askVaultPass && fallback) files.push(fallback);
  for (const file of files) list.push({ secret: await passwordFromFile(file, '--vault-password-file'), source: file });
  for (const id of o.vaultId ?? []) {
    const at = id.indexOf('@');
    const label = at > 0 ? id.slice(0, at) : undefined;
    const source = at >= 0 ? id.slice(at + 1) : id;
    if (source === '') throw new UsageError(`--vault-id '${id}': expected label@file or label@prompt`);
    const secret =
      source === 'prompt'
        ? await secrets.read(`Vault password (${label ?? 'default'}): `)
        : await passwordFromFile(source, '--vault-id');
    list.push({ label, secret, source: `--vault-id ${id}` });
  }
  if (o.askVaultPass) list.push({ secret: await secrets.read('Vault password: '), source: '--ask-vault-pass' });
  return new VaultKeyring(list);
}
