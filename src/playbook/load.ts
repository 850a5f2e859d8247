import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isScalar, type Node } from 'yaml';
import { ansibleBoolean } from '../ansible-boolean.js';
import { ConfigError, formatLocation, type Location } from '../errors.js';
import { ArgError, closestName, validateArgs } from '../modules/args.js';
import { findModule, MODULES } from '../modules/index.js';
import type { Module } from '../modules/types.js';
import { checkExpression, ExpressionError } from '../template/expression.js';
import { checkTemplate, checkTemplateFile, hasTemplate, TemplateError } from '../template/render.js';
import { checkShellScript } from '../template/shell-script.js';
import { parseTimeoutSeconds } from './task-timeout.js';
import {
  type Block,
  flattenTasks,
  type Inherited,
  isBlock,
  isInclude,
  type Play,
  type Playbook,
  type Task,
  type TaskNode,
} from './types.js';
import { childNode, keyNode, readConfigText, YamlSource } from './yaml-source.js';

const TASK_KEYWORDS = [
  'name',
  'when',
  'loop',
  'with_items',
  'loop_control',
  'register',
  'notify',
  'tags',
  'check_mode',
  'changed_when',
  'failed_when',
  'ignore_errors',
  'no_log',
  'vars',
  'listen',
  'become',
  'become_user',
  'timeout',
  'delegate_to',
  'run_once',
];
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

type Raw = Record<string, unknown>;

function isMapping(v: unknown): v is Raw {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/**
 * A true/false keyword (become, gather_facts, no_log, ...): YAML booleans or Ansible's yes/no/on/off words.
 * Anything else is an error at the keyword, never silently false: `become: "yes"` must not run as the login user.
 */
function flag(src: YamlSource, node: Node | undefined, raw: Raw, key: string): boolean | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  const b = ansibleBoolean(v);
  if (b !== undefined) return b;
  throw new ConfigError(
    `'${key}' must be true or false (or yes/no), not ${JSON.stringify(v)}`,
    src.where(childNode(node, key)),
  );
}

function timeout(src: YamlSource, node: Node | undefined, raw: Raw): number | undefined {
  if (raw.timeout === undefined || raw.timeout === null) return undefined;
  const parsed = parseTimeoutSeconds(raw.timeout);
  if ('error' in parsed) throw new ConfigError(`'timeout' ${parsed.error}`, src.where(childNode(node, 'timeout')));
  return parsed.seconds;
}

function text(src: YamlSource, node: Node | undefined, raw: Raw, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  throw new ConfigError(`'${key}' must be a name, not ${JSON.stringify(v)}`, src.where(childNode(node, key)));
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function conditions(v: unknown, field: string, where: Location): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return asList(v).map((c) => {
    const text =
      typeof c === 'boolean' ? String(c) : typeof c === 'string' ? c.replace(/^\s*\{\{|\}\}\s*$/g, '') : null;
    if (text === null)
      throw new ConfigError(`'${field}' must be an expression or a list of them, not ${typeName(c)}`, where);
    try {
      checkExpression(text);
    } catch (e) {
      if (e instanceof ExpressionError) throw new ConfigError(`'${field}': ${e.message} in: ${text}`, where);
      throw e;
    }
    return text;
  });
}

/** Every string of a value is checked (Handlebars syntax, Jinja expressions), reported at its own line and column. */
function checkTemplates(value: unknown, src: YamlSource, node: Node | undefined): void {
  if (typeof value === 'string') {
    try {
      checkTemplate(value);
    } catch (e) {
      if (e instanceof TemplateError) throw new ConfigError(e.message, scriptLocation(src, node, e.line, e.column));
      throw e;
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkTemplates(v, src, childNode(node, i) ?? node);
    });
  } else if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) checkTemplates(v, src, childNode(node, k) ?? node);
  }
}

/**
 * `template:` takes a Handlebars file: one with Jinja in it (`{% %}`, a filter) is refused at load, whatever its
 * name. A `.j2` file whose only substitutions are plain `{{ name }}` renders the same in both and is accepted:
 * Ansible users name templates .j2 out of habit. The file is looked up where the engine will look for it; one
 * not found yet is checked when rendered.
 */
