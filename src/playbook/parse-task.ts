/** One task mapping: its module, arguments and keywords, checked at load. */
import type { Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { ArgError, closestName, validateArgs } from '../modules/args.js';
import { findModule, MODULES } from '../modules/index.js';
import { hasTemplate } from '../template/render.js';
import {
  asList,
  checkShellArgs,
  checkTemplateSource,
  checkTemplates,
  conditions,
  flag,
  isMapping,
  type Raw,
  text,
  timeout,
  typeName,
} from './keyword-values.js';
import type { Task } from './types.js';
import { childNode, keyNode, type YamlSource } from './yaml-source.js';

export const TASK_KEYWORDS = [
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
export function parseTask(
  src: YamlSource,
  node: Node | undefined,
  raw: unknown,
  playName: string,
  isHandler: boolean,
  /** Templates, conditions and shell scripts checked too (see LoadContext.checkValues). */
  checkValues = true,
): Task {
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
  if (checkValues) {
    checkTemplates(args, src, childNode(node, key));
    if (module.name === 'template') checkTemplateSource(args, src, childNode(node, key));
    if (!module.anyArgs) checkShellArgs(module.schema, args, src, childNode(node, key));
  }
  const name = typeof raw.name === 'string' ? raw.name : `${module.name}`;
  const checkMode = flag(src, node, raw, 'check_mode');
  const loopControl = isMapping(raw.loop_control) ? raw.loop_control : {};
  if (raw.vars !== undefined && !isMapping(raw.vars))
    throw new ConfigError(`'vars' must be a mapping, not ${typeName(raw.vars)}`, src.where(childNode(node, 'vars')));
  if (checkValues) checkTemplates(raw.vars, src, childNode(node, 'vars'));
  return {
    name,
    module,
    args,
    when: conditions(raw.when, 'when', src.where(childNode(node, 'when')), checkValues) ?? [],
    loop: raw.loop ?? raw.with_items,
    loopVar: typeof loopControl.loop_var === 'string' ? loopControl.loop_var : 'item',
    indexVar: typeof loopControl.index_var === 'string' ? loopControl.index_var : undefined,
    label: typeof loopControl.label === 'string' ? loopControl.label : undefined,
    register: typeof raw.register === 'string' ? raw.register : undefined,
    notify: asList(raw.notify).map(String),
    tags: asList(raw.tags).map(String),
    checkMode,
    changedWhen: conditions(raw.changed_when, 'changed_when', src.where(childNode(node, 'changed_when')), checkValues),
    failedWhen: conditions(raw.failed_when, 'failed_when', src.where(childNode(node, 'failed_when')), checkValues),
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
