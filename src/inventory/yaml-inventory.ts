import { isMap, isPair, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { ConfigError } from '../errors.js';
import { VaultKeyring } from '../vault/keyring.js';
import type { InventoryBuilder } from './builder.js';
import { HostEntryError, parseHostEntry } from './host-entry.js';
import type { Vars } from './types.js';
import { YamlFile } from './yaml-file.js';

/*
 * Ansible's YAML inventory: groups hold hosts, vars and children, nested to any depth.
 *
 *   all:
 *     vars: { ntp_server: ntp.example.com }
 *     hosts:
 *       mail.example.com:
 *     children:
 *       webservers:
 *         hosts:
 *           foo.example.com: { ansible_port: 2222 }
 *           www[01:50].example.com:
 */

const GROUP_KEYS = ['hosts', 'vars', 'children'];

export function parseYamlInventory(
  file: string,
  text: string,
  builder: InventoryBuilder,
  keyring: VaultKeyring = new VaultKeyring(),
): void {
  new YamlInventoryReader(YamlFile.parse(file, text, keyring), builder).read();
}

class YamlInventoryReader {
  constructor(
    private readonly yaml: YamlFile,
    private readonly builder: InventoryBuilder,
  ) {}

  read(): void {
    const root = this.yaml.root;
    if (root === null || (isScalar(root) && root.value === null)) return;
    if (!isMap(root)) {
      throw new ConfigError(
        `a YAML inventory is a mapping of groups (usually all:), not ${describe(root)}`,
        this.yaml.where(root),
      );
    }
    for (const pair of root.items) {
      const name = this.keyOf(pair, '');
      if (name === 'plugin') {
        throw new ConfigError(
          'inventory plugin configurations (plugin:) are not supported: give a static inventory',
          this.yaml.where(pair.key),
        );
      }
      this.readGroup(name, pair.value, name);
    }
  }

  private readGroup(name: string, value: unknown, path: string): void {
    this.builder.addGroup(name);
    const node = this.yaml.resolve(value);
    if (node === null || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      throw new ConfigError(
        `${path}: a group is a mapping of hosts, vars and children, not ${describe(node)}`,
        this.yaml.where(node),
      );
    }
    for (const pair of node.items) {
      const key = this.keyOf(pair, path);
      const at = `${path}.${key}`;
      const section = this.yaml.resolve(pair.value);
      if (!GROUP_KEYS.includes(key)) {
        throw new ConfigError(
          `${path}: unexpected key '${key}' (a group has ${GROUP_KEYS.join(', ')})`,
          this.yaml.where(pair.key),
        );
      }
      if (section === null || (isScalar(section) && section.value === null)) continue;
      if (!isMap(section)) {
        const expected =
          key === 'hosts'
            ? 'a mapping of host names to their variables'
            : key === 'vars'
              ? 'a mapping of variable names to values'
              : 'a mapping of group names to groups';
        throw new ConfigError(`${at} must be ${expected}, not ${describe(section)}`, this.yaml.where(section));
      }
      if (key === 'vars') {
        this.builder.setGroupVars(name, this.yaml.toJS(section) as Vars, this.yaml.where(section));
      } else if (key === 'hosts') {
        for (const host of section.items) this.readHost(name, host, at);
      } else {
        for (const child of section.items) {
          const childName = this.keyOf(child, at);
          this.builder.addChild(name, childName, this.yaml.where(child.key));
          this.readGroup(childName, child.value, `${at}.${childName}`);
        }
      }
    }
  }

  private readHost(group: string, pair: Pair<unknown, unknown>, path: string): void {
    const key = this.keyOf(pair, path);
    let entry: ReturnType<typeof parseHostEntry>;
    try {
      entry = parseHostEntry(key);
    } catch (e) {
      if (e instanceof HostEntryError) throw new ConfigError(`${path}: ${e.message}`, this.yaml.where(pair.key));
      throw e;
    }
    const node = this.yaml.resolve(pair.value);
    let vars: Vars = {};
    if (node !== null && !(isScalar(node) && node.value === null)) {
      if (!isMap(node)) {
        throw new ConfigError(
          `${path}.${key}: host variables must be a mapping (or nothing), not ${describe(node)}`,
          this.yaml.where(node),
        );
      }
      vars = this.yaml.toJS(node) as Vars;
    }
    if (entry.port !== undefined) vars = { ansible_port: entry.port, ...vars };
    for (const name of entry.names) {
      this.builder.addHost(name, group);
      this.builder.setHostVars(name, vars);
    }
  }

  private keyOf(pair: unknown, path: string): string {
    const key = isPair(pair) ? this.yaml.resolve(pair.key) : null;
    if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
      throw new ConfigError(
        `${path || 'inventory'}: keys must be plain names, not ${describe(key)}`,
        this.yaml.where(key ?? pair),
      );
    }
    return String(key.value);
  }
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return node.value === null ? 'nothing' : `the ${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'an unknown node';
}