function checkTemplateSource(args: Raw, src: YamlSource, node: Node | undefined): void {
  const file = args.src;
  if (typeof file !== 'string' || hasTemplate(file)) return;
  const where = src.where(childNode(node, 'src') ?? node);
  const base = dirname(src.file);
  for (const candidate of [join(base, 'templates', file), join(base, file), join(base, '..', 'templates', file)]) {
    let text: string;
    try {
      // Bounded like every config file read at load (a template path may name /dev/zero).
      text = readConfigText(candidate);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`template: ${candidate}: ${(e as Error).message}`, where);
    }
    try {
      checkTemplateFile(text);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      throw new ConfigError(`${e.message} (given to template: at ${formatLocation(where)})`, {
        file: candidate,
        line: e.line,
        column: e.column,
      });
    }
    return;
  }
}

/**
 * A `shell` script's values must each land where they can be quoted (see template/shell-script.ts):
 * refused here, before any host is touched, with the script's own line and column.
 */
function checkShellArgs(schema: Module<never>['schema'], args: Raw, src: YamlSource, node: Node | undefined): void {
  for (const [key, value] of Object.entries(args)) {
    if (schema[key]?.render !== 'shell' || typeof value !== 'string') continue;
    const argNode = childNode(node, key) ?? node;
    try {
      checkShellScript(value);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      throw new ConfigError(e.message, scriptLocation(src, argNode, e.line, e.column));
    }
  }
}

/** file:line:column of a script's own line and column, inside a YAML scalar (a block scalar starts on the next line). */
function scriptLocation(src: YamlSource, node: Node | undefined, line?: number, column?: number): Location {
  const where = src.where(node);
  if (!where.line || !line) return where;
  const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
  if (!block) return src.at(where.line + line - 1, line === 1 ? (where.column ?? 1) + (column ?? 1) : (column ?? 1));
  const fileLine = where.line + line;
  const indent = /^\s*/.exec(src.text.split('\n')[fileLine - 1] ?? '')?.[0].length ?? 0;
  return src.at(fileLine, indent + (column ?? 1));
}

function parseTask(src: YamlSource, node: Node | undefined, raw: unknown, playName: string, isHandler: boolean): Task {
  const where = src.where(node);
  if (!isMapping(raw)) throw new ConfigError(`a task must be a mapping, not ${typeName(raw)}`, where);
  for (const k of ['rescue', 'always', 'include_role', 'async']) {
    if (k in raw)
      throw new ConfigError(
        k === 'rescue' || k === 'always'
          ? `'${k}' belongs to a block: put the tasks under 'block:' beside it`
          : `'${k}' is not supported by sshplay (yet); write the tasks inline`,
        src.where(keyNode(node, k)),
      );
  }
  const moduleKeys = Object.keys(raw).filter((k) => !TASK_KEYWORDS.includes(k) && !(k === 'action'));
  if (moduleKeys.length === 0)
    throw new ConfigError(`task has no module (one of: ${[...MODULES.keys()].join(', ')})`, where);
  if (moduleKeys.length > 1) {
    const known = moduleKeys.filter((k) => findModule(k));
    const unknown = moduleKeys.find((k) => !findModule(k)) ?? (moduleKeys[1] as string);
    const near = closestName(unknown, [...TASK_KEYWORDS, ...MODULES.keys()]);
    throw new ConfigError(
      known.length > 1
        ? `task names two modules: ${known.join(', ')}`
        : `unknown task keyword or module '${unknown}'${near ? ` (did you mean '${near}'?)` : ''}`,
      src.where(keyNode(node, unknown)),
    );
  }
  const key = moduleKeys[0] as string;
  const module = findModule(key);
  const keyWhere = src.where(keyNode(node, key));
  if (!module) {
    const near = closestName(key, [...MODULES.keys()]);
    throw new ConfigError(
      `unknown module '${key}'${near ? ` (did you mean '${near}'?)` : ''}; modules: ${[...MODULES.keys()].join(', ')}`,
      keyWhere,
    );
  }
  let args: Raw;
  const rawArgs = raw[key];
  if (typeof rawArgs === 'string' && module.freeForm) args = { [module.freeForm]: rawArgs };
  else if (rawArgs === null && module.freeForm) args = {};
  else if (isMapping(rawArgs)) args = rawArgs;
  else
    throw new ConfigError(
      `arguments of '${key}' must be a mapping, not ${typeName(rawArgs)}`,
      src.where(childNode(node, key)),
    );
  if (!module.anyArgs) {
    try {
      // Literal values are type-checked now, before any host is touched; templated ones after rendering.
      validateArgs(module.name, module.schema, args, hasTemplate);
    } catch (e) {
      if (!(e instanceof ArgError)) throw e;
      const argNode =
        isMapping(rawArgs) && e.field
          ? (keyNode(childNode(node, key), e.field) ?? childNode(node, key))
          : childNode(node, key);
      throw new ConfigError(e.message, src.where(argNode));
    }
  }
  checkTemplates(args, src, childNode(node, key));
  if (module.name === 'template') checkTemplateSource(args, src, childNode(node, key));
  if (!module.anyArgs) checkShellArgs(module.schema, args, src, childNode(node, key));
  const name = typeof raw.name === 'string' ? raw.name : `${module.name}`;
  const checkMode = flag(src, node, raw, 'check_mode');
  const loopControl = isMapping(raw.loop_control) ? raw.loop_control : {};
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  checkTemplates(raw.vars, src, childNode(node, 'vars'));
  return {
    name,
    module,
    args,
    when: conditions(raw.when, 'when', src.where(childNode(node, 'when'))) ?? [],
    loop: raw.loop ?? raw.with_items,
    loopVar: typeof loopControl.loop_var === 'string' ? loopControl.loop_var : 'item',
    indexVar: typeof loopControl.index_var === 'string' ? loopControl.index_var : undefined,
    label: typeof loopControl.label === 'string' ? loopControl.label : undefined,
    register: typeof raw.register === 'string' ? raw.register : undefined,
    notify: asList(raw.notify).map(String),
    tags: asList(raw.tags).map(String),
    checkMode,
    changedWhen: conditions(raw.changed_when, 'changed_when', src.where(childNode(node, 'changed_when'))),
    failedWhen: conditions(raw.failed_when, 'failed_when', src.where(childNode(node, 'failed_when'))),
    ignoreErrors: flag(src, node, raw, 'ignore_errors') ?? false,
    noLog: flag(src, node, raw, 'no_log') ?? false,
    timeout: timeout(src, node, raw),
    become: flag(src, node, raw, 'become'),
    becomeUser: text(src, node, raw, 'become_user'),
    vars: (raw.vars as Raw | undefined) ?? {},
    listen: isHandler ? asList(raw.listen).map(String) : [],
    delegateTo: text(src, node, raw, 'delegate_to'),
    runOnce: flag(src, node, raw, 'run_once') ?? false,
    where,
    playName,
  };
}

