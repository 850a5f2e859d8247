/** The expression language's parser: tokens to a syntax tree, refusing what Jinja would not read (or sshplay does not support). */
import { closestName } from '../closest-name.js';
import { ExpressionError, type Token } from './expression-lexer.js';
import { canonicalFilterName, FILTER_NAMES } from './filters.js';
import { TESTS } from './jinja-tests.js';

export type Node =
  | { t: 'lit'; value: unknown }
  | { t: 'var'; name: string }
  | { t: 'get'; obj: Node; key: Node }
  | { t: 'list'; items: Node[] }
  | { t: 'dict'; entries: [Node, Node][] }
  | { t: 'cond'; test: Node; then: Node; otherwise: Node | undefined }
  | { t: 'not'; arg: Node }
  | { t: 'neg'; arg: Node }
  | { t: 'bin'; op: string; left: Node; right: Node }
  | { t: 'test'; arg: Node; test: string; negate: boolean; args: Node[] }
  | { t: 'filter'; arg: Node; name: string; args: Node[]; kwargs: Record<string, Node> };

/** Methods Ansible users call on strings, and the filter that does the same here. */
const METHOD_FILTERS: Record<string, string> = {
  split: "| split('sep')",
  upper: '| upper',
  lower: '| lower',
  strip: '| trim',
  replace: "| replace('old', 'new')",
  startswith: "is match('^prefix')",
  endswith: "is search('suffix$')",
  join: "| join('sep')",
  keys: "| dict2items | map(attribute='key')",
  items: '| dict2items',
  get: "['key'] | default(...)",
};

/** The source-like name of a variable path (`result.stdout`), for messages about an undefined one. */
export function pathOf(node: Node): string {
  if (node.t === 'var') return node.name;
  if (node.t === 'get' && node.key.t === 'lit') return `${pathOf(node.obj)}.${String(node.key.value)}`;
  return 'value';
}

