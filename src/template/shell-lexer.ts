/** A POSIX sh lexer run over a script's literal text, telling where each substitution lands. */
import type { ShellContext } from './shell-quoting.js';

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
export class ShellLexer {
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
