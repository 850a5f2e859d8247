import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `<playbook>.retry` (in the current folder, as Ansible's retry_files_save_path default). */
export function retryFileName(playbookFile: string): string {
  return `${basename(playbookFile).replace(/\.ya?ml$/, '')}.retry`;
}

/**
 * Writes the retry file without following a link at its name: the hosts go to a fresh file created
 * exclusively ('wx') beside it, renamed over the name, which replaces a link (or a file) and never
 * writes where it points.
 */
export async function writeRetryFile(path: string, hosts: readonly string[]): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, `${hosts.join('\n')}\n`, { flag: 'wx', mode: 0o644 });
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
