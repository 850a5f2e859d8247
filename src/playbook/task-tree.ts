/** A list of tasks as a tree: tasks, blocks (to any depth), imports and includes, with what each passes down. */
import type { Node } from 'yaml';
import { ConfigError } from '../errors.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { importRole, importTasks } from './import-tasks.js';
import { parseInclude } from './include-tasks.js';
import {
  asList,
  checkTemplates,
  conditions,
  flag,
  isMapping,
  onlyKeywordsOf,
  type Raw,
  text,
  typeName,
} from './keyword-values.js';
import { parseTask } from './parse-task.js';
import { type Block, type Inherited, isBlock, isInclude, type Task, type TaskNode } from './types.js';
import { childNode, keyNode, type YamlSource } from './yaml-source.js';

export function parseTaskList(
  src: YamlSource,
  playNode: Node | undefined,
  raw: Raw,
  field: string,
  playName: string,
  ctx: LoadContext,
): TaskNode[] {
  const list = raw[field];
  if (list === undefined || list === null) return [];
  const listNode = childNode(playNode, field);
  if (!Array.isArray(list))
    throw new ConfigError(`'${field}' must be a list of tasks, not ${typeName(list)}`, src.where(listNode));
  return parseTasks(src, listNode, list, playName, field === 'handlers', ctx);
}

/** A file that holds a list of tasks (import_tasks, a role's tasks/ and handlers/), read within ctx. */
export function parseTaskFile(file: YamlSource, playName: string, isHandler: boolean, ctx: LoadContext): TaskNode[] {
  const list = file.toJS();
  if (list !== null && !Array.isArray(list))
    throw new ConfigError(`a task file must be a list of tasks, found ${typeName(list)}`, file.where(file.root));
  return parseTasks(file, file.root ?? undefined, list ?? [], playName, isHandler, {
    ...ctx,
    files: [...ctx.files, file.file],
  });
}

export function parseTasks(
  src: YamlSource,
  listNode: Node | undefined,
  list: unknown[],
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode[] {
  return list.flatMap((t, i): TaskNode[] =>
    isMapping(t) && 'import_tasks' in t
      ? importTasks(src, childNode(listNode, i), t, playName, isHandler, ctx)
      : isMapping(t) && 'import_role' in t
        ? importRole(src, childNode(listNode, i), t, playName, isHandler, ctx)
        : isMapping(t) && 'block' in t
          ? [parseBlock(src, childNode(listNode, i), t, playName, isHandler, ctx)]
          : isMapping(t) && 'include_tasks' in t
            ? [parseInclude(src, childNode(listNode, i), t, playName, isHandler, ctx)]
            : [parseTask(src, childNode(listNode, i), t, playName, isHandler, ctx.checkValues)],
  );
}

export function inheritedKeywords(src: YamlSource, node: Node | undefined, raw: Raw, checkValues: boolean): Inherited {
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  if (checkValues) checkTemplates(raw.vars, src, childNode(node, 'vars'));
  return {
    when: conditions(raw.when, 'when', src.where(childNode(node, 'when')), checkValues) ?? [],
    tags: asList(raw.tags).map(String),
    vars: (raw.vars as Raw | undefined) ?? {},
    become: flag(src, node, raw, 'become'),
    becomeUser: text(src, node, raw, 'become_user'),
  };
}

/** What an outer block or import gives, under what an inner one gives. */
export function inheritedUnder(outer: Inherited, inner: Inherited): Inherited {
  return {
    when: [...outer.when, ...inner.when],
    tags: [...outer.tags, ...inner.tags],
    vars: { ...outer.vars, ...inner.vars },
    become: inner.become ?? outer.become,
    becomeUser: inner.becomeUser ?? outer.becomeUser,
  };
}

/** Every task of a tree under what it was imported with (blocks walked, includes given it for their tasks). */
export function inheritNodes(nodes: readonly TaskNode[], from: Inherited): TaskNode[] {
  return mapTasks(
    nodes,
    (task) => inherit(task, from),
    (include) => ({
      ...include,
      when: [...from.when, ...include.when],
      tags: [...from.tags, ...include.tags],
      inherited: inheritedUnder(from, include.inherited),
    }),
  );
}

/** The same tree with each task (and include) replaced. */
export function mapTasks(
  nodes: readonly TaskNode[],
  onTask: (task: Task) => Task,
  onInclude: (include: Extract<TaskNode, { kind: 'include_tasks' }>) => TaskNode = (include) => include,
): TaskNode[] {
  return nodes.map((node) =>
    isBlock(node)
      ? {
          ...node,
          block: mapTasks(node.block, onTask, onInclude),
          rescue: mapTasks(node.rescue, onTask, onInclude),
          always: mapTasks(node.always, onTask, onInclude),
        }
      : isInclude(node)
        ? onInclude(node)
        : onTask(node),
  );
}

/** The task under what it was imported with: conditions and tags added, its own vars and become first. */
export function inherit(task: Task, from: Inherited): Task {
  return {
    ...task,
    when: [...from.when, ...task.when],
    tags: [...from.tags, ...task.tags],
    vars: { ...from.vars, ...task.vars },
    become: task.become ?? from.become,
    becomeUser: task.becomeUser ?? from.becomeUser,
  };
}

export const BLOCK_KEYWORDS = ['block', 'rescue', 'always', 'name', 'when', 'tags', 'vars', 'become', 'become_user'];

/**
 * `block:` with optional `rescue:` and `always:`, as Ansible runs them: after a failure in the block its
 * remaining tasks are skipped and rescue runs (the host is then not failed unless rescue fails); always
 * runs in every case. The block's when/tags/vars/become apply to each of its tasks. Each section may
 * hold blocks again, to any depth (engine/play-iterator.ts walks the tree).
 */
export function parseBlock(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): Block {
  if (isHandler) throw new ConfigError('a handler cannot be a block', src.where(keyNode(node, 'block')));
  onlyKeywordsOf(src, node, raw, 'block', BLOCK_KEYWORDS);
  const inherited = inheritedKeywords(src, node, raw, ctx.checkValues);
  const section = (name: 'block' | 'rescue' | 'always'): TaskNode[] => {
    const list = raw[name];
    if (list === undefined || list === null) return [];
    const listNode = childNode(node, name);
    if (!Array.isArray(list))
      throw new ConfigError(`'${name}' must be a list of tasks, not ${typeName(list)}`, src.where(listNode));
    return inheritNodes(parseTasks(src, listNode, list, playName, false, ctx), inherited);
  };
  return {
    kind: 'block',
    block: section('block'),
    rescue: section('rescue'),
    always: section('always'),
    where: src.where(node),
  };
}

/** What parsing a play's tasks carries along: the files being read (for cycles), its roles, and the
 * handlers of roles imported among its tasks (they join the play's handlers). */
export interface LoadContext {
  files: readonly string[];
  /** The run's vault keyring: what every file this play reads opens its vaults with. */
  keyring: VaultKeyring;
  /**
   * Whether the templates, conditions and shell scripts in values are checked now (LoadOptions). Off, only
   * what --list-* shows is checked: plays, tasks, keywords, modules and literal arguments.
   */
  checkValues: boolean;
  roles: RoleContext;
  roleHandlers: Task[];
}

/** What the roles of one play share while they load: where to look, what ran, the dependency chain. */
export interface RoleContext {
  /** The playbook's folder: roles/ beside it. */
  base: string;
  /** Roles already in the play (folder and parameters): each runs once, as in Ansible. */
  done: Set<string>;
  /** Role folders from the play's entry down to this dependency, for cycles. */
  chain: string[];
}