function parseTaskList(
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
function parseTaskFile(file: YamlSource, playName: string, isHandler: boolean, ctx: LoadContext): TaskNode[] {
  const list = file.toJS();
  if (list !== null && !Array.isArray(list))
    throw new ConfigError(`a task file must be a list of tasks, found ${typeName(list)}`, file.where(file.root));
  return parseTasks(file, file.root ?? undefined, list ?? [], playName, isHandler, {
    ...ctx,
    files: [...ctx.files, file.file],
  });
}

function parseTasks(
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
            : [parseTask(src, childNode(listNode, i), t, playName, isHandler)],
  );
}

/** Refuses keys outside `allowed` at the key itself. */
function onlyKeywords(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  allowed: string[],
  refusal: (key: string) => string,
): void {
  for (const key of Object.keys(raw))
    if (!allowed.includes(key)) throw new ConfigError(refusal(key), src.where(keyNode(node, key)));
}

function inheritedKeywords(src: YamlSource, node: Node | undefined, raw: Raw): Inherited {
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  checkTemplates(raw.vars, src, childNode(node, 'vars'));
  return {
    when: conditions(raw.when, 'when', src.where(childNode(node, 'when'))) ?? [],
    tags: asList(raw.tags).map(String),
    vars: (raw.vars as Raw | undefined) ?? {},
    become: flag(src, node, raw, 'become'),
    becomeUser: text(src, node, raw, 'become_user'),
  };
}

