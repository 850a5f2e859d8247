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
  shellWord,
  TemplateError,
  valueTemplate,
} from './render.js';

type AST = typeof Handlebars.AST;
type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
type Mustache = hbs.AST.MustacheStatement;
type Block = hbs.AST.BlockStatement;
type Expression = hbs.AST.Expression;

/** Where a substitution lands, as the `__shell_quote` helper needs to know it. */
export type ShellContext =
  | { kind: 'word' }
  | { kind: 'double' }
  | { kind: 'single' }
  | { kind: 'comment' }
  | {
      kind: 'heredoc';
      delimiter: string;
      quoted: boolean;
      stripTabs: boolean;
      /** Literal text from the line's start to the substitution; `complete` false when a value is on it too. */
      before: string;
      beforeComplete: boolean;
      after: string;
      afterComplete: boolean;
    };

type Frame =
  | { kind: 'code'; subst: boolean; parens: number }
  | { kind: 'double' }
  | { kind: 'single' }
  | { kind: 'comment' }
  | { kind: 'backtick' }
  | { kind: 'param'; braces: number }
  | { kind: 'arith'; parens: number }
  | { kind: 'heredoc'; delimiter: string; quoted: boolean; stripTabs: boolean };

interface PendingHeredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/** A here-document redirection being read: `<<`, `-`, blanks, then the delimiter word. */
interface HeredocWord {
  stripTabs: boolean;
  word: string;
  quoted: boolean;
  quote: '' | "'" | '"';
  started: boolean;
  escaped: boolean;
}

const WORD_END = /[\s;|&<>()]/;

/** The shell's lexical state, fed the script's literal text piece by piece. */
class ShellLexer {
  stack: Frame[] = [{ kind: 'code', subst: false, parens: 0 }];
  escaped = false;
  afterDollar = false;
  /** At the start of a word ('#' starts a comment); 'unknown' after a block that may or may not end one. */
  wordStart: boolean | 'unknown' = true;
  /** Text the lexer cannot place safely (reported for the statement that fed it). */
  error: string | undefined;
  heredocWord: HeredocWord | undefined;
  pending: PendingHeredoc[] = [];
  /** Literal text of the current line so far, and whether nothing else (a value, a block) is on it. */
  line = '';
  lineComplete = true;
  /** Heredoc contexts waiting for the literal text after them, up to the end of their line. */
  openAfter: Extract<ShellContext, { kind: 'heredoc' }>[] = [];

