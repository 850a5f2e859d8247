/** A playbook file (and what it imports) read into plays, completely, before any host is touched. */
import { dirname, resolve } from 'node:path';
import type { Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { closestName } from '../modules/args.js';
import { VaultKeyring } from '../vault/keyring.js';
import { asList, checkTemplates, flag, isMapping, type Raw, text, typeName } from './keyword-values.js';
import { loadRole, onceEach } from './roles.js';
import { type LoadContext, parseTaskList } from './task-tree.js';
import { flattenTasks, type Play, type Playbook } from './types.js';
import { childNode, keyNode, YamlSource } from './yaml-source.js';

const PLAY_KEYWORDS = [
  'name',
  'hosts',
  'vars',
  'vars_files',
  'become',
  'become_user',
  'gather_facts',
  'serial',
  'max_fail_percentage',
  'any_errors_fatal',
  'tags',
  'tasks',
  'pre_tasks',
  'post_tasks',
  'handlers',
  'roles',
];

function parsePlay(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  seen: readonly string[],
  keyring: VaultKeyring,
  checkValues: boolean,
): Play {
  const where = src.where(node);
  for (const key of Object.keys(raw)) {
    if (!PLAY_KEYWORDS.includes(key)) {
      const near = closestName(key, PLAY_KEYWORDS);
      throw new ConfigError(
        `unknown play keyword '${key}'${near ? ` (did you mean '${near}'?)` : ''}; valid: ${PLAY_KEYWORDS.join(', ')}`,
        src.where(keyNode(node, key)),
      );
    }
  }
  if (typeof raw.hosts !== 'string' && !Array.isArray(raw.hosts))
    throw new ConfigError(`a play needs 'hosts' (a pattern such as iser_hosts), found ${typeName(raw.hosts)}`, where);
  const name = typeof raw.name === 'string' ? raw.name : String(raw.hosts);
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  if (checkValues) checkTemplates(raw.vars, src, childNode(node, 'vars'));
  const serial = asList(raw.serial).map((s) => {
    if (typeof s === 'number' && s > 0) return s;
    if (typeof s === 'string' && /^\d+(\.\d+)?%$/.test(s.trim())) return s.trim();
    throw new ConfigError(
      `'serial' entries must be positive numbers or percentages like "25%", not ${JSON.stringify(s)}`,
      src.where(childNode(node, 'serial')),
    );
  });
  const mfp = raw.max_fail_percentage;
  if (mfp !== undefined && (typeof mfp !== 'number' || mfp < 0 || mfp > 100))
    throw new ConfigError(
      `'max_fail_percentage' must be a number from 0 to 100, not ${JSON.stringify(mfp)}`,
      src.where(childNode(node, 'max_fail_percentage')),
    );
  if (raw.roles !== undefined && raw.roles !== null && !Array.isArray(raw.roles))
    throw new ConfigError(`'roles' must be a list, not ${typeName(raw.roles)}`, src.where(childNode(node, 'roles')));
  const rolesNode = childNode(node, 'roles');
  const ctx: LoadContext = {
    files: seen,
    keyring,
    checkValues,
    roles: { base: dirname(src.file), done: new Set(), chain: [] },
    roleHandlers: [],
  };
  const roles = ((raw.roles as unknown[] | undefined) ?? []).map((entry, i) =>
    loadRole(src, childNode(rolesNode, i), entry, name, ctx),
  );
  const body = [
    ...parseTaskList(src, node, raw, 'pre_tasks', name, ctx),
    ...roles.flatMap((r) => r.tasks),
    ...parseTaskList(src, node, raw, 'tasks', name, ctx),
    ...parseTaskList(src, node, raw, 'post_tasks', name, ctx),
  ];
  return {
    name,
    hosts: Array.isArray(raw.hosts) ? raw.hosts.join(':') : (raw.hosts as string),
    vars: (raw.vars as Raw | undefined) ?? {},
    varsFiles: asList(raw.vars_files).map(String),
    become: flag(src, node, raw, 'become'),
    becomeUser: text(src, node, raw, 'become_user'),
    gatherFacts: flag(src, node, raw, 'gather_facts') ?? true,
    serial,
    maxFailPercentage: mfp as number | undefined,
    anyErrorsFatal: flag(src, node, raw, 'any_errors_fatal') ?? false,
    tags: asList(raw.tags).map(String),
    body,
    tasks: flattenTasks(body),
    handlers: onceEach([
      ...flattenTasks(roles.flatMap((r) => r.handlers)),
      ...ctx.roleHandlers,
      ...flattenTasks(parseTaskList(src, node, raw, 'handlers', name, ctx)),
    ]),
    where,
    baseDir: dirname(src.file),
  };
}

/** What loading checks beyond the playbook's structure. */
export interface LoadOptions {
  /**
   * Every template, condition and shell script in the playbook's values, checked before any host is touched
   * (the default: what a run and --syntax-check need). --list-hosts/--list-tasks/--list-tags render nothing
   * and turn it off, as ansible-playbook lists without templating: a mistake there is reported by the run.
   */
  checkValues?: boolean;
}

async function loadInto(
  file: string,
  plays: Play[],
  seen: string[],
  keyring: VaultKeyring,
  checkValues: boolean,
): Promise<void> {
  const path = resolve(file);
  if (seen.includes(path)) throw new ConfigError(`import_playbook cycle: ${[...seen, path].join(' -> ')}`, { file });
  const src = await YamlSource.load(file, keyring);
  const raw = src.toJS();
  if (!Array.isArray(raw))
    throw new ConfigError(`a playbook must be a list of plays, found ${typeName(raw)}`, src.where(src.root));
  for (const [i, entry] of raw.entries()) {
    const node = childNode(src.root, i);
    if (!isMapping(entry)) throw new ConfigError(`a play must be a mapping, not ${typeName(entry)}`, src.where(node));
    if ('import_playbook' in entry) {
      const target = resolve(dirname(file), String(entry.import_playbook));
      await loadInto(target, plays, [...seen, path], keyring, checkValues).catch((e) => {
        if (e instanceof ConfigError && !e.where?.line && e.message.includes('cannot read'))
          throw new ConfigError(
            `import_playbook: cannot read ${target}`,
            src.where(childNode(node, 'import_playbook')),
          );
        throw e;
      });
      continue;
    }
    plays.push(parsePlay(src, node, entry, [...seen, path], keyring, checkValues));
  }
}

/**
 * Reads and validates a playbook (and what it imports) completely before any host is touched. Its vaults open
 * with `keyring` (none by default: a vault then fails naming its file), which the playbook keeps for what the
 * run reads later (include_tasks, vars_files) and for redaction.
 */
export async function loadPlaybook(
  file: string,
  keyring: VaultKeyring = new VaultKeyring(),
  options: LoadOptions = {},
): Promise<Playbook> {
  const plays: Play[] = [];
  await loadInto(file, plays, [], keyring, options.checkValues ?? true);
  return { file, plays, keyring };
}
