/**
 * The small, safe expression language of `when`, `changed_when`, `failed_when` and `assert`: the part
 * of Jinja that playbooks use, evaluated by a parser, never by eval.
 *
 *   rc == 15 or 'already present' in result.stderr
 *   ansible_check_mode and not (sessions.stdout | length > 0)
 *   iser_luns is defined and item.fstype in ['ext4', 'xfs']
 */
export class ExpressionError extends Error {}

/** A name that the variables do not hold: an error when used, except under `is defined` and `default`. */
class Undefined {
  constructor(readonly name: string) {}
}

type Token = { kind: 'num' | 'str' | 'name' | 'op'; text: string; value?: unknown; at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', '.', ',', '|', '+', '-'];

function tokenize(src: string): Token[] {
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
        if (src[j] === '\\' && next !== undefined && '\\\'"nt'.includes(next)) {
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

type Node =
  | { t: 'lit'; value: unknown }
  | { t: 'var'; name: string }
  | { t: 'get'; obj: Node; key: Node }
  | { t: 'list'; items: Node[] }
  | { t: 'not'; arg: Node }
  | { t: 'neg'; arg: Node }
  | { t: 'bin'; op: string; left: Node; right: Node }
  | { t: 'test'; arg: Node; test: string; negate: boolean; args: Node[] }
  | { t: 'filter'; arg: Node; name: string; args: Node[] };

class Parser {
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
    const node = this.or();
    const rest = this.peek();
    if (rest) throw new ExpressionError(`unexpected '${rest.text}' at column ${rest.at + 1}`);
    return node;
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
      const args = this.peek('(') ? this.args() : [];
      return { t: 'test', arg: left, test: test.text, negate, args };
    }
    return left;
  }
  private additive(): Node {
    let left = this.filtered();
    while (this.peek('+') || this.peek('-')) {
      const op = this.next().text;
      left = { t: 'bin', op, left, right: this.filtered() };
    }
    return left;
  }
  private filtered(): Node {
    let node = this.unary();
    while (this.peek('|')) {
      this.next();
      const name = this.next();
      if (name.kind !== 'name') throw new ExpressionError(`expected a filter name at column ${name.at + 1}`);
      node = { t: 'filter', arg: node, name: name.text, args: this.peek('(') ? this.args() : [] };
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
  private args(): Node[] {
    this.expect('(');
    const args: Node[] = [];
    while (!this.peek(')')) {
      args.push(this.or());
      if (!this.peek(')')) this.expect(',');
    }
    this.expect(')');
    return args;
  }
  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.next();
        const key = this.next();
        if (key.kind !== 'name' && key.kind !== 'num')
          throw new ExpressionError(`expected a name after '.' at column ${key.at + 1}`);
        node = { t: 'get', obj: node, key: { t: 'lit', value: key.kind === 'num' ? key.value : key.text } };
      } else if (this.peek('[')) {
        this.next();
        const key = this.or();
        this.expect(']');
        node = { t: 'get', obj: node, key };
      } else return node;
    }
  }
  private primary(): Node {
    const t = this.next();
    if (t.kind === 'num' || t.kind === 'str') return { t: 'lit', value: t.value };
    if (t.text === '(') {
      const node = this.or();
      this.expect(')');
      return node;
    }
    if (t.text === '[') {
      const items: Node[] = [];
      while (!this.peek(']')) {
        items.push(this.or());
        if (!this.peek(']')) this.expect(',');
      }
      this.expect(']');
      return { t: 'list', items };
    }
    if (t.kind === 'name') {
      const lower = t.text.toLowerCase();
      if (lower === 'true') return { t: 'lit', value: true };
      if (lower === 'false') return { t: 'lit', value: false };
      if (lower === 'none' || lower === 'null') return { t: 'lit', value: null };
      return { t: 'var', name: t.text };
    }
    throw new ExpressionError(`unexpected '${t.text}' at column ${t.at + 1}`);
  }
}

function defined(v: unknown): unknown {
  if (v instanceof Undefined) throw new ExpressionError(`undefined variable: ${v.name}`);
  return v;
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  if (typeof v === 'string') return !['', 'false', 'no', 'off', '0'].includes(v.trim().toLowerCase());
  return Boolean(v);
}

function length(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  throw new ExpressionError(`length of a ${typeof v}`);
}

const FILTERS: Record<string, (v: unknown, ...args: unknown[]) => unknown> = {
  length,
  count: length,
  int: (v) => Number.parseInt(String(v), 10) || 0,
  float: (v) => Number.parseFloat(String(v)) || 0,
  string: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  bool: (v) => truthy(v),
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  trim: (v) => String(v).trim(),
  first: (v) => (v as unknown[])[0],
  last: (v) => (v as unknown[])[(v as unknown[]).length - 1],
  join: (v, sep = '') => (v as unknown[]).join(String(sep)),
  split: (v, sep = ' ') => String(v).split(String(sep)),
  lines: (v) =>
    String(v)
      .split('\n')
      .filter((l) => l !== ''),
};