  get top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  /** The state a block's body must leave as it found it (whether a word just ended aside). */
  snapshot(): string {
    return JSON.stringify([this.stack, this.escaped, this.afterDollar, this.heredocWord, this.pending]);
  }

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) this.char(text[i] as string, text[i + 1]);
  }

  private newline(): void {
    const top = this.top;
    if (top.kind === 'heredoc' && this.lineComplete) {
      const line = top.stripTabs ? this.line.replace(/^\t+/, '') : this.line;
      if (line === top.delimiter) this.stack.pop();
    }
    for (const c of this.openAfter) c.afterComplete = true;
    this.openAfter = [];
    this.line = '';
    this.lineComplete = true;
    if (this.top.kind !== 'heredoc' && this.pending.length > 0) {
      // Bodies follow the line that redirected them, in order; the last one pushed is read first.
      for (const h of [...this.pending].reverse()) this.stack.push({ kind: 'heredoc', ...h });
      this.pending = [];
    }
  }

  private char(c: string, next: string | undefined): void {
    for (const ctx of this.openAfter) if (c !== '\n') ctx.after += c;
    if (c === '\n') {
      this.lexChar(c, next);
      this.newline();
      return;
    }
    this.line += c;
    this.lexChar(c, next);
  }

  private lexChar(c: string, next: string | undefined): void {
    if (this.skipNext) {
      this.skipNext = false;
      return;
    }
    const top = this.top;
    if (this.heredocWord) {
      this.heredocWordChar(this.heredocWord, c);
      return;
    }
    const wasDollar = this.afterDollar;
    this.afterDollar = false;
    if (this.escaped) {
      this.escaped = false;
      this.wordStart = false;
      return;
    }
    switch (top.kind) {
      case 'single':
        if (c === "'") this.stack.pop();
        return;
      case 'comment':
        if (c === '\n') {
          this.stack.pop();
          this.wordStart = true;
        }
        return;
      case 'heredoc':
        // An unquoted body expands as "..." does (without `"` being special); a quoted one is literal.
        if (top.quoted) return;
        if (c === '\\') this.escaped = true;
        else if (c === '`') this.stack.push({ kind: 'backtick' });
        else if (wasDollar && c === '(') this.openParen(next);
        else if (wasDollar && c === '{') this.stack.push({ kind: 'param', braces: 0 });
        else if (c === '$') this.afterDollar = true;
        return;
      case 'backtick':
        if (c === '\\') this.escaped = true;
        else if (c === '`') this.stack.pop();
        return;
      case 'param':
        if (c === '{') top.braces++;
        else if (c === '}') {
          if (top.braces === 0) this.stack.pop();
          else top.braces--;
        }
        return;
      case 'arith':
        if (c === '(') top.parens++;
        else if (c === ')') {
          if (top.parens === 0 && next === ')') {
            this.stack.pop();
            this.skipNext = true;
          } else top.parens--;
        }
        return;
      case 'double':
        if (c === '\\') this.escaped = true;
        else if (c === '"') this.stack.pop();
        else if (c === '`') this.stack.push({ kind: 'backtick' });
        else if (wasDollar && c === '(') this.openParen(next);
        else if (wasDollar && c === '{') this.stack.push({ kind: 'param', braces: 0 });
        else if (c === '$') this.afterDollar = true;
        return;
      case 'code':
        this.codeChar(top, c, next, wasDollar);
        return;
    }
  }

  private skipNext = false;

  private openParen(next: string | undefined): void {
    if (next === '(') {
      this.stack.push({ kind: 'arith', parens: 0 });
      this.skipNext = true;
    } else this.stack.push({ kind: 'code', subst: true, parens: 0 });
  }

  private codeChar(
    top: Extract<Frame, { kind: 'code' }>,
    c: string,
    next: string | undefined,
    wasDollar: boolean,
  ): void {
    const atWordStart = this.wordStart;
    this.wordStart = WORD_END.test(c);
    if (c === '\n') {
      this.wordStart = true;
      return;
    }
    if (wasDollar && c === '(') {
      this.openParen(next);
      this.wordStart = false;
      return;
    }
    if (wasDollar && c === '{') {
      this.stack.push({ kind: 'param', braces: 0 });
      return;
    }
    switch (c) {
      case '\\':
        this.escaped = true;
        return;
      case "'":
        this.stack.push({ kind: 'single' });
        return;
      case '"':
        this.stack.push({ kind: 'double' });
        return;
      case '`':
        this.stack.push({ kind: 'backtick' });
        return;
      case '$':
        this.afterDollar = true;
        return;
      case '#':
        if (atWordStart === 'unknown')
          this.error ??=
            "after a block that may or may not end a word, a '#' could start a comment or not; put a space or a quote before it";
        else if (atWordStart) this.stack.push({ kind: 'comment' });
        return;
      case '(':
        top.parens++;
        return;
      case ')':
        if (top.parens > 0) top.parens--;
        else if (top.subst) this.stack.pop();
        return;
      case '<':
        if (next === '<') {
          this.heredocWord = { stripTabs: false, word: '', quoted: false, quote: '', started: false, escaped: false };
          this.skipNext = true;
          this.heredocOpening = true;
        }
        return;
    }
  }

  /** Just after `<<`: a third `<` is bash's here-string (a plain word follows), `-` strips tabs. */
  private heredocOpening = false;

  private heredocWordChar(h: HeredocWord, c: string): void {
    if (this.heredocOpening) {
      this.heredocOpening = false;
      if (c === '<') {
        this.heredocWord = undefined;
        return;
      }
      if (c === '-') {
        h.stripTabs = true;
        return;
      }
    }
    if (!h.started && (c === ' ' || c === '\t')) return;
    if (h.escaped) {
      h.word += c;
      h.escaped = false;
      return;
    }
    if (h.quote) {
      if (c === h.quote) h.quote = '';
      else h.word += c;
      return;
    }
    if (c === "'" || c === '"') {
      h.started = true;
      h.quoted = true;
      h.quote = c;
      return;
    }
    if (c === '\\') {
      h.started = true;
      h.quoted = true;
      h.escaped = true;
      return;
    }
    if (WORD_END.test(c)) {
      this.heredocWord = undefined;
      if (h.word !== '') this.pending.push({ delimiter: h.word, quoted: h.quoted, stripTabs: h.stripTabs });
      this.wordStart = true;
      if (c !== '\n') this.lexChar(c, undefined);
      return;
    }
    h.started = true;
    h.word += c;
  }

  /** The context of a substitution here, or why none is safe. */
  context(): ShellContext | string {
    if (this.heredocWord) return "a here-document's delimiter word cannot be a value";
    if (this.escaped) return 'a value right after a backslash cannot be quoted';
    const top = this.top;
    if (this.afterDollar && (top.kind === 'code' || top.kind === 'double'))
      return "a value right after '$' would be read as part of an expansion";
    switch (top.kind) {
      case 'code':
        return { kind: 'word' };
      case 'double':
        return { kind: 'double' };
      case 'single':
        return { kind: 'single' };
      case 'comment':
        return { kind: 'comment' };
      case 'heredoc': {
        const ctx: ShellContext = {
          kind: 'heredoc',
          delimiter: top.delimiter,
          quoted: top.quoted,
          stripTabs: top.stripTabs,
          before: this.line,
          beforeComplete: this.lineComplete,
          after: '',
          afterComplete: false,
        };
        this.openAfter.push(ctx);
        return ctx;
      }
      case 'backtick':
        return 'a value inside `...` cannot be quoted safely: use $( ) instead';
      case 'param':
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax in a message
        return 'a value inside ${...} cannot be quoted safely: assign it to a variable first';
      case 'arith':
        return 'a value inside $((...)) cannot be quoted safely: assign it to a variable first';
    }
  }

  /** Text that is not literal (a value, a block) is on the line from here; `keep` is the value's own context. */
  lineTouched(keep?: ShellContext): void {
    this.lineComplete = false;
    for (const c of this.openAfter) if (c !== keep) c.afterComplete = false;
    this.openAfter = this.openAfter.filter((c) => c === keep);
  }

  /** A value was inserted here. */
  valueInserted(keep?: ShellContext): void {
    this.lineTouched(keep);
    this.wordStart = false;
    this.afterDollar = false;
  }
}

