import type { LineCounter, YAMLError } from 'yaml';

/** A YAML parse error in plain words, at the line (and column) of the offending key. */
export interface PlainYamlError {
  message: string;
  line: number;
  column: number;
}

const indentOf = (text: string) => /^ */.exec(text)?.[0].length ?? 0;
/** Where a line's key starts (after the indentation and a sequence's '- '). */
const keyColumn = (text: string) => /^\s*(?:-\s+)?/.exec(text)?.[0].length ?? 0;
const keyOf = (text: string) => /^\s*(?:-\s+)?([^\s:#][^:#]*?)\s*:(?:\s|$)/.exec(text)?.[1];

/**
 * What the yaml parser reports, said as a user would fix it: which line, what is wrong there, what to
 * write instead. The parser's own message stays only for cases not listed, in parentheses.
 */
export function plainYamlError(error: YAMLError, text: string, lines: LineCounter): PlainYamlError {
  const textLines = text.split('\n');
  let { line, col } = lines.linePos(error.pos[0]);
  // An error found at the end of the text (an unclosed quote or bracket) is shown on the last line that has text.
  while (line > 1 && !textLines[line - 1]?.trim()) {
    line--;
    col = (textLines[line - 1]?.length ?? 0) + 1;
  }
  const parser = error.message.split('\n')[0] ?? error.message;
  // An error reported at the end of a line (past its value) is about the next line that has text: the key
  // indented wrong, the key given twice. Not an unclosed quote or bracket: that one is on this line.
  if (!/quote|flow|\]|\}/i.test(parser) && col > (textLines[line - 1] ?? '').trimEnd().length) {
    for (let i = line; i < textLines.length; i++)
      if ((textLines[i] as string).trim()) {
        line = i + 1;
        col = indentOf(textLines[i] as string) + 1;
        break;
      }
  }
  const here = textLines[line - 1] ?? '';
  const previous = (() => {
    for (let i = line - 2; i >= 0; i--) {
      const t = textLines[i] as string;
      if (t.trim() && !t.trim().startsWith('#')) return { text: t, line: i + 1 };
    }
    return undefined;
  })();
  const at = (message: string, column = col) => ({ message, line, column });
  const key = keyOf(here);
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const first = textLines.findIndex((t, i) => i < line - 1 && keyOf(t) === key && keyColumn(t) === keyColumn(here));
      return at(
        `'${key}' is set twice in the same mapping${first >= 0 ? ` (first at line ${first + 1})` : ''}: YAML would keep only one; remove or rename one of them`,
        indentOf(here) + 1,
      );
    }
    case 'TAB_AS_INDENT':
      return at('a tab indents this line: YAML indents with spaces only', 1);
    case 'BLOCK_AS_IMPLICIT_KEY': {
      const value = here.slice(here.indexOf(':') + 1);
      const next = textLines.findIndex((t, i) => i >= line && t.trim() !== '');
      if (!/:(\s|$)/.test(value) && next >= 0) {
        // No second ': ' on this line: the next line's key, indented deeper, was read as this value's rest.
        const t = textLines[next] as string;
        return {
          message: `'${keyOf(t) ?? t.trim()}' is indented ${indentOf(t)} spaces, deeper than '${key}' on line ${line} (at ${keyColumn(here)}): YAML reads it as the rest of ${key}'s value; the keys of one mapping start in the same column`,
          line: next + 1,
          column: indentOf(t) + 1,
        };
      }
      return at(
        `a second ': ' in the value of '${key ?? 'this key'}': quote the value (${key ?? 'key'}: "${here.slice(here.indexOf(':') + 1).trim()}")`,
      );
    }
  }
  if (/quote/i.test(parser))
    return at(`a quoted value is not closed: add the closing ${/'/.test(parser) ? "'" : '"'} at the end of the value`);
  if (/flow (sequence|collection|map)|\]|\}/i.test(parser))
    return at(
      'a [ list ] or { mapping } is not closed, or its next line is not indented more than its key: close it on this line',
    );
  if (error.code === 'BAD_INDENT' || /indent|without - indicator|same column/i.test(parser)) {
    const mine = indentOf(here);
    const theirs = previous ? indentOf(previous.text) : 0;
    const name = key ? `'${key}'` : 'this line';
    return at(
      `${name} is indented ${mine} space${mine === 1 ? '' : 's'}, which fits no mapping above${previous ? ` (line ${previous.line} is indented ${theirs})` : ''}: the keys of one mapping start in the same column`,
      mine + 1,
    );
  }
  return at(`this line is not valid YAML (the parser says: ${parser})`);
}

/** The line as read, with a caret under the column. */
export function excerptWithCaret(lineText: string, column: number): string {
  return `${lineText.trimEnd()}\n    ${' '.repeat(Math.max(0, column - 1))}^`;
}
