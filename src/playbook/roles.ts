/** A play's roles: found, loaded with their dependencies, defaults and vars, once per parameters. */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Node } from 'yaml';
import { ConfigError, formatLocation } from '../errors.js';
import { hasTemplate } from '../template/render.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { isMapping, onlyKeywords, type Raw, typeName } from './keyword-values.js';
import { inheritedKeywords, inheritNodes, type LoadContext, mapTasks, parseTaskFile } from './task-tree.js';
import type { Task, TaskNode } from './types.js';
import { childNode, readConfigText, YamlSource } from './yaml-source.js';

export const ROLE_KEYWORDS = ['role', 'name', 'vars', 'when', 'tags', 'become', 'become_user'];

/** A role's YAML file (tasks/main.yml, ...), or undefined when the role has none. */
export function roleFile(
  dir: string,
  sub: string,
  keyring: VaultKeyring,
  base = 'main',
): { file: string; src: YamlSource } | undefined {
  for (const name of [`${base}.yml`, `${base}.yaml`]) {
    const file = join(dir, sub, name);
    let content: string;
    try {
      content = readConfigText(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`cannot read: ${(e as Error).message}`, { file });
    }
    return { file, src: YamlSource.parse(file, content, keyring) };
  }
  return undefined;
}

export function roleMapping(found: { file: string; src: YamlSource } | undefined): Raw {
  if (!found) return {};
  const value = found.src.toJS();
  if (value === null) return {};
  if (!isMapping(value)) throw new ConfigError('must be a mapping of variables', found.src.where(found.src.root));
  return value;
}

/**
 * A play's `roles:` entry: roles/<name>/ beside the playbook (or in ANSIBLE_ROLES_PATH), its tasks/main.yml
 * and handlers/main.yml read and checked at load like the play's own, defaults/ under every variable,
 * vars/ (and the entry's vars) over inventory and play variables, templates/ and files/ looked up in the
 * role first. The entry's when/tags/become apply to each task. Dependencies in meta/main.yml come first;
 * a role with the same parameters runs once per play.
 */
export function loadRole(
  src: YamlSource,
  node: Node | undefined,
  entry: unknown,
  playName: string,
  ctx: LoadContext,
  tasksFrom = 'main',
): { tasks: TaskNode[]; handlers: TaskNode[] } {
  const context = ctx.roles;
  const where = src.where(node);
  const raw: Raw = typeof entry === 'string' ? { role: entry } : isMapping(entry) ? entry : {};
  if (!isMapping(entry) && typeof entry !== 'string')
    throw new ConfigError(`a role is a name or a mapping with 'role', not ${typeName(entry)}`, where);
  onlyKeywords(src, node, raw, ROLE_KEYWORDS, (key) => `'${key}' is not a role keyword (${ROLE_KEYWORDS.join(', ')})`);
  const name = raw.role ?? raw.name;
  if (typeof name !== 'string' || name.trim() === '' || hasTemplate(name))
    throw new ConfigError(`a role needs a fixed name, not ${JSON.stringify(name)}`, where);
  const base = context.base;
  const parent = context.chain[context.chain.length - 1];
  const searched = [
    join(base, 'roles', name),
    // a dependency may sit beside the role that needs it
    ...(parent ? [join(dirname(parent), name)] : []),
    ...(process.env.ANSIBLE_ROLES_PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((p) => join(resolve(p), name)),
    join(base, name),
  ];
  const dir = searched.find((d) => {
    try {
      return statSync(d).isDirectory();
    } catch {
      return false;
    }
  });
  if (!dir) throw new ConfigError(`role '${name}' not found (looked in ${searched.join(', ')})`, where);
  if (context.chain.includes(dir))
    throw new ConfigError(`role dependency cycle: ${[...context.chain, dir].join(' -> ')}`, where);
  // The entry's vars are role parameters: they rank with the role's vars, not with each task's.
  const { vars: parameters, ...inherited } = inheritedKeywords(src, node, raw, ctx.checkValues);
  const key = JSON.stringify([dir, parameters, inherited]);
  if (context.done.has(key)) return { tasks: [], handlers: [] };
  context.done.add(key);
  // meta/main.yml dependencies run first, each once per play
  const loaded = { tasks: [] as TaskNode[], handlers: [] as TaskNode[] };
  const meta = roleFile(dir, 'meta', ctx.keyring);
  const dependencies = meta ? roleMapping(meta).dependencies : undefined;
  if (meta && dependencies !== undefined && dependencies !== null) {
    const depsNode = childNode(meta.src.root, 'dependencies');
    if (!Array.isArray(dependencies))
      throw new ConfigError(
        `'dependencies' must be a list of roles, not ${typeName(dependencies)}`,
        meta.src.where(depsNode),
      );
    for (const [i, dependency] of dependencies.entries()) {
      const sub = loadRole(meta.src, childNode(depsNode, i), dependency, playName, {
        ...ctx,
        roles: { ...context, chain: [...context.chain, dir] },
      });
      loaded.tasks.push(...sub.tasks);
      loaded.handlers.push(...sub.handlers);
    }
  }
  const role = {
    name,
    dir,
    defaults: roleMapping(roleFile(dir, 'defaults', ctx.keyring)),
    vars: { ...roleMapping(roleFile(dir, 'vars', ctx.keyring)), ...parameters },
  };
  const list = (sub: string, isHandler: boolean, fileName = 'main'): TaskNode[] => {
    const found = roleFile(dir, sub, ctx.keyring, fileName);
    if (!found) {
      if (fileName !== 'main')
        throw new ConfigError(`role '${name}' has no ${sub}/${fileName}.yml (tasks_from)`, where);
      return [];
    }
    return mapTasks(
      inheritNodes(parseTaskFile(found.src, playName, isHandler, ctx), { ...inherited, vars: {} }),
      (task) => ({
        ...task,
        // as ansible-playbook shows them: "role : task"; handlers keep their names, which notify uses
        name: isHandler ? task.name : `${name} : ${task.name}`,
        role,
      }),
      (include) => ({ ...include, role }),
    );
  };
  loaded.tasks.push(...list('tasks', false, tasksFrom));
  loaded.handlers.push(...list('handlers', true));
  return loaded;
}

/** A role used twice brings its handlers twice: one notification must still run each handler once. */
export function onceEach(handlers: Task[]): Task[] {
  const seen = new Set<string>();
  return handlers.filter((h) => {
    const key = `${formatLocation(h.where)}\u0000${h.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