/** A value's text: a list is its items, separated by spaces (as words when unquoted). */
function items(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [value === undefined || value === null ? '' : String(value)];
}

/** Could a line made of `before` + `middle` + `after` (each side maybe preceded/followed by unknown text) be the delimiter? */
function mayFormLine(
  middle: string,
  before: { text: string; complete: boolean } | undefined,
  after: { text: string; complete: boolean } | undefined,
  delimiter: string,
  stripTabs: boolean,
): boolean {
  const b = before?.text ?? '';
  const a = after?.text ?? '';
  const variants = (s: string) => (stripTabs ? [s, s.replace(/^\t+/, '')] : [s]);
  for (const text of variants(b + middle + a)) {
    const line = stripTabs && (before?.complete ?? true) ? text.replace(/^\t+/, '') : text;
    const leftOpen = before !== undefined && !before.complete;
    const rightOpen = after !== undefined && !after.complete;
    if (!leftOpen && !rightOpen && line === delimiter) return true;
    if (leftOpen && !rightOpen && delimiter.endsWith(line)) return true;
    if (!leftOpen && rightOpen && delimiter.startsWith(line)) return true;
    if (leftOpen && rightOpen && delimiter.includes(line)) return true;
  }
  return false;
}

function heredocText(value: unknown, ctx: Extract<ShellContext, { kind: 'heredoc' }>): string {
  const text = items(value).join(' ');
  const lines = text.split('\n');
  const last = lines.length - 1;
  lines.forEach((middle, i) => {
    const before = i === 0 ? { text: ctx.before, complete: ctx.beforeComplete } : undefined;
    const after = i === last ? { text: ctx.after, complete: ctx.afterComplete } : undefined;
    if (mayFormLine(middle, before, after, ctx.delimiter, ctx.stripTabs))
      throw new TemplateError(
        `a value in the here-document ending with ${ctx.delimiter} could end it early (its text could form the line "${ctx.delimiter}"); refused`,
      );
  });
  if (lines.some((middle, i) => dashWouldCorrupt(middle, i === 0 ? ctx : undefined, ctx.delimiter, ctx.stripTabs)))
    throw new TemplateError(
      `a value in the here-document ending with ${ctx.delimiter} has a non-ASCII character right after the start of "${ctx.delimiter}" on a line, which dash (Debian's and Ubuntu's /bin/sh) would corrupt; refused`,
    );
  return ctx.quoted ? text : text.replace(/[\\$`]/g, '\\$&');
}

/**
 * dash 0.5.12 drops the first byte of a non-ASCII character that follows, at the start of a here-document
 * line, text that begins the delimiter (`E\xc2\xa0` in a body ending with EOF comes out as `E\xa0`). A value
 * that would meet that is refused rather than written corrupt.
 */
function dashWouldCorrupt(
  middle: string,
  first: Extract<ShellContext, { kind: 'heredoc' }> | undefined,
  delimiter: string,
  stripTabs: boolean,
): boolean {
  const known = !first || first.beforeComplete;
  const head = first ? first.before : '';
  let line = head + middle;
  if (known && stripTabs) line = line.replace(/^\t+/, '');
  const from = line.length - middle.length;
  for (let p = Math.max(from, 1); p < line.length; p++) {
    if ((line.codePointAt(p) ?? 0) < 0x80) continue;
    const start = line.slice(0, p);
    if (known ? delimiter.startsWith(start) : delimiter.includes(start)) return true;
  }
  return false;
}

/** Quotes a value for the context the script analysis found it in. */
export function quoteFor(value: unknown, ctx: ShellContext): string {
  switch (ctx.kind) {
    case 'word':
      return items(value).map(shellWord).join(' ');
    case 'double':
      return items(value)
        .join(' ')
        .replace(/[\\$`"]/g, '\\$&');
    case 'single':
      return items(value).join(' ').replace(/'/g, `'\\''`);
    case 'comment':
      return items(value)
        .join(' ')
        .replace(/[\r\n]/g, ' ');
    case 'heredoc':
      return heredocText(value, ctx);
  }
}

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
