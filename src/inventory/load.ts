import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { VaultKeyring } from '../vault/keyring.js';
import { InventoryBuilder } from './builder.js';
import { HostEntryError, parseHostEntry } from './host-entry.js';
import { parseIniInventory } from './ini-inventory.js';
import type { Inventory } from './types.js';
import { loadVarsFiles } from './vars-files.js';
import { parseYamlInventory } from './yaml-inventory.js';

type Format = 'ini' | 'yaml';

// What Ansible never reads as inventory inside a directory (INVENTORY_IGNORE_EXTS and its always-ignored names).
const IGNORED_NAMES = /^(\.|group_vars$|host_vars$|vars_plugins$)|~$/;
const IGNORED_EXTENSIONS = ['.md', '.retry', '.orig', '.cfg', '.txt', '.rst', '.pyc', '.pyo', '.swp', '.bak', '.rpm'];
const FORMAT_BY_EXTENSION: Record<string, Format> = { '.ini': 'ini', '.yml': 'yaml', '.yaml': 'yaml', '.json': 'yaml' };

/**
 * Reads inventory files and directories (`-i`, repeatable) into one inventory, with the group_vars/ and host_vars/
 * beside each file or inside each directory given. Later sources add to and override earlier ones.
 */
export interface InventoryLoadOptions {
  /** Opens vaulted files and `!vault` values (the run's passwords); none given: a vault is an error naming the file. */
  keyring?: VaultKeyring;
}

export async function loadInventory(paths: string | string[], options: InventoryLoadOptions = {}): Promise<Inventory> {
  const keyring = options.keyring ?? new VaultKeyring();
  const sources = typeof paths === 'string' ? [paths] : paths;
  if (sources.length === 0) throw new ConfigError('no inventory given: pass a file or directory');
  const builder = new InventoryBuilder();
  const varsDirs: string[] = [];
  for (const source of sources) {
    const info = await stat(source).catch(() => undefined);
    if (!info && source.includes(',')) {
      readHostList(source, builder);
    } else if (!info) {
      throw new ConfigError('inventory not found (no such file or directory)', { file: source });
    } else if (info.isDirectory()) {
      varsDirs.push(source);
      await readDirectory(source, builder, keyring);
    } else {
      varsDirs.push(dirname(source));
      await readInventoryFile(source, FORMAT_BY_EXTENSION[extname(source)], builder, keyring);
    }
  }
  // group_vars apply to groups whichever file defined them, so they are read once every file is in.
  for (const dir of new Set(varsDirs)) await loadVarsFiles(dir, builder, keyring);
  return builder.build();
}

async function readDirectory(dir: string, builder: InventoryBuilder, keyring: VaultKeyring): Promise<void> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const ext = extname(entry.name);
    if (IGNORED_NAMES.test(entry.name) || IGNORED_EXTENSIONS.includes(ext)) continue;
    if (entry.isDirectory()) await readDirectory(path, builder, keyring);
    // Other extensions (scripts, plugin configs) are not static inventories; files without one are sniffed.
    else if (ext === '' || FORMAT_BY_EXTENSION[ext])
      await readInventoryFile(path, FORMAT_BY_EXTENSION[ext], builder, keyring);
  }
}

async function readInventoryFile(
  file: string,
  format: Format | undefined,
  builder: InventoryBuilder,
  keyring: VaultKeyring,
): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read inventory: ${(e as Error).message}`, { file });
  }
  builder.sources.push(file);
  // An inventory encrypted whole: its format is told from the plaintext (the YAML reader opens it itself).
  const plain = keyring.openFile(file, text).text;
  if ((format ?? sniffFormat(plain)) === 'yaml') parseYamlInventory(file, text, builder, keyring);
  else parseIniInventory(file, plain, builder);
}

/**
 * INI or YAML, for a file without a telling extension: YAML opens with `---`, `{` or a `key:` line (`all:`); an INI
 * line is a `[section]`, or a host (`db1`, `db1:2222`, `db1 ansible_host=...`) whose colon is never last.
 */
export function sniffFormat(text: string): Format {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    return /^(---|\{|[^\s[=:]+:(\s.*)?$)/.test(line) ? 'yaml' : 'ini';
  }
  return 'ini';
}

/** `-i 'db1,db2:2222,'`: Ansible's host list, when the argument names no file and holds a comma. */
function readHostList(list: string, builder: InventoryBuilder): void {
  builder.sources.push(list);
  for (const item of list.split(',')) {
    const text = item.trim();
    if (text === '') continue;
    let entry: ReturnType<typeof parseHostEntry>;
    try {
      entry = parseHostEntry(text);
    } catch (e) {
      if (e instanceof HostEntryError) throw new ConfigError(`host list: ${e.message}`, { file: list });
      throw e;
    }
    for (const name of entry.names) {
      builder.addHost(name, 'ungrouped');
      if (entry.port !== undefined) builder.setHostVars(name, { ansible_port: entry.port });
    }
  }
}