/** What an outer block or import gives, under what an inner one gives. */
function inheritedUnder(outer: Inherited, inner: Inherited): Inherited {
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
function inherit(task: Task, from: Inherited): Task {
  return {
    ...task,
    when: [...from.when, ...task.when],
    tags: [...from.tags, ...task.tags],
    vars: { ...from.vars, ...task.vars },
    become: task.become ?? from.become,
    becomeUser: task.becomeUser ?? from.becomeUser,
  };
}

const BLOCK_KEYWORDS = ['block', 'rescue', 'always', 'name', 'when', 'tags', 'vars', 'become', 'become_user'];

/**
 * `block:` with optional `rescue:` and `always:`, as Ansible runs them: after a failure in the block its
 * remaining tasks are skipped and rescue runs (the host is then not failed unless rescue fails); always
 * runs in every case. The block's when/tags/vars/become apply to each of its tasks. Each section may
 * hold blocks again, to any depth (engine/play-iterator.ts walks the tree).
 */
function parseBlock(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): Block {
  if (isHandler) throw new ConfigError('a handler cannot be a block', src.where(keyNode(node, 'block')));
  onlyKeywords(
    src,
    node,
    raw,
    BLOCK_KEYWORDS,
    (key) => `'${key}' cannot go with block (it takes: ${BLOCK_KEYWORDS.join(', ')})`,
  );
  const inherited = inheritedKeywords(src, node, raw);
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

const INCLUDE_KEYWORDS = ['include_tasks', 'name', 'when', 'loop', 'with_items', 'loop_control', 'vars', 'tags'];

/**
 * `- include_tasks: tasks/{{ flavor }}.yml` (dynamic, as Ansible's): read when a host reaches it, once per
 * loop item, relative to the file that holds it; its vars and loop item are the included tasks' variables.
 * Its `when` and `tags` decide the include itself. A file name without a template is read now as well,
 * so its mistakes are reported before any host is touched.
 */
function parseInclude(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode {
  const at = src.where(childNode(node, 'include_tasks'));
  if (isHandler) throw new ConfigError('a handler cannot include tasks', at);
  onlyKeywords(
    src,
    node,
    raw,
    INCLUDE_KEYWORDS,
    (key) => `'${key}' cannot go with include_tasks (it takes: ${INCLUDE_KEYWORDS.slice(1).join(', ')})`,
  );
  const spec = isMapping(raw.include_tasks) ? raw.include_tasks.file : raw.include_tasks;
  if (typeof spec !== 'string' || spec.trim() === '')
    throw new ConfigError(`include_tasks takes a file name, not ${JSON.stringify(raw.include_tasks)}`, at);
  const file = spec.trim();
  checkTemplates(file, src, childNode(node, 'include_tasks'));
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  checkTemplates(raw.vars, src, childNode(node, 'vars'));
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
    parseTaskFile(YamlSource.parse(path, content), playName, false, { ...ctx, roleHandlers: [] });
  }
  const loopControl = isMapping(raw.loop_control) ? raw.loop_control : {};
  return {
    kind: 'include_tasks',
    name: typeof raw.name === 'string' ? raw.name : `include_tasks: ${file}`,
    file,
    baseDir: dirname(src.file),
    when: conditions(raw.when, 'when', src.where(childNode(node, 'when'))) ?? [],
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
export function loadIncludedTasks(file: string, options: { playName: string; rolesBase: string }): TaskNode[] {
  let content: string;
  try {
    content = readConfigText(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(`include_tasks: cannot read ${file}: ${why}`, { file });
  }
  const ctx: LoadContext = {
    files: [file],
    roles: { base: options.rolesBase, done: new Set(), chain: [] },
    roleHandlers: [],
  };
  const nodes = parseTaskFile(YamlSource.parse(file, content), options.playName, false, ctx);
  if (ctx.roleHandlers.length > 0)
    throw new ConfigError('a role with handlers cannot be imported from an included file: use roles: or import_tasks', {
      file,
    });
  return nodes;
}

const IMPORT_ROLE_KEYWORDS = ['import_role', 'name', 'when', 'tags', 'vars', 'become', 'become_user'];

/**
 * `- import_role: {name: x, tasks_from: setup}`: the role's tasks in place (its handlers join the play's),
 * loaded as a play's `roles:` entry is, with the task's vars as role parameters. Not deduplicated: an
 * imported role runs where it is imported.
 */
function importRole(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode[] {
  const at = src.where(childNode(node, 'import_role'));
  if (isHandler) throw new ConfigError('a handler cannot import a role', at);
  onlyKeywords(
    src,
    node,
    raw,
    IMPORT_ROLE_KEYWORDS,
    (key) => `'${key}' cannot go with import_role (it takes: ${IMPORT_ROLE_KEYWORDS.slice(1).join(', ')})`,
  );
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

const IMPORT_KEYWORDS = ['import_tasks', 'name', 'when', 'tags', 'vars', 'become', 'become_user'];

/**
 * `- import_tasks: tasks/iscsi.yml`: the file's tasks in place, read when the playbook is loaded (so they
 * are validated before any host is touched, with their own file:line), path relative to the importing
 * file. The import's `when`, `tags`, `vars` and `become` apply to each task, as Ansible's static import does.
 */
function importTasks(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  playName: string,
  isHandler: boolean,
  ctx: LoadContext,
): TaskNode[] {
  onlyKeywords(
    src,
    node,
    raw,
    IMPORT_KEYWORDS,
    (key) => `'${key}' cannot go with import_tasks (it takes: ${IMPORT_KEYWORDS.slice(1).join(', ')})`,
  );
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
  const tasks = parseTaskFile(YamlSource.parse(file, content), playName, isHandler, ctx);
  const inherited = inheritedKeywords(src, node, raw);
  return inheritNodes(tasks, inherited);
}

const ROLE_KEYWORDS = ['role', 'name', 'vars', 'when', 'tags', 'become', 'become_user'];

/** A role's YAML file (tasks/main.yml, ...), or undefined when the role has none. */
function roleFile(dir: string, sub: string, base = 'main'): { file: string; src: YamlSource } | undefined {
  for (const name of [`${base}.yml`, `${base}.yaml`]) {
    const file = join(dir, sub, name);
    let content: string;
    try {
      content = readConfigText(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`cannot read: ${(e as Error).message}`, { file });
    }
    return { file, src: YamlSource.parse(file, content) };
  }
  return undefined;
}

function roleMapping(found: { file: string; src: YamlSource } | undefined): Raw {
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
/** What parsing a play's tasks carries along: the files being read (for cycles), its roles, and the
 * handlers of roles imported among its tasks (they join the play's handlers). */
interface LoadContext {
  files: readonly string[];
  roles: RoleContext;
  roleHandlers: Task[];
}

/** What the roles of one play share while they load: where to look, what ran, the dependency chain. */
interface RoleContext {
  /** The playbook's folder: roles/ beside it. */
  base: string;
  /** Roles already in the play (folder and parameters): each runs once, as in Ansible. */
  done: Set<string>;
  /** Role folders from the play's entry down to this dependency, for cycles. */
  chain: string[];
}

function loadRole(
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
  const { vars: parameters, ...inherited } = inheritedKeywords(src, node, raw);
  const key = JSON.stringify([dir, parameters, inherited]);
  if (context.done.has(key)) return { tasks: [], handlers: [] };
  context.done.add(key);
  // meta/main.yml dependencies run first, each once per play
  const loaded = { tasks: [] as TaskNode[], handlers: [] as TaskNode[] };
  const meta = roleFile(dir, 'meta');
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
    defaults: roleMapping(roleFile(dir, 'defaults')),
    vars: { ...roleMapping(roleFile(dir, 'vars')), ...parameters },
  };
  const list = (sub: string, isHandler: boolean, fileName = 'main'): TaskNode[] => {
    const found = roleFile(dir, sub, fileName);
    if (!found) {
      if (fileName !== 'main')
        throw new ConfigError(`role '${name}' has no ${sub}/${fileName}.yml (tasks_from)`, where);
      return [];
    }
    return mapTasks(
      inheritNodes(parseTaskFile(found.src, playName, isHandler, ctx), { ...inherited, vars: {} }),
      (t) => ({
        ...t,
        // as ansible-playbook shows them: "role : task"; handlers keep their names, which notify uses
        name: isHandler ? t.name : `${name} : ${t.name}`,
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
function onceEach(handlers: Task[]): Task[] {
  const seen = new Set<string>();
  return handlers.filter((h) => {
    const key = `${formatLocation(h.where)}\u0000${h.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function parsePlay(src: YamlSource, node: Node | undefined, raw: Raw, seen: readonly string[]): Play {
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
  checkTemplates(raw.vars, src, childNode(node, 'vars'));
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

async function loadInto(file: string, plays: Play[], seen: string[]): Promise<void> {
  const path = resolve(file);
  if (seen.includes(path)) throw new ConfigError(`import_playbook cycle: ${[...seen, path].join(' -> ')}`, { file });
  const src = await YamlSource.load(file);
  const raw = src.toJS();
  if (!Array.isArray(raw))
    throw new ConfigError(`a playbook must be a list of plays, found ${typeName(raw)}`, src.where(src.root));
  for (const [i, entry] of raw.entries()) {
    const node = childNode(src.root, i);
    if (!isMapping(entry)) throw new ConfigError(`a play must be a mapping, not ${typeName(entry)}`, src.where(node));
    if ('import_playbook' in entry) {
      const target = resolve(dirname(file), String(entry.import_playbook));
      await loadInto(target, plays, [...seen, path]).catch((e) => {
        if (e instanceof ConfigError && !e.where?.line && e.message.includes('cannot read'))
          throw new ConfigError(
            `import_playbook: cannot read ${target}`,
            src.where(childNode(node, 'import_playbook')),
          );
        throw e;
      });
      continue;
    }
    plays.push(parsePlay(src, node, entry, [...seen, path]));
  }
}

/** Reads and validates a playbook (and what it imports) completely before any host is touched. */
export async function loadPlaybook(file: string): Promise<Playbook> {
  const plays: Play[] = [];
  await loadInto(file, plays, []);
  return { file, plays };
}
