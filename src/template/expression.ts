/**
 * The small, safe expression language of `when`, `changed_when`, `failed_when` and `assert`: the part
 * of Jinja that playbooks use, evaluated by a parser, never by eval.
 *
 *   rc == 15 or 'already present' in result.stderr
 *   ansible_check_mode and not (sessions.stdout | length > 0)
 *   iser_luns is defined and item.fstype in ['ext4', 'xfs']
 */
import { ExpressionError, type StringMode, tokenize } from './expression-lexer.js';
import { type Node, Parser, pathOf } from './expression-parser.js';
import { FilterError, type Kwargs, truthy } from './filter-values.js';
import { FILTERS } from './filters.js';
import { TESTS } from './jinja-tests.js';
import { pyStr } from './python-values.js';

export { ExpressionError, type StringMode } from './expression-lexer.js';
export { truthy };

/** A name that the variables do not hold: an error when used, except under `is defined` and `default`. */
class Undefined {
  constructor(readonly name: string) {}
}

function defined(v: unknown): unknown {
  if (v instanceof Undefined) throw new ExpressionError(`undefined variable: ${v.name}`);
  return v;
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
