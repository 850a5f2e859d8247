/** `include_tasks`: parsed at load, its file read again when a host reaches it. */
import { dirname, resolve } from 'node:path';
import type { Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { hasTemplate } from '../template/render.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { asList, checkTemplates, conditions, isMapping, onlyKeywordsOf, type Raw, typeName } from './keyword-values.js';
import { type LoadContext, parseTaskFile } from './task-tree.js';
import type { TaskNode } from './types.js';
import { childNode, readConfigText, YamlSource } from './yaml-source.js';

export const INCLUDE_KEYWORDS = ['include_tasks', 'name', 'when', 'loop', 'with_items', 'loop_control', 'vars', 'tags'];

/**
 * `- include_tasks: tasks/{{ flavor }}.yml` (dynamic, as Ansible's): read when a host reaches it, once per
 * loop item, relative to the file that holds it; its vars and loop item are the included tasks' variables.
 * Its `when` and `tags` decide the include itself. A file name without a template is read now as well,
 * so its mistakes are reported before any host is touched.
 */
export function parseInclude(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode {
  const at = src.where(childNode(node, 'include_tasks'));
  if (isHandler) throw new ConfigError('a handler cannot include tasks', at);
  onlyKeywordsOf(src, node, raw, 'include_tasks', INCLUDE_KEYWORDS);
  const spec = isMapping(raw.include_tasks) ? raw.include_tasks.file : raw.include_tasks;
  if (typeof spec !== 'string' || spec.trim() === '')
    throw new ConfigError(`include_tasks takes a file name, not ${JSON.stringify(raw.include_tasks)}`, at);
  const file = spec.trim();
  if (ctx.checkValues) checkTemplates(file, src, childNode(node, 'include_tasks'));
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  if (ctx.checkValues) checkTemplates(raw.vars, src, childNode(node, 'vars'));
  if (!hasTemplate(file)) {
    const path = resolve(dirname(src.file), file);
    if (ctx.files.includes(path))
      throw new ConfigError(`include_tasks cycle: ${[...ctx.files, path].join(' -> ')}`, at);
    let content: string;
    try {
      content = readConfigText(path);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new ConfigError(`include_tasks: cannot read ${path}: ${why}`, at);
    }
    parseTaskFile(YamlSource.parse(path, content, ctx.keyring), playName, false, { ...ctx, roleHandlers: [] });
  }
  const loopControl = isMapping(raw.loop_control) ? raw.loop_control : {};
  return {
    kind: 'include_tasks',
    name: typeof raw.name === 'string' ? raw.name : `include_tasks: ${file}`,
    file,
    baseDir: dirname(src.file),
    when: conditions(raw.when, 'when', src.where(childNode(node, 'when')), ctx.checkValues) ?? [],
    tags: asList(raw.tags).map(String),
    loop: raw.loop ?? raw.with_items,
    loopVar: typeof loopControl.loop_var === 'string' ? loopControl.loop_var : 'item',
    indexVar: typeof loopControl.index_var === 'string' ? loopControl.index_var : undefined,
    vars: (raw.vars as Raw | undefined) ?? {},
    inherited: { when: [], tags: [], vars: {} },
    depth: 0,
    where: src.where(node),
    playName,
  };
}

/**
 * The tasks of a file include_tasks reads while the play runs, checked as the playbook's were. Roles it
 * imports run, but their handlers are not the play's (the play's handlers were fixed at load): refused.
 */
export function loadIncludedTasks(
  file: string,
  options: { playName: string; rolesBase: string; keyring: VaultKeyring },
): TaskNode[] {
  let content: string;
  try {
    content = readConfigText(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(`include_tasks: cannot read ${file}: ${why}`, { file });
  }
  const ctx: LoadContext = {
    files: [file],
    keyring: options.keyring,
    // About to run: checked as a run's playbook is.
    checkValues: true,
    roles: { base: options.rolesBase, done: new Set(), chain: [] },
    roleHandlers: [],
  };
  const nodes = parseTaskFile(YamlSource.parse(file, content, options.keyring), options.playName, false, ctx);
  if (ctx.roleHandlers.length > 0)
    throw new ConfigError('a role with handlers cannot be imported from an included file: use roles: or import_tasks', {
      file,
    });
  return nodes;
}
