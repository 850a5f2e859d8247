import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ansibleBoolean } from '../ansible-boolean.js';
import { ConfigError, UsageError } from '../errors.js';

/**
 * The settings of an existing Ansible setup's ansible.cfg that sshplay honours, so `sshplay run pb.yml` in an
 * Ansible project works as `ansible-playbook pb.yml` does there. Found as Ansible finds it: $ANSIBLE_CONFIG,
 * ./ansible.cfg (not in a world-writable directory, as Ansible refuses it there), ~/.ansible.cfg,
 * /etc/ansible/ansible.cfg; the first that exists is the only one read.
 * Precedence stays Ansible's: command-line options win over the file, inventory variables over its defaults.
 */
export interface AnsibleConfig {
  file: string;
  /** [defaults] inventory: paths, relative to the file's folder. */
  inventory?: string[];
  /** [defaults] remote_user and private_key_file, as the lowest-precedence ansible_user / key file. */
  remoteUser?: string;
  privateKeyFile?: string;
  forks?: string;
  timeout?: string;
  /** [defaults] task_timeout (Ansible's TASK_TIMEOUT): the run-wide default of the task keyword `timeout`. */
  taskTimeout?: string;
  vaultPasswordFile?: string;
  /** [privilege_escalation] become / become_user: the default where no play, task or variable says. */
  become?: boolean;
  becomeUser?: string;
  /** [defaults] retry_files_enabled: false, no `<playbook>.retry` is written. */
  retryFilesEnabled?: boolean;
  /** What the file asks for that sshplay will not do, to be said once per run. */
  warnings: string[];
}

type Sections = Map<string, Map<string, string>>;

/** configparser's dialect as Ansible uses it: [section], key = value or key: value, # and ; comments. */
export function parseConfigText(file: string, text: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/\s+$/, '');
    if (/^\s*([#;]|$)/.test(line)) continue;
    const section = /^\[([^\]]+)\]$/.exec(line.trim());
    if (section) {
      const name = (section[1] as string).trim().toLowerCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && current && lastKey) {
      // an indented line continues the previous value (configparser)
      current.set(lastKey, `${current.get(lastKey)}\n${line.trim()}`);
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!pair || !current)
      throw new ConfigError(current ? 'expected key = value' : 'expected a [section] before settings', {
        file,
        line: i + 1,
        column: 1,
        excerpt: raw,
      });
    lastKey = (pair[1] as string).trim().toLowerCase();
    // configparser keeps inline comments only after ' #' or ' ;' when asked; Ansible strips ' #...'
    current.set(lastKey, (pair[2] as string).replace(/\s+[#;].*$/, '').trim());
  }
  return sections;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function findConfig(): Promise<string | undefined> {
  if (process.env.ANSIBLE_CONFIG) {
    const path = resolve(process.env.ANSIBLE_CONFIG);
    if (!(await exists(path))) throw new ConfigError('ANSIBLE_CONFIG names a file that does not exist', { file: path });
    return path;
  }
  const cwd = process.cwd();
  const worldWritable = ((await stat(cwd)).mode & 0o002) !== 0;
  const candidates = [
    ...(worldWritable ? [] : [join(cwd, 'ansible.cfg')]),
    join(homedir(), '.ansible.cfg'),
    '/etc/ansible/ansible.cfg',
  ];
  for (const c of candidates) if (await exists(c)) return c;
  return undefined;
}

export async function loadAnsibleConfig(): Promise<AnsibleConfig | undefined> {
  const file = await findConfig();
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read: ${(e as Error).message}`, { file });
  }
  const sections = parseConfigText(file, text);
  const defaults = sections.get('defaults') ?? new Map<string, string>();
  const privilege = sections.get('privilege_escalation') ?? new Map<string, string>();
  const base = dirname(file);
  const path = (p: string) => {
    const expanded = p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
    return isAbsolute(expanded) ? expanded : join(base, expanded);
  };
  const flag = (section: Map<string, string>, key: string): boolean | undefined => {
    const v = section.get(key);
    if (v === undefined || v === '') return undefined;
    const b = ansibleBoolean(v);
    if (b !== undefined) return b;
    throw new ConfigError(`${key} must be true or false, not '${section.get(key)}'`, { file });
  };
  const config: AnsibleConfig = { file, warnings: [] };
  const inventory = defaults.get('inventory') ?? defaults.get('hostfile');
  if (inventory)
    config.inventory = inventory
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map(path);
  if (defaults.get('remote_user')) config.remoteUser = defaults.get('remote_user');
  if (defaults.get('private_key_file')) config.privateKeyFile = path(defaults.get('private_key_file') as string);
  if (defaults.get('forks')) config.forks = defaults.get('forks');
  if (defaults.get('timeout')) config.timeout = defaults.get('timeout');
  if (defaults.get('task_timeout')) config.taskTimeout = defaults.get('task_timeout');
  if (defaults.get('vault_password_file'))
    config.vaultPasswordFile = path(defaults.get('vault_password_file') as string);
  config.become = flag(privilege, 'become');
  config.retryFilesEnabled = flag(defaults, 'retry_files_enabled');
  if (privilege.get('become_user')) config.becomeUser = privilege.get('become_user');
  if (flag(defaults, 'host_key_checking') === false)
    config.warnings.push(
      `${file}: host_key_checking = False is not honoured: sshplay always checks host keys (--accept-new-host-keys records new ones)`,
    );
  return config;
}

/** Inventories to read: -i, else ansible.cfg's, else Ansible's default /etc/ansible/hosts when it exists. */
export async function inventorySources(given: string[], config: AnsibleConfig | undefined): Promise<string[]> {
  if (given.length > 0) return given;
  if (config?.inventory?.length) return config.inventory;
  if (await exists('/etc/ansible/hosts')) return ['/etc/ansible/hosts'];
  throw new UsageError(
    `no inventory: give -i FILE|DIR${config ? `, or set inventory in [defaults] of ${config.file}` : ' (or set inventory in ansible.cfg)'}`,
  );
}

/** ansible.cfg's connection defaults as variables, to sit under every inventory variable. */
export function configVars(config: AnsibleConfig | undefined): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  if (config?.remoteUser) vars.ansible_user = config.remoteUser;
  if (config?.privateKeyFile) vars.ansible_ssh_private_key_file = config.privateKeyFile;
  return vars;
}
