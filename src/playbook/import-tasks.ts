/** `import_tasks` and `import_role`: static imports, read at load, in place. */
import { dirname, resolve } from 'node:path';
import type { Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { hasTemplate } from '../template/render.js';
import { isMapping, onlyKeywordsOf, type Raw } from './keyword-values.js';
import { loadRole } from './roles.js';
import { inheritedKeywords, inheritNodes, type LoadContext, parseTaskFile } from './task-tree.js';
import { flattenTasks, type TaskNode } from './types.js';
import { childNode, keyNode, readConfigText, YamlSource } from './yaml-source.js';

export const IMPORT_ROLE_KEYWORDS = ['import_role', 'name', 'when', 'tags', 'vars', 'become', 'become_user'];

/**
 * `- import_role: {name: x, tasks_from: setup}`: the role's tasks in place (its handlers join the play's),
 * loaded as a play's `roles:` entry is, with the task's vars as role parameters. Not deduplicated: an
 * imported role runs where it is imported.
 */
export function importRole(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode[] {
  const at = src.where(childNode(node, 'import_role'));
  if (isHandler) throw new ConfigError('a handler cannot import a role', at);
  onlyKeywordsOf(src, node, raw, 'import_role', IMPORT_ROLE_KEYWORDS);
  const spec = raw.import_role;
  if (!isMapping(spec) || typeof spec.name !== 'string')
    throw new ConfigError(
      `import_role takes a mapping with 'name' (and 'tasks_from'), not ${JSON.stringify(spec)}`,
      at,
    );
  const specNode = childNode(node, 'import_role');
  for (const key of Object.keys(spec))
    if (key !== 'name' && key !== 'tasks_from')
      throw new ConfigError(
        `import_role takes 'name' and 'tasks_from', not '${key}'`,
        src.where(keyNode(specNode, key)),
      );
  const tasksFrom = spec.tasks_from === undefined ? 'main' : String(spec.tasks_from).replace(/\.ya?ml$/, '');
  const { import_role: _, name: _label, ...keywords } = raw;
  const entry = { ...keywords, role: spec.name };
  const loaded = loadRole(src, node, entry, playName, { ...ctx, roles: { ...ctx.roles, done: new Set() } }, tasksFrom);
  ctx.roleHandlers.push(...flattenTasks(loaded.handlers));
  return loaded.tasks;
}

export const IMPORT_KEYWORDS = ['import_tasks', 'name', 'when', 'tags', 'vars', 'become', 'become_user'];

/**
 * `- import_tasks: tasks/iscsi.yml`: the file's tasks in place, read when the playbook is loaded (so they
 * are validated before any host is touched, with their own file:line), path relative to the importing
 * file. The import's `when`, `tags`, `vars` and `become` apply to each task, as Ansible's static import does.
 */
export function importTasks(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode[] {
  onlyKeywordsOf(src, node, raw, 'import_tasks', IMPORT_KEYWORDS);
  const at = src.where(childNode(node, 'import_tasks'));
  if (typeof raw.import_tasks !== 'string' || raw.import_tasks.trim() === '' || hasTemplate(raw.import_tasks))
    throw new ConfigError(`import_tasks takes a fixed file name, not ${JSON.stringify(raw.import_tasks)}`, at);
  const file = resolve(dirname(src.file), raw.import_tasks.trim());
  if (ctx.files.includes(file)) throw new ConfigError(`import_tasks cycle: ${[...ctx.files, file].join(' -> ')}`, at);
  let content: string;
  try {
    content = readConfigText(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(`import_tasks: cannot read ${file}: ${why}`, at);
  }
  const tasks = parseTaskFile(YamlSource.parse(file, content, ctx.keyring), playName, isHandler, ctx);
  const inherited = inheritedKeywords(src, node, raw, ctx.checkValues);
  return inheritNodes(tasks, inherited);
}
