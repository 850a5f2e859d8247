/**
 * Jinja expressions in YAML values, beside Handlebars mustaches, told apart by one rule.
 *
 * A `{{ ... }}` (not `{{{`, not a block, comment or partial) is Handlebars when its text is
 *   - a Handlebars path: `name`, `a.b.c`, `this`, `@index`, `../x`, `a.[0]`, or
 *   - a known Handlebars helper's name followed by a blank or nothing: `{{default x 'y'}}`, `{{quote x}}`,
 *     `{{lookup a b}}`, `{{join list ','}}`,
 *   - or starts or ends with `~` (Handlebars' whitespace control),
 * and is not a Jinja literal (`true`, `none`, `42`), unless it holds a `|` outside string literals (Jinja's filter pipe, which no plain Handlebars mustache
 * can hold). Every other mustache is a Jinja expression: a filter, an operator, a call, a subscript
 * `x[0]`, a string or number literal first, `a if c else b`, `x | default('y')`. Both languages read a
 * lone path the same way, so `{{ name }}` stays Handlebars and nothing that worked before changes.
 *
 * Each Jinja mustache is parsed (so errors surface at load, with line and column) and replaced, in the
 * text handed to Handlebars, by a call of the `__j` helper with the expression's number: one template
 * engine renders the value, and a `shell` script quotes a Jinja value exactly as a Handlebars one.
 */
import { checkExpression, ExpressionError } from './expression.js';

export class JinjaValueError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export type MustacheKind = 'handlebars' | 'jinja';

export interface Mustache {
  /** Offset of `{{` and just past `}}`. */
  start: number;
  end: number;
  /** Text between the braces. */
  inner: string;
  kind: MustacheKind;
}

const HANDLEBARS_PATH = /^(?:\.\.\/)*(?:@?[A-Za-z_$][\w$-]*|\.)(?:[./](?:[\w$-]+|\[[^\]]*\]))*$/;

/** Is there a `|` outside string literals? */
function hasPipe(text: string): boolean {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      // a backslash is itself in a value's string literal (see StringMode)
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '|') return true;
  }
  return false;
}

/** The rule above, for the text between `{{` and `}}` of a plain (not block, comment, partial) mustache. */
export function classifyMustache(inner: string, isHelper: (name: string) => boolean): MustacheKind {
  const text = inner.trim();
  if (text === '' || text.startsWith('~') || text.endsWith('~')) return 'handlebars';
  if (hasPipe(text)) return 'jinja';
  const word = /^[A-Za-z_][\w-]*/.exec(text)?.[0];
  if (word && isHelper(word) && (text.length === word.length || /\s/.test(text.charAt(word.length))))
    return 'handlebars';
  // Jinja's literals: Handlebars would look `true` or `42` up as a name
  if (/^(true|false|none|null|True|False|None|[0-9][0-9.]*)$/.test(text)) return 'jinja';
  return HANDLEBARS_PATH.test(text) ? 'handlebars' : 'jinja';
}

/** Offset just past the `}}` closing a mustache whose text starts at `from`, skipping strings and `{...}`. */
function mustacheEnd(text: string, from: number): number | undefined {
  let quote = '';
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      // a backslash is itself in a value's string literal (see StringMode)
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth > 0) depth--;
      else if (text[i + 1] === '}') return i + 2;
    }
  }
  return undefined;
}

