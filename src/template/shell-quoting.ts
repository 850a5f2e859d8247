/**
 * Quoting a value for the shell context a substitution lands in (see shell-script.ts for the table):
 * one single-quoted word, `"..."` escapes, `'\''`, a here-document body checked against its delimiter,
 * a comment's newlines turned into spaces.
 */
import { shellWord, TemplateError } from './render.js';

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