const TESTS: Record<string, (v: unknown, ...args: unknown[]) => boolean> = {
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  true: (v) => v === true,
  false: (v) => v === false,
  changed: (v) => truthy((v as { changed?: unknown })?.changed),
  skipped: (v) => truthy((v as { skipped?: unknown })?.skipped),
  failed: (v) => truthy((v as { failed?: unknown })?.failed),
  succeeded: (v) => !truthy((v as { failed?: unknown })?.failed),
  success: (v) => !truthy((v as { failed?: unknown })?.failed),
  match: (v, re) => new RegExp(String(re)).test(String(v)) && String(v).search(new RegExp(String(re))) === 0,
  search: (v, re) => new RegExp(String(re)).test(String(v)),
};

/** The source-like name of a variable path (`result.stdout`), for messages about an undefined one. */
function pathOf(node: Node): string {
  if (node.t === 'var') return node.name;
  if (node.t === 'get' && node.key.t === 'lit') return `${pathOf(node.obj)}.${String(node.key.value)}`;
  return 'value';
}

function evaluate(node: Node, vars: Record<string, unknown>): unknown {
  switch (node.t) {
    case 'lit':
      return node.value;
    case 'var':
      return Object.hasOwn(vars, node.name) ? vars[node.name] : new Undefined(node.name);
    case 'list':
      return node.items.map((n) => defined(evaluate(n, vars)));
    case 'get': {
      const obj = evaluate(node.obj, vars);
      const key = defined(evaluate(node.key, vars));
      const name = `${obj instanceof Undefined ? obj.name : pathOf(node.obj)}.${String(key)}`;
      if (obj instanceof Undefined || obj === null || typeof obj !== 'object') return new Undefined(name);
      // Own properties only: `x.constructor` or `x.__proto__` must not reach JavaScript's prototypes.
      if (!Object.hasOwn(obj, String(key))) return new Undefined(name);
      const value = (obj as Record<string, unknown>)[String(key)];
      return value === undefined ? new Undefined(name) : value;
    }
    case 'not':
      return !truthy(defined(evaluate(node.arg, vars)));
    case 'neg':
      return -Number(defined(evaluate(node.arg, vars)));
    case 'test': {
      const v = evaluate(node.arg, vars);
      let result: boolean;
      if (node.test === 'defined') result = !(v instanceof Undefined);
      else if (node.test === 'undefined') result = v instanceof Undefined;
      else {
        const test = Object.hasOwn(TESTS, node.test) ? TESTS[node.test] : undefined;
        if (!test)
          throw new ExpressionError(
            `unknown test '${node.test}' (known: defined, undefined, ${Object.keys(TESTS).join(', ')})`,
          );
        result = test(defined(v), ...node.args.map((a) => defined(evaluate(a, vars))));
      }
      return node.negate ? !result : result;
    }
    case 'filter': {
      const v = evaluate(node.arg, vars);
      const args = node.args.map((a) => defined(evaluate(a, vars)));
      if (node.name === 'default' || node.name === 'd')
        return v instanceof Undefined || (args[1] && !truthy(v)) ? args[0] : v;
      const filter = Object.hasOwn(FILTERS, node.name) ? FILTERS[node.name] : undefined;
      if (!filter)
        throw new ExpressionError(`unknown filter '${node.name}' (known: default, ${Object.keys(FILTERS).join(', ')})`);
      return filter(defined(v), ...args);
    }
    case 'bin': {
      if (node.op === 'and')
        return truthy(defined(evaluate(node.left, vars))) && truthy(defined(evaluate(node.right, vars)));
      if (node.op === 'or')
        return truthy(defined(evaluate(node.left, vars))) || truthy(defined(evaluate(node.right, vars)));
      const l = defined(evaluate(node.left, vars));
      const r = defined(evaluate(node.right, vars));
      switch (node.op) {
        case '==':
          return looseEqual(l, r);
        case '!=':
          return !looseEqual(l, r);
        case '<':
          return (l as number) < (r as number);
        case '>':
          return (l as number) > (r as number);
        case '<=':
          return (l as number) <= (r as number);
        case '>=':
          return (l as number) >= (r as number);
        case '+':
          return typeof l === 'number' && typeof r === 'number' ? l + r : String(l) + String(r);
        case '-':
          return Number(l) - Number(r);
        case 'in':
          if (typeof r === 'string') return r.includes(String(l));
          if (Array.isArray(r)) return r.some((x) => looseEqual(x, l));
          if (r && typeof r === 'object') return Object.hasOwn(r, String(l));
          throw new ExpressionError(`'in' needs a string, list or mapping on its right`);
      }
    }
  }
  throw new ExpressionError('unreachable');
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

const cache = new Map<string, Node>();

/** Parses once (cached), then evaluates against the variables. Throws ExpressionError with a reason. */
export function evaluateExpression(source: string, vars: Record<string, unknown>): unknown {
  let ast = cache.get(source);
  if (!ast) {
    ast = new Parser(tokenize(source), source).parse();
    cache.set(source, ast);
  }
  return defined(evaluate(ast, vars));
}

/** Validates syntax without evaluating (at playbook load, before any host is touched). */
export function checkExpression(source: string): void {
  if (!cache.has(source)) cache.set(source, new Parser(tokenize(source), source).parse());
}

export function evaluateCondition(source: string | boolean, vars: Record<string, unknown>): boolean {
  if (typeof source === 'boolean') return source;
  return truthy(evaluateExpression(source, vars));
}
