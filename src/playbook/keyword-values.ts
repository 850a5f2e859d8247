/** Keyword values of plays and tasks, checked where they are written: each error names its file:line:column. */
import { dirname, join } from 'node:path';
import { isScalar, type Node } from 'yaml';
import { ansibleBoolean } from '../ansible-boolean.js';
import { ConfigError, formatLocation, type Location } from '../errors.js';
import type { Module } from '../modules/types.js';
import { checkExpression, ExpressionError } from '../template/expression.js';
import { checkTemplate, checkTemplateFile, hasTemplate, TemplateError } from '../template/render.js';
import { checkShellScript } from '../template/shell-script.js';
import { parseTimeoutSeconds } from './task-timeout.js';

import { childNode, keyNode, readConfigText, type YamlSource } from './yaml-source.js';

export type Raw = Record<string, unknown>;

export function isMapping(v: unknown): v is Raw {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/**
 * A true/false keyword (become, gather_facts, no_log, ...): YAML booleans or Ansible's yes/no/on/off words.
 * Anything else is an error at the keyword, never silently false: `become: "yes"` must not run as the login user.
 */
export function flag(src: YamlSource, node: Node | undefined, raw: Raw, key: string): boolean | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  const b = ansibleBoolean(v);
  if (b !== undefined) return b;
  throw new ConfigError(
    `'${key}' must be true or false (or yes/no), not ${JSON.stringify(v)}`,
    src.where(childNode(node, key)),
  );
}

export function timeout(src: YamlSource, node: Node | undefined, raw: Raw): number | undefined {
  if (raw.timeout === undefined || raw.timeout === null) return undefined;
  const parsed = parseTimeoutSeconds(raw.timeout);
  if ('error' in parsed) throw new ConfigError(`'timeout' ${parsed.error}`, src.where(childNode(node, 'timeout')));
  return parsed.seconds;
}

export function text(src: YamlSource, node: Node | undefined, raw: Raw, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  throw new ConfigError(`'${key}' must be a name, not ${JSON.stringify(v)}`, src.where(childNode(node, key)));
}

export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A when/changed_when/failed_when value as expressions; their syntax is checked unless `check` is false. */
export function conditions(v: unknown, field: string, where: Location, check = true): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return asList(v).map((c) => {
    const text =
      typeof c === 'boolean' ? String(c) : typeof c === 'string' ? c.replace(/^\s*\{\{|\}\}\s*$/g, '') : null;
    if (text === null)
      throw new ConfigError(`'${field}' must be an expression or a list of them, not ${typeName(c)}`, where);
    try {
      if (check) checkExpression(text);
    } catch (e) {
      if (e instanceof ExpressionError) throw new ConfigError(`'${field}': ${e.message} in: ${text}`, where);
      throw e;
    }
    return text;
  });
}

/** Every string of a value is checked (Handlebars syntax, Jinja expressions), reported at its own line and column. */
export function checkTemplates(value: unknown, src: YamlSource, node: Node | undefined): void {
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
export function checkTemplateSource(args: Raw, src: YamlSource, node: Node | undefined): void {
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
export function checkShellArgs(
  schema: Module<never>['schema'],
  args: Raw,
  src: YamlSource,
  node: Node | undefined,
): void {
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
export function scriptLocation(src: YamlSource, node: Node | undefined, line?: number, column?: number): Location {
  const where = src.where(node);
  if (!where.line || !line) return where;
  const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
  if (!block) return src.at(where.line + line - 1, line === 1 ? (where.column ?? 1) + (column ?? 1) : (column ?? 1));
  const fileLine = where.line + line;
  const indent = /^\s*/.exec(src.text.split('\n')[fileLine - 1] ?? '')?.[0].length ?? 0;
  return src.at(fileLine, indent + (column ?? 1));
}

/** Refuses keys outside `allowed` at the key itself. */
export function onlyKeywords(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  allowed: string[],
  refusal: (key: string) => string,
): void {
  for (const key of Object.keys(raw))
    if (!allowed.includes(key)) throw new ConfigError(refusal(key), src.where(keyNode(node, key)));
}

/** onlyKeywords for a directive (`block`, `import_tasks`, ...): the refusal lists what the directive takes. */
export function onlyKeywordsOf(
  src: YamlSource,
  node: Node | undefined,
  raw: Raw,
  directive: string,
  allowed: string[],
): void {
  const takes = allowed.filter((key) => key !== directive).join(', ');
  onlyKeywords(src, node, raw, allowed, (key) => `'${key}' cannot go with ${directive} (it takes: ${takes})`);
}