export class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
  ) {}

  private peek(text?: string): Token | undefined {
    const t = this.tokens[this.pos];
    if (text === undefined || t?.text === text) return t;
    return undefined;
  }
  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new ExpressionError(`unexpected end of expression: ${this.src}`);
    return t;
  }
  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new ExpressionError(`expected '${text}' at column ${t.at + 1}, found '${t.text}'`);
  }

  parse(): Node {
    const node = this.conditional();
    const rest = this.peek();
    if (rest) throw new ExpressionError(`unexpected '${rest.text}' at column ${rest.at + 1}`);
    return node;
  }
  /** Jinja's inline if: `a if cond else b` (no else: undefined, as Jinja's). */
  private conditional(): Node {
    const then = this.or();
    if (!this.peek('if')) return then;
    this.next();
    const test = this.or();
    let otherwise: Node | undefined;
    if (this.peek('else')) {
      this.next();
      otherwise = this.conditional();
    }
    return { t: 'cond', test, then, otherwise };
  }
  private or(): Node {
    let left = this.and();
    while (this.peek('or')) {
      this.next();
      left = { t: 'bin', op: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.not();
    while (this.peek('and')) {
      this.next();
      left = { t: 'bin', op: 'and', left, right: this.not() };
    }
    return left;
  }
  private not(): Node {
    if (this.peek('not')) {
      this.next();
      return { t: 'not', arg: this.not() };
    }
    return this.comparison();
  }
  private comparison(): Node {
    const left = this.additive();
    const t = this.peek();
    if (!t) return left;
    if (['==', '!=', '<', '>', '<=', '>='].includes(t.text) || t.text === 'in') {
      this.next();
      return { t: 'bin', op: t.text, left, right: this.additive() };
    }
    if (t.text === 'not' && this.tokens[this.pos + 1]?.text === 'in') {
      this.pos += 2;
      return { t: 'not', arg: { t: 'bin', op: 'in', left, right: this.additive() } };
    }
    if (t.text === 'is') {
      this.next();
      let negate = false;
      if (this.peek('not')) {
        this.next();
        negate = true;
      }
      const test = this.next();
      if (test.kind !== 'name') throw new ExpressionError(`expected a test name after 'is' at column ${test.at + 1}`);
      const tests = ['defined', 'undefined', ...Object.keys(TESTS)];
      if (!tests.includes(test.text)) {
        const near = closestName(test.text, tests);
        throw new ExpressionError(
          `unknown test '${test.text}'${near ? ` (did you mean '${near}'?)` : ''}; tests: ${tests.join(', ')}`,
        );
      }
      const args = this.peek('(') ? this.args().args : [];
      return { t: 'test', arg: left, test: test.text, negate, args };
    }
    return left;
  }
  private additive(): Node {
    let left = this.multiplicative();
    while (this.peek('+') || this.peek('-') || this.peek('~')) {
      const op = this.next().text;
      left = { t: 'bin', op, left, right: this.multiplicative() };
    }
    return left;
  }
  private multiplicative(): Node {
    let left = this.filtered();
    while (this.peek('*') || this.peek('/') || this.peek('//') || this.peek('%')) {
      const op = this.next().text;
      left = { t: 'bin', op, left, right: this.filtered() };
    }
    return left;
  }
  private filtered(): Node {
    let node = this.unary();
    while (this.peek('|')) {
      this.next();
      const first = this.next();
      if (first.kind !== 'name') throw new ExpressionError(`expected a filter name at column ${first.at + 1}`);
      let written = first.text;
      // Fully qualified names: ansible.builtin.join, ansible.utils.ipaddr
      while (this.peek('.') && this.tokens[this.pos + 1]?.kind === 'name') {
        this.next();
        written += `.${this.next().text}`;
      }
      const canonical = canonicalFilterName(written);
      if ('error' in canonical) throw new ExpressionError(canonical.error);
      const name = canonical.name;
      if (!FILTER_NAMES.includes(name)) {
        const near = closestName(name, FILTER_NAMES);
        throw new ExpressionError(
          `unknown filter '${written}'${near ? ` (did you mean '${near}'?)` : ''}; filters: ${FILTER_NAMES.join(', ')}`,
        );
      }
      const { args, kwargs } = this.peek('(') ? this.args() : { args: [], kwargs: {} };
      node = { t: 'filter', arg: node, name, args, kwargs };
    }
    return node;
  }
  private unary(): Node {
    if (this.peek('-')) {
      this.next();
      return { t: 'neg', arg: this.unary() };
    }
    return this.postfix();
  }
  private args(): { args: Node[]; kwargs: Record<string, Node> } {
    this.expect('(');
    const args: Node[] = [];
    const kwargs: Record<string, Node> = {};
    while (!this.peek(')')) {
      const t = this.peek();
      if (t?.kind === 'name' && this.tokens[this.pos + 1]?.text === '=') {
        this.pos += 2;
        kwargs[t.text] = this.conditional();
      } else args.push(this.conditional());
      if (!this.peek(')')) this.expect(',');
    }
    this.expect(')');
    return { args, kwargs };
  }
  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.next();
        const key = this.next();
        if (key.kind !== 'name' && key.kind !== 'num')
          throw new ExpressionError(`expected a name after '.' at column ${key.at + 1}`);
        if (key.kind === 'name' && this.peek('(')) {
          const instead = METHOD_FILTERS[key.text];
          throw new ExpressionError(
            `method calls such as .${key.text}(...) are not supported${instead ? `: write ${pathOf(node)} ${instead}` : '; use a filter'}`,
          );
        }
        node = { t: 'get', obj: node, key: { t: 'lit', value: key.kind === 'num' ? key.value : key.text } };
      } else if (this.peek('[')) {
        this.next();
        const key = this.conditional();
        this.expect(']');
        node = { t: 'get', obj: node, key };
      } else return node;
    }
  }
  private primary(): Node {
    const t = this.next();
    if (t.kind === 'num' || t.kind === 'str') return { t: 'lit', value: t.value };
    if (t.text === '(') {
      const node = this.conditional();
      this.expect(')');
      return node;
    }
    if (t.text === '[') {
      const items: Node[] = [];
      while (!this.peek(']')) {
        items.push(this.conditional());
        if (!this.peek(']')) this.expect(',');
      }
      this.expect(']');
      return { t: 'list', items };
    }
    if (t.text === '{') {
      const entries: [Node, Node][] = [];
      while (!this.peek('}')) {
        const key = this.conditional();
        this.expect(':');
        entries.push([key, this.conditional()]);
        if (!this.peek('}')) this.expect(',');
      }
      this.expect('}');
      return { t: 'dict', entries };
    }
    if (t.kind === 'name') {
      const lower = t.text.toLowerCase();
      if (lower === 'true') return { t: 'lit', value: true };
      if (lower === 'false') return { t: 'lit', value: false };
      if (lower === 'none' || lower === 'null') return { t: 'lit', value: null };
      if (this.peek('('))
        throw new ExpressionError(
          t.text === 'lookup' || t.text === 'query' || t.text === 'q'
            ? `${t.text}(...) is not supported: sshplay has no lookup plugins; read files with slurp or set the value in vars`
            : `function calls such as ${t.text}(...) are not supported; write a filter (value | name(args))`,
        );
      return { t: 'var', name: t.text };
    }
    throw new ExpressionError(`unexpected '${t.text}' at column ${t.at + 1}`);
  }
}