/** Every plain mustache of a text, classified; blocks, comments, partials and `{{{raw}}}` are passed over. */
export function scanMustaches(text: string, isHelper: (name: string) => boolean): Mustache[] {
  const found: Mustache[] = [];
  let i = text.indexOf('{{');
  while (i !== -1) {
    let backslashes = 0;
    while (text[i - 1 - backslashes] === '\\') backslashes++;
    let next = i + 2;
    if (backslashes % 2 === 1) {
      // `\{{` is Handlebars' escaped (literal) mustache
    } else if (text.startsWith('{{!--', i)) {
      const close = text.indexOf('--}}', i + 5);
      next = close === -1 ? text.length : close + 4;
    } else if (text.startsWith('{{!', i)) {
      const close = text.indexOf('}}', i + 3);
      next = close === -1 ? text.length : close + 2;
    } else if (text.startsWith('{{{', i)) {
      const close = text.indexOf('}}}', i + 3);
      next = close === -1 ? text.length : close + 3;
    } else if (/^\{\{~?\s*([#/^>&*]|else\b)/.test(text.slice(i, i + 12))) {
      const close = mustacheEnd(text, i + 2);
      next = close ?? text.length;
    } else {
      const end = mustacheEnd(text, i + 2);
      if (end === undefined) break; // unclosed: Handlebars reports it
      const inner = text.slice(i + 2, end - 2);
      found.push({ start: i, end, inner, kind: classifyMustache(inner, isHelper) });
      next = end;
    }
    i = text.indexOf('{{', next);
  }
  return found;
}

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const STATEMENT = /\{%[-+]?\s*([A-Za-z_]+)?[^%]*%?\}?/g;

/** What to write instead of a Jinja statement, by its keyword. */
function statementAdvice(keyword: string | undefined): string {
  switch (keyword) {
    case 'for':
    case 'endfor':
      return "{% for %} (a Jinja loop) is not supported in a value: put loop: on the task and use {{ item }} (a template file loops with Handlebars' {{#each list}}...{{/each}})";
    case 'if':
    case 'elif':
    case 'else':
    case 'endif':
      return "{% if %} is not supported in a value: use when: on the task, or an inline expression {{ 'a' if cond else 'b' }} (a template file branches with Handlebars' {{#if x}}...{{/if}})";
    case 'set':
      return '{% set %} is not supported in a value: define the variable under vars: or with set_fact';
    default:
      return `Jinja statements ({% ${keyword ?? '...'} %}) are not supported in a value; values take {{ expressions }} only`;
  }
}

/** Refuses a Jinja statement (`{% for %}`, `{% if %}`, ...) in a value, naming it and what to write instead. */
export function refuseStatements(text: string): void {
  if (!text.includes('{%')) return;
  STATEMENT.lastIndex = 0;
  const m = STATEMENT.exec(text);
  if (!m) return;
  const { line, column } = positionOf(text, m.index);
  throw new JinjaValueError(statementAdvice(m[1]), line, column);
}

const expressions: string[] = [];
const ids = new Map<string, number>();

/** The source of a registered expression (the `__j` helper's argument). */
export function registeredExpression(id: number): string {
  const source = expressions[id];
  if (source === undefined) throw new Error(`no Jinja expression #${id}`);
  return source;
}

function register(source: string): number {
  let id = ids.get(source);
  if (id === undefined) {
    id = expressions.length;
    expressions.push(source);
    ids.set(source, id);
  }
  return id;
}

/** The helper a Jinja mustache becomes in the text given to Handlebars. */
export const JINJA_HELPER = '__j';

/** Parses a Jinja mustache's expression, with the mustache's position in `text` on an error. */
function checked(text: string, m: Mustache, isHelper: (name: string) => boolean): string {
  const source = m.inner.trim();
  try {
    checkExpression(source, 'value');
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    const { line, column } = positionOf(text, m.start);
    const word = /^([A-Za-z_][\w-]*)\s+\S/.exec(source)?.[1];
    // `{{ helpr x }}`: neither a known Handlebars helper nor a Jinja expression
    const hint = word && !isHelper(word) ? `; '${word}' is not a Handlebars helper either` : '';
    throw new JinjaValueError(`in {{ ${source} }}: ${e.message}${hint}`, line, column);
  }
  return source;
}

/**
 * The text Handlebars renders: each Jinja mustache replaced by `{{__j N}}`, padded with blanks (newlines
 * kept) so that what follows keeps its line and, mostly, its column in Handlebars' own messages.
 */
export function rewriteJinja(text: string, isHelper: (name: string) => boolean): string {
  refuseStatements(text);
  if (!text.includes('{{')) return text;
  const mustaches = scanMustaches(text, isHelper).filter((m) => m.kind === 'jinja');
  if (mustaches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of mustaches) {
    const id = register(checked(text, m, isHelper));
    const head = `${JINJA_HELPER} ${id} `;
    const blank = m.inner.replace(/[^\n]/g, ' ');
    const fits = blank.length >= head.length && !blank.slice(0, head.length).includes('\n');
    out += `${text.slice(at, m.start)}{{${head}${fits ? blank.slice(head.length) : blank}}}`;
    at = m.end;
  }
  return out + text.slice(at);
}

/** The expression of a value that is exactly one Jinja mustache (its result keeps its type), else undefined. */
export function singleJinjaExpression(text: string, isHelper: (name: string) => boolean): string | undefined {
  if (!text.startsWith('{{') || !text.endsWith('}}')) return undefined;
  const [only, ...others] = scanMustaches(text, isHelper);
  if (!only || others.length > 0 || only.start !== 0 || only.end !== text.length || only.kind !== 'jinja')
    return undefined;
  refuseStatements(text);
  return checked(text, only, isHelper);
}
