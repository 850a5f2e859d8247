/**
 * The value of an INI `key=value`, read as Ansible reads it: Python literal syntax (`ast.literal_eval`) when the
 * text is one (numbers, quoted strings, True/False/None, lists, tuples, dicts: `[15, 1]`,
 * `[{"name": "ib0"}]`), otherwise the text itself (`10.0.0.11`, `sendtargets`, `0644`).
 * Beyond Python we also take JSON's and YAML's lowercase true/false/null: Ansible turns the string "false" into
 * false wherever it tests a condition, and our conditions see values as they are, so the value is typed here.
 */
export function parseIniValue(text: string): unknown {
  const reader = new LiteralReader(text);
  try {
    const value = reader.value();
    reader.skipSpace();
    return reader.atEnd() ? value : text;
  } catch (e) {
    if (e instanceof NotALiteral) return text;
    throw e;
  }
}

/**
 * A `[group:vars]` value. Unlike host lines (split like a shell command, so `a='[1, 2]'` arrives as `[1, 2]`),
 * these keep their quotes, and Ansible would leave `'[15, 1]'` a string that its templating turns into a list
 * later. We have no such second reading, so a quoted list or mapping is read as one now.
 */
export function parseIniSectionValue(text: string): unknown {
  const value = parseIniValue(text);
  const quoted = text.length >= 2 && (text[0] === "'" || text[0] === '"') && text.endsWith(text[0]);
  if (quoted && typeof value === 'string' && /^\s*[[{]/.test(value)) {
    const inner = parseIniValue(value);
    if (typeof inner === 'object' && inner !== null) return inner;
  }
  return value;
}

class NotALiteral extends Error {}

const KEYWORDS: Record<string, unknown> = {
  True: true,
  False: false,
  None: null,
  true: true,
  false: false,
  null: null,
};
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
const NUMBER = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)(?![\w.])/;

class LiteralReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.mapping();
    if (c === "'" || c === '"') return this.string(c);
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.pos))?.[0];
    if (word !== undefined) {
      if (!(word in KEYWORDS)) throw new NotALiteral();
      this.pos += word.length;
      return KEYWORDS[word];
    }
    return this.number();
  }

  private number(): number {
    const match = NUMBER.exec(this.text.slice(this.pos))?.[0];
    if (match === undefined) throw new NotALiteral();
    const digits = match.replace(/^[+-]/, '');
    // Python 3 refuses 010 (no implicit octal): such text stays a string, as a file mode should.
    if (/^0\d/.test(digits) && !/^0+$/.test(digits) && !/[.eE]/.test(digits)) throw new NotALiteral();
    this.pos += match.length;
    const sign = match.startsWith('-') ? -1 : 1;
    return sign * (/^0[xXoObB]/.test(digits) ? Number(digits.toLowerCase()) : Number(digits));
  }

  private string(quote: string): string {
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++] as string;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === undefined) break;
      if (e === 'x' || e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + (e === 'x' ? 2 : 4));
        if (!/^[0-9a-fA-F]+$/.test(hex)) throw new NotALiteral();
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += hex.length;
      } else {
        out += ESCAPES[e] ?? `\\${e}`;
      }
    }
    throw new NotALiteral();
  }

  private sequence(close: string): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) throw new NotALiteral();
    }
  }

  private mapping(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key === 'object' && key !== null) throw new NotALiteral();
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw new NotALiteral();
      this.pos++;
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw new NotALiteral();
    }
  }
}
