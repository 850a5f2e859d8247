/**
 * The small, safe expression language of `when`, `changed_when`, `failed_when` and `assert`: the part
 * of Jinja that playbooks use, evaluated by a parser, never by eval.
 *
 *   rc == 15 or 'already present' in result.stderr
 *   ansible_check_mode and not (sessions.stdout | length > 0)
 *   iser_luns is defined and item.fstype in ['ext4', 'xfs']
 */
import { closestName } from '../closest-name.js';
import { FilterError, type Kwargs, truthy } from './filter-values.js';
import { canonicalFilterName, FILTER_NAMES, FILTERS } from './filters.js';
import { TESTS } from './jinja-tests.js';
import { pyStr } from './python-values.js';

export { truthy };

export class ExpressionError extends Error {}

/** A name that the variables do not hold: an error when used, except under `is defined` and `default`. */
class Undefined {
  constructor(readonly name: string) {}
}

type Token = { kind: 'num' | 'str' | 'name' | 'op'; text: string; value?: unknown; at: number };

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

function tokenize(src: string, mode: StringMode = 'condition'): Token[] {
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

type Node =
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

function defined(v: unknown): unknown {
  if (v instanceof Undefined) throw new ExpressionError(`undefined variable: ${v.name}`);
  return v;
}

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
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) out[pyStr(defined(evaluate(k, vars)))] = defined(evaluate(v, vars));
      return out;
    }
    case 'cond':
      if (truthy(defined(evaluate(node.test, vars)))) return evaluate(node.then, vars);
      return node.otherwise ? evaluate(node.otherwise, vars) : new Undefined('the else branch of an inline if');
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
        try {
          result = test(
            defined(v),
            node.args.map((a) => defined(evaluate(a, vars))),
          );
        } catch (e) {
          if (e instanceof FilterError) throw new ExpressionError(`${node.test}: ${e.message}`);
          throw e;
        }
      }
      return node.negate ? !result : result;
    }
    case 'filter': {
      const v = evaluate(node.arg, vars);
      const args = node.args.map((a) => defined(evaluate(a, vars)));
      const kwargs: Kwargs = {};
      for (const [k, a] of Object.entries(node.kwargs)) kwargs[k] = defined(evaluate(a, vars));
      if (node.name === 'default' || node.name === 'd') {
        // jinja2's do_default(value, default_value='', boolean=False)
        const fallback = args.length > 0 ? args[0] : Object.hasOwn(kwargs, 'default_value') ? kwargs.default_value : '';
        const boolean = args.length > 1 ? args[1] : (kwargs.boolean ?? false);
        return v instanceof Undefined || (truthy(boolean) && !pyTruthyValue(v)) ? fallback : v;
      }
      if (node.name === 'mandatory' && v instanceof Undefined)
        throw new ExpressionError(
          args[0] !== undefined ? pyStr(args[0]) : `mandatory variable '${v.name}' not defined`,
        );
      const filter = FILTERS[node.name] as (typeof FILTERS)[string];
      try {
        return filter(defined(v), args, kwargs);
      } catch (e) {
        if (e instanceof FilterError) throw new ExpressionError(`${node.name}: ${e.message}`);
        throw e;
      }
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
          if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
          return typeof l === 'number' && typeof r === 'number' ? l + r : String(l) + String(r);
        case '-':
          return Number(l) - Number(r);
        case '~':
          return pyStr(l) + pyStr(r);
        case '*':
          if (typeof l === 'string' && typeof r === 'number') return l.repeat(Math.max(0, r));
          return Number(l) * Number(r);
        case '/':
          if (Number(r) === 0) throw new ExpressionError('division by zero');
          return Number(l) / Number(r);
        case '//':
          if (Number(r) === 0) throw new ExpressionError('division by zero');
          return Math.floor(Number(l) / Number(r));
        case '%':
          if (Number(r) === 0) throw new ExpressionError('modulo by zero');
          // Python's % takes the sign of the divisor.
          return ((Number(l) % Number(r)) + Number(r)) % Number(r);
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

/** Python truthiness for `default(x, true)`: any non-empty string counts, 'false' included. */
function pyTruthyValue(v: unknown): boolean {
  if (typeof v === 'string') return v !== '';
  return truthy(v);
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

const cache = new Map<string, Node>();

/** Parses once (cached), then evaluates against the variables. Throws ExpressionError with a reason. */
export function evaluateExpression(
  source: string,
  vars: Record<string, unknown>,
  mode: StringMode = 'condition',
): unknown {
  const key = `${mode}\0${source}`;
  let ast = cache.get(key);
  if (!ast) {
    ast = new Parser(tokenize(source, mode), source).parse();
    cache.set(key, ast);
  }
  return defined(evaluate(ast, vars));
}

/** Validates syntax without evaluating (at playbook load, before any host is touched). */
export function checkExpression(source: string, mode: StringMode = 'condition'): void {
  const key = `${mode}\0${source}`;
  if (!cache.has(key)) cache.set(key, new Parser(tokenize(source, mode), source).parse());
}

export function evaluateCondition(source: string | boolean, vars: Record<string, unknown>): boolean {
  if (typeof source === 'boolean') return source;
  return truthy(evaluateExpression(source, vars));
}

/** The variable names an expression reads (parsed once, cached): which conditions depend on a loop's item. */
export function expressionNames(source: string, mode: StringMode = 'condition'): Set<string> {
  const key = `${mode}\0${source}`;
  let ast = cache.get(key);
  if (!ast) {
    ast = new Parser(tokenize(source, mode), source).parse();
    cache.set(key, ast);
  }
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') {
      const node = value as { t?: unknown; name?: unknown };
      if (node.t === 'var' && typeof node.name === 'string') names.add(node.name);
      for (const v of Object.values(value)) walk(v);
    }
  };
  walk(ast);
  return names;
}
