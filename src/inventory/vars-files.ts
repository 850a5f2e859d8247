import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { ConfigError } from '../errors.js';
import { VaultKeyring } from '../vault/keyring.js';
import type { InventoryBuilder } from './builder.js';
import type { Vars } from './types.js';
import { YamlFile } from './yaml-file.js';

/*
 * group_vars/ and host_vars/ beside an inventory file or inside an inventory directory, as Ansible's
 * host_group_vars plugin finds them: for an entity `web`, the first of group_vars/web (a file, or a directory whose
 * files are all read in name order), web.yml, web.yaml, web.json.
 */

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export async function loadVarsFiles(dir: string, builder: InventoryBuilder, keyring: VaultKeyring): Promise<void> {
  const groupVars = join(dir, 'group_vars');
  for (const [name, vars] of await readEntityVars(groupVars, builder.groupNames(), keyring)) {
    builder.setGroupFileVars(name, vars);
  }
  const hostVars = join(dir, 'host_vars');
  for (const [name, vars] of await readEntityVars(hostVars, builder.hostNames(), keyring)) {
    builder.setHostFileVars(name, vars);
  }
}

async function readEntityVars(dir: string, names: string[], keyring: VaultKeyring): Promise<[string, Vars][]> {
  let entries: Set<string>;
  try {
    entries = new Set(await readdir(dir));
  } catch {
    return [];
  }
  const found: [string, Vars][] = [];
  for (const name of names) {
    const entry = EXTENSIONS.map((ext) => name + ext).find((candidate) => entries.has(candidate));
    if (entry === undefined) continue;
    const path = join(dir, entry);
    const files = (await stat(path)).isDirectory() ? await varsFilesUnder(path) : [path];
    const vars: Vars = {};
    for (const file of files) Object.assign(vars, await readVarsFile(file, keyring));
    found.push([name, vars]);
  }
  return found;
}

async function varsFilesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Hidden files and editor backups (name~) are someone's scratch, not variables.
    if (entry.name.startsWith('.') || entry.name.endsWith('~')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await varsFilesUnder(path)));
    else if (EXTENSIONS.includes(extname(entry.name))) files.push(path);
  }
  return files;
}

/** One vars file: a YAML (or JSON) mapping, or an empty file. */
export async function readVarsFile(file: string, keyring: VaultKeyring = new VaultKeyring()): Promise<Vars> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read vars file: ${(e as Error).message}`, { file });
  }
  const yaml = YamlFile.parse(file, text, keyring);
  const root = yaml.root;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) {
    throw new ConfigError('a vars file must be a mapping of variable names to values', yaml.where(root));
  }
  return yaml.toJS(root) as Vars;
}
