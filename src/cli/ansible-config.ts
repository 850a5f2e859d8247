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
  config.warnings.push(...notHonoured(file, sections));
  return config;
}

/** The settings loadAnsibleConfig reads and honours, by section. */
const HONOURED: Record<string, readonly string[]> = {
  defaults: [
    'inventory',
    'hostfile',
    'remote_user',
    'private_key_file',
    'forks',
    'timeout',
    'vault_password_file',
    'retry_files_enabled',
    'host_key_checking',
  ],
  privilege_escalation: ['become', 'become_user'],
};

/** Why common settings do nothing here, so the warning says what to do instead. */
const WHY_NOT: Record<string, string> = {
  callbacks_enabled: 'sshplay has its own output (--json for machines, -v for more)',
  callback_whitelist: 'sshplay has its own output (--json for machines, -v for more)',
  stdout_callback: 'sshplay has its own output (--json for machines, -v for more)',
  ssh_args: 'sshplay speaks SSH itself (no OpenSSH client): put options in ~/.ssh/config or give -F',
  ssh_extra_args: 'sshplay speaks SSH itself (no OpenSSH client): put options in ~/.ssh/config or give -F',
  ssh_common_args: 'sshplay speaks SSH itself (no OpenSSH client): put options in ~/.ssh/config or give -F',
  control_path: 'sshplay keeps one session per host for the whole run itself',
  pipelining: 'sshplay keeps one session per host for the whole run itself',
  gathering: "sshplay reads facts in one round trip with each play's first task",
  become_method: 'sshplay becomes root with sudo',
  roles_path: 'set ANSIBLE_ROLES_PATH, or keep roles/ beside the playbook',
};

/**
 * One warning per setting the file sets that sshplay does not honour: a user who tuned ansible.cfg
 * should not believe a setting took effect.
 */
function notHonoured(file: string, sections: Map<string, Map<string, string>>): string[] {
  const warnings: string[] = [];
  for (const [section, keys] of sections) {
    for (const key of keys.keys()) {
      if (HONOURED[section]?.includes(key)) continue;
      const why = WHY_NOT[key] ?? 'sshplay does not read it';
      warnings.push(`${file}: [${section}] ${key} is not honoured: ${why}`);
    }
  }
  return warnings;
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
