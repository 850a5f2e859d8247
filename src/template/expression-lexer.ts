/** The expression language's tokens: numbers, strings (read as the StringMode says), names, operators. */

/**
 * Why an expression does not parse or evaluate. Thrown and caught all the time (a read-ahead looking at a
 * condition on a result not registered yet, `is defined`'s neighbours), and only its message is ever
 * shown, so it is made without a stack trace: capturing one was most of what a failed evaluation cost.
 */
export class ExpressionError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export type Token = { kind: 'num' | 'str' | 'name' | 'op'; text: string; value?: unknown; at: number };

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '//',
  '<',
  '>',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '.',
  ',',
  ':',
  '|',
  '+',
  '-',
  '*',
  '/',
  '%',
  '~',
  '=',
];

/**
 * How string literals read backslashes. In a condition (`when`, `changed_when`, ...) as Jinja's lexer
 * does: `\\`, `\'`, `\"`, `\n`, `\t` are escapes, any other backslash stays. In a value's `{{ }}`,
 * as Ansible: its templar doubles every backslash inside a `{{ }}` string literal before Jinja reads it
 * (ansible/template/__init__.py, _escape_backslashes), so there a backslash is itself and a string ends
 * at its first closing quote: `regex_replace('(\d+)', '\1')` as users write it after YAML.
 */
export type StringMode = 'condition' | 'value';

export function tokenize(src: string, mode: StringMode = 'condition'): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'num', text: m[0], value: Number(m[0]), at });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        // As Python/Jinja: known escapes are decoded, any other backslash stays (regexes keep their \. and \s).
        const next = src[j + 1];
        if (mode === 'condition' && src[j] === '\\' && next !== undefined && '\\\'"nt'.includes(next)) {
          s += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
          continue;
        }
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string starting at column ${at + 1}`);
      tokens.push({ kind: 'str', text: src.slice(i, j + 1), value: s, at });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'name', text: m[0], at });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExpressionError(`unexpected character '${c}' at column ${at + 1}`);
      tokens.push({ kind: 'op', text: op, at });
      i += op.length;
    }
  }
  return tokens;
}
