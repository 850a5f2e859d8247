/**
 * The `shell` module's script: every `{{ value }}` is quoted for the shell context it lands in, worked
 * out from Handlebars' syntax tree and a POSIX sh lexer run over the script's literal text:
 *
 * - unquoted code (also inside `$( )`):  one single-quoted word, `'it'\''s'`
 * - inside `"..."`:                       `\` `$` `` ` `` `"` backslash-escaped
 * - inside `'...'`:                       `'` written as `'\''`
 * - an unquoted here-document body:       `\` `$` `` ` `` backslash-escaped; a quoted one (`<<'EOF'`) raw;
 *                                         either way a value that could form the delimiter line is refused
 * - a `#` comment:                        newlines turned into spaces (nothing in a comment runs)
 *
 * A substitution where no quoting is safe (inside backticks, `${...}`, `$((...))`, right after `\` or `$`,
 * in a here-document's delimiter word), or a block whose body would leave the script in another quoting
 * state than it found it, is refused: at load with the script's line and column, never at run time.
 * `{{{ raw }}}` inserts raw text, on purpose only.
 */

import type Handlebars from 'handlebars';
import { JINJA_HELPER } from './jinja-values.js';
import {
  compileProgram,
  JINJA_VALUE_HELPER,
  parseTemplate,
  registerTemplateHelper,
  TemplateError,
  valueTemplate,
} from './render.js';
import { ShellLexer } from './shell-lexer.js';
import { quoteFor, type ShellContext } from './shell-quoting.js';

type AST = typeof Handlebars.AST;
type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
type Mustache = hbs.AST.MustacheStatement;
type Block = hbs.AST.BlockStatement;
type Expression = hbs.AST.Expression;

const QUOTE_HELPER = '__shell_quote';
registerTemplateHelper(QUOTE_HELPER, (value: unknown, ctxJson: unknown) =>
  quoteFor(value, JSON.parse(String(ctxJson)) as ShellContext),
);

function refuse(why: string, node: Node): never {
  const { line, column } = node.loc.start;
  throw new TemplateError(`shell script: ${why}`, line, column + 1);
}

/** The mustache's value as an expression: a lone path or literal, or a helper call as a subexpression. */
function valueExpression(m: Mustache): Expression {
  const path = m.path as hbs.AST.PathExpression;
  if (path.type === 'PathExpression' && path.original === JINJA_HELPER) {
    // A Jinja value: its own value (a list stays a list of words), quoted as any other.
    const raw = { ...path, parts: [JINJA_VALUE_HELPER], original: JINJA_VALUE_HELPER };
    return { type: 'SubExpression', path: raw, params: m.params, hash: m.hash, loc: m.loc } as hbs.AST.SubExpression;
  }
  if (m.params.length === 0 && !m.hash) return m.path as Expression;
  return {
    type: 'SubExpression',
    path: m.path,
    params: m.params,
    hash: m.hash,
    loc: m.loc,
  } as hbs.AST.SubExpression;
}

function quotedMustache(m: Mustache, ctx: ShellContext): Mustache {
  const literal = JSON.stringify(ctx);
  return {
    ...m,
    path: { type: 'PathExpression', data: false, depth: 0, parts: [QUOTE_HELPER], original: QUOTE_HELPER, loc: m.loc },
    params: [valueExpression(m), { type: 'StringLiteral', value: literal, original: literal, loc: m.loc }],
    hash: undefined as unknown as hbs.AST.Hash,
    escaped: true,
  } as Mustache;
}

/**
 * Walks a program, feeding its literal text to the lexer and replacing each value with its quoted form.
 * Heredoc contexts learn the text after them only as the walk goes on, so the helper's argument is
 * serialised once the whole script has been read (`finish`).
 */
function rewrite(program: Program, lexer: ShellLexer, finish: (() => void)[]): void {
  program.body = program.body.map((statement) => {
    switch (statement.type) {
      case 'ContentStatement':
        lexer.feed((statement as hbs.AST.ContentStatement).value);
        if (lexer.error) refuse(lexer.error, statement);
        return statement;
      case 'MustacheStatement': {
        const m = statement as Mustache;
        if (!m.escaped) {
          // {{{ raw }}}: raw text on purpose; the lexer cannot know what it holds.
          lexer.valueInserted();
          return m;
        }
        const ctx = lexer.context();
        if (typeof ctx === 'string') refuse(ctx, m);
        lexer.valueInserted(ctx);
        const out = quotedMustache(m, ctx);
        finish.push(() => {
          const literal = JSON.stringify(ctx);
          out.params[1] = { type: 'StringLiteral', value: literal, original: literal, loc: m.loc } as Expression;
        });
        return out;
      }
      case 'BlockStatement': {
        const b = statement as Block;
        lexer.lineTouched();
        const before = lexer.snapshot();
        const wordStart = lexer.wordStart;
        const ends = new Set<boolean | 'unknown'>([wordStart]);
        for (const body of [b.program, b.inverse]) {
          if (!body) continue;
          lexer.wordStart = wordStart;
          rewrite(body, lexer, finish);
          ends.add(lexer.wordStart);
          if (lexer.snapshot() !== before)
            refuse(
              `the body of {{#${(b.path as hbs.AST.PathExpression).original}}} leaves the script in another quoting state than it found it (an unclosed quote, comment or here-document); close it inside the block`,
              b,
            );
          lexer.lineTouched();
        }
        lexer.wordStart = ends.size === 1 ? wordStart : 'unknown';
        return b;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        refuse('partials and decorators are not supported in a shell script', statement);
        break;
      default:
        // comments render nothing
        return statement;
    }
    return statement;
  });
}

/** The script's syntax tree with every value quoted for its context; throws TemplateError where none is safe. */
export function quoteShellScript(source: string): Program {
  const ast = parseTemplate(valueTemplate(source));
  const lexer = new ShellLexer();
  const finish: (() => void)[] = [];
  rewrite(ast, lexer, finish);
  for (const f of finish) f();
  return ast;
}

/** Checks a shell script at load: syntax, and that every value lands where it can be quoted. */
export function checkShellScript(source: string): void {
  if (source.includes('{{') || source.includes('{%')) quoteShellScript(source);
}

/** Renders a `shell` script with every value quoted for where it lands. */
export function renderShellScript(source: string, vars: Record<string, unknown>): string {
  if (!source.includes('{{')) return source;
  return compileProgram(`shell\0${source}`, () => quoteShellScript(source), vars);
}

export type { AST };
