import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { BoundedCache } from './bounded-cache.js';
import { ExpressionError, evaluateExpression } from './expression.js';
import {
  JINJA_HELPER,
  JinjaValueError,
  positionOf,
  refuseStatements,
  registeredExpression,
  rewriteJinja,
  scanMustaches,
  singleJinjaExpression,
} from './jinja-values.js';
import { pyStr } from './python-values.js';

/**
 * Handlebars for templates and string values. Config files are not HTML, so `noEscape`; `strict`
 * makes an undefined variable an error instead of an empty string silently written to a host.
 */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    // As ExpressionError: caught all the time (a read-ahead rendering arguments that depend on a result
    // not registered yet), shown by its message only, so made without a stack trace.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

type Helper = Handlebars.HelperDelegate;
/** Every helper registered so far: given to the Handlebars instance when it is made. */
const registered = new Map<string, Helper>();
let instance: typeof Handlebars | undefined;

/**
 * The Handlebars instance, made at first use: a command that renders and checks nothing (--version,
 * --list-tasks) never loads Handlebars (issue 22, start-up). `require`, because its callers are synchronous.
 */
function hbs(): typeof Handlebars {
  if (instance) return instance;
  const made = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();
  /**
   * Handlebars 4.7 appends noEscape values raw, so adjacent numbers are added: `{{a}}{{b}}` with 1 and 2
   * renders "3", and a lone `{{n}}` returns a number (handlebars.js#1838). Every appended value is made
   * a string first. Child programs (block bodies) are compiled with `prototype.compiler`, so it is set too.
   */
  type JsCompiler = { appendToBuffer(source: unknown, location?: unknown, explicit?: boolean): unknown };
  const compilerHost = made as unknown as { JavaScriptCompiler: new () => JsCompiler };
  class StringAppendingCompiler extends compilerHost.JavaScriptCompiler {
    override appendToBuffer(source: unknown, location?: unknown, explicit?: boolean): unknown {
      return super.appendToBuffer(['"" + (', source, ')'], location, explicit);
    }
  }
  (StringAppendingCompiler.prototype as unknown as { compiler: unknown }).compiler = StringAppendingCompiler;
  compilerHost.JavaScriptCompiler = StringAppendingCompiler;
  for (const [name, fn] of registered) made.registerHelper(name, fn);
  setUpOnce(made);
  instance = made;
  return made;
}

/** Bumped when a helper is registered: a template set up before must merge the helpers again. */
let helpersVersion = 0;

type SetupOptions = Handlebars.RuntimeOptions & { partial?: boolean; allowCallsToHelperMissing?: boolean };
type SetUpTemplate = Handlebars.TemplateDelegate & { _setup?: (options: SetupOptions) => void };

/**
 * Handlebars sets a template up on every call: it merges the instance's helpers into a new object, wrapping
 * each (about 30 here) in two new closures, and makes its prototype-access rules anew, though nothing of it
 * changes between calls with the same options. A --check renders thousands of times per host, so each
 * template is set up once and again only when a helper was registered or the options that shape the setup
 * change. Calls that bring their own helpers, partials or decorators (and partial calls) are set up as
 * Handlebars always does. `_setup` is Handlebars 4's own (runtime.js); a Handlebars without it is left as is.
 */
function setUpOnce(made: typeof Handlebars): void {
  const template = made.template.bind(made);
  made.template = ((spec: Parameters<typeof made.template>[0]) => {
    const fn = template(spec) as SetUpTemplate;
    const setup = fn._setup;
    if (typeof setup !== 'function') return fn;
    // what the last set-up was made for: the helpers' version and the options that shape it (compared by
    // identity: other objects with the same rules only set it up again); a render that changes none of
    // them allocates nothing here
    let readyFor: SetupShape | undefined;
    fn._setup = function (this: unknown, options: SetupOptions) {
      if (options.partial || options.helpers || options.partials || options.decorators) {
        readyFor = undefined;
        return setup.call(this, options);
      }
      if (readyFor !== undefined && readyFor.helpersVersion === helpersVersion && sameRules(readyFor.options, options))
        return;
      setup.call(this, options);
      readyFor = { helpersVersion, options: rulesOf(options) };
    };
    return fn;
  }) as typeof made.template;
}

/** The options that shape a template's set-up (see setUpOnce). */
type SetupRules = Pick<
  SetupOptions,
  | 'allowProtoPropertiesByDefault'
  | 'allowProtoMethodsByDefault'
  | 'allowedProtoProperties'
  | 'allowedProtoMethods'
  | 'allowCallsToHelperMissing'
>;
interface SetupShape {
  helpersVersion: number;
  options: SetupRules;
}

const rulesOf = (o: SetupOptions): SetupRules => ({
  allowProtoPropertiesByDefault: o.allowProtoPropertiesByDefault,
  allowProtoMethodsByDefault: o.allowProtoMethodsByDefault,
  allowedProtoProperties: o.allowedProtoProperties,
  allowedProtoMethods: o.allowedProtoMethods,
  allowCallsToHelperMissing: o.allowCallsToHelperMissing,
});

const sameRules = (a: SetupRules, b: SetupOptions): boolean =>
  Object.is(a.allowProtoPropertiesByDefault, b.allowProtoPropertiesByDefault) &&
  Object.is(a.allowProtoMethodsByDefault, b.allowProtoMethodsByDefault) &&
  Object.is(a.allowedProtoProperties, b.allowedProtoProperties) &&
  Object.is(a.allowedProtoMethods, b.allowedProtoMethods) &&
  Object.is(a.allowCallsToHelperMissing, b.allowCallsToHelperMissing);

function cidrParts(cidr: unknown): { address: string; prefix: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(String(cidr));
  if (!m) throw new TemplateError(`not an IPv4 address with prefix (a.b.c.d/nn): ${String(cidr)}`);
  return { address: m[1] as string, prefix: Number(m[2]) };
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function netmaskOf(prefix: number): string {
  return intToIp(prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix));
}

export function networkOf(cidr: string): string {
  const { address, prefix } = cidrParts(cidr);
  const size = 2 ** (32 - prefix);
  return `${intToIp(Math.floor(ipToInt(address) / size) * size)}/${prefix}`;
}

/**
 * One POSIX shell word with exactly this text: left bare when it holds only characters no shell treats
 * specially anywhere in a word, else single-quoted (`'` written as `'\\''`), which every sh reads byte for byte.
 */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_/.,:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Helpers take the last argument as Handlebars' options object; `rest` drops it. */
const rest = (args: unknown[]) => args.slice(0, -1);

const helpers: Record<string, (...args: unknown[]) => unknown> = {
  /** Shell-quotes a value as single-quoted words (a list becomes several): `{{quote path}}`. */
  quote: (value) => (Array.isArray(value) ? value : [value]).map((v) => shellWord(String(v))).join(' '),
  json: (value) => JSON.stringify(value),
  default: (value, fallback) => (value === undefined || value === null || value === '' ? fallback : value),
  join: (list, sep) => (list as unknown[]).join(typeof sep === 'string' ? sep : ','),
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => (a as number) > (b as number),
  lt: (a, b) => (a as number) < (b as number),
  and: (...args) => rest(args).every(Boolean),
  or: (...args) => rest(args).some(Boolean),
  not: (a) => !a,
  add: (a, b) => Number(a) + Number(b),
  upper: (s) => String(s).toUpperCase(),
  lower: (s) => String(s).toLowerCase(),
  cidr_address: (c) => cidrParts(c).address,
  cidr_prefix: (c) => cidrParts(c).prefix,
  cidr_netmask: (c) => netmaskOf(cidrParts(c).prefix),
  cidr_network: (c) => networkOf(String(c)),
  /** A port GUID (0x248a070300a80a80) as the colon form that ends an IPoIB hardware address. */
  guid_colons: (guid) => String(guid).replace(/^0x/, '').padStart(16, '0').match(/../g)?.join(':') ?? '',
  /** First capture group (or the whole match) of a regular expression, '' when nothing matches. */
  regex_search: (text, pattern) => {
    const m = new RegExp(String(pattern), 'm').exec(String(text));
    return m ? (m[1] ?? m[0]) : '';
  },
};
for (const [name, fn] of Object.entries(helpers)) registerTemplateHelper(name, fn);

/** A Handlebars helper, by name (what tells `{{quote x}}` from a Jinja `{{ x | quote }}`). */
export function isHandlebarsHelper(name: string): boolean {
  return Object.hasOwn(hbs().helpers, name);
}

interface JinjaHelperOptions {
  data?: { root?: unknown };
}

/** The variables a Jinja value sees: the template's root, and inside `{{#each}}`/`{{#with}}` the block's object. */
function jinjaScope(context: unknown, options: JinjaHelperOptions): Record<string, unknown> {
  const root = (options.data?.root ?? {}) as Record<string, unknown>;
  if (context === root || context === undefined) return root;
  const own = context && typeof context === 'object' && !Array.isArray(context) ? context : {};
  return { ...root, ...own, this: context };
}

function evaluateRegistered(id: unknown, context: unknown, options: JinjaHelperOptions): unknown {
  const source = registeredExpression(Number(id));
  try {
    return evaluateExpression(source, jinjaScope(context, options), 'value');
  } catch (e) {
    if (e instanceof ExpressionError) throw new TemplateError(`in {{ ${source} }}: ${e.message}`);
    throw e;
  }
}

// `{{ expr }}` in text prints as Jinja prints (Python's str: ['a', 'b'], True, None)...
registerTemplateHelper(JINJA_HELPER, function (this: unknown, id: unknown, options: JinjaHelperOptions) {
  // Ansible's templar prints a None result as '' (its finalize), Python's str() every other value.
  const value = evaluateRegistered(id, this, options);
  return value === null ? '' : pyStr(value);
});
/** ...and as a value (a shell script's word list, quoted by shell-script.ts), itself. */
export const JINJA_VALUE_HELPER = '__jv';
registerTemplateHelper(JINJA_VALUE_HELPER, function (this: unknown, id: unknown, options: JinjaHelperOptions) {
  return evaluateRegistered(id, this, options);
});

/** A value's text as Handlebars reads it: Jinja mustaches become `__j` calls (see jinja-values.ts). */
export function valueTemplate(source: string): string {
  try {
    return rewriteJinja(source, isHandlebarsHelper);
  } catch (e) {
    throw toTemplateError(e);
  }
}

/** Compiled templates by source; bounded so host-specific sources cannot grow it with the fleet. */
const compiled = new BoundedCache<string, Handlebars.TemplateDelegate>(4096);

function compile(source: string, rewrite: (source: string) => string = valueTemplate): Handlebars.TemplateDelegate {
  let fn = compiled.get(source);
  if (!fn) {
    const text = rewrite(source);
    fn = interpolation(text) ?? hbs().compile(text, { noEscape: true, strict: true });
    compiled.set(source, fn);
  }
  return fn;
}

/**
 * What Jinja-only text holds between its literal parts: a rewritten Jinja mustache (`{{__j 12   }}`, its
 * blanks keeping the source's columns and lines), or a plain reference (`{{ item.name }}`).
 */
const INTERPOLATED = new RegExp(
  `\\{\\{${JINJA_HELPER} (\\d+)\\s*\\}\\}|\\{\\{\\s*([A-Za-z_]\\w*(?:\\.\\w+)*)\\s*\\}\\}`,
  'g',
);

type Interpolated = { text: string } | { jinja: string } | { path: string[] };

/** What plainLookup returns where a step of the path is not an own property. */
const NOT_PLAIN: unique symbol = Symbol('not plain');
/**
 * A reference's value as Handlebars' strict lookup finds it, when every step is an own property; else
 * NOT_PLAIN. Also the lookup of renderValue's `{{ name }}` (lookupPath), which throws on NOT_PLAIN.
 */
function plainLookup(path: readonly string[], vars: Record<string, unknown>): unknown {
  let value: unknown = vars;
  for (const name of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, name)) return NOT_PLAIN;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/**
 * Text whose mustaches are only Jinja expressions and plain references (`ip link show {{ item.name }}`: most
 * task arguments) is rendered without Handlebars, its parts in turn: a Jinja expression printed as the `__j`
 * helper prints it, a reference as Handlebars appends it ("" + value, nothing for null). Handlebars prints the
 * same, but sets up its helpers afresh on every call (a wrapper per helper per render), which cost more than
 * rendering such text. A reference that is not an own property all the way down (or names a function, which Handlebars
 * would call) is left to Handlebars, which reports it as it always has (undefined variable, line and column). Anything else Handlebars reads (helpers,
 * blocks, comments, `\\{{` escapes, `this`) keeps Handlebars for the whole text.
 */
function interpolation(text: string): Handlebars.TemplateDelegate | undefined {
  const parts: Interpolated[] = [];
  let at = 0;
  for (const m of text.matchAll(INTERPOLATED)) {
    const literal = text.slice(at, m.index);
    if (literal.includes('{{') || literal.endsWith('\\') || literal.endsWith('{')) return undefined;
    if (literal) parts.push({ text: literal });
    if (m[1] !== undefined) parts.push({ jinja: m[1] });
    else {
      const path = (m[2] as string).split('.');
      const head = path[0] as string;
      if (head === 'this' || head === 'else' || isHandlebarsHelper(head)) return undefined;
      if (path.some((name) => name === '__proto__' || name === 'constructor')) return undefined;
      parts.push({ path });
    }
    at = m.index + m[0].length;
  }
  const rest = text.slice(at);
  if (rest.includes('{{')) return undefined;
  if (rest) parts.push({ text: rest });
  let byHandlebars: Handlebars.TemplateDelegate | undefined;
  return (vars: Record<string, unknown>, options?: Handlebars.RuntimeOptions) => {
    let out = '';
    for (const part of parts) {
      if ('text' in part) out += part.text;
      else if ('jinja' in part) {
        const value = evaluateRegistered(part.jinja, vars, { data: { root: vars } });
        out += value === null ? '' : pyStr(value);
      } else {
        const value = plainLookup(part.path, vars);
        if (value === NOT_PLAIN || typeof value === 'function') {
          byHandlebars ??= hbs().compile(text, { noEscape: true, strict: true });
          return byHandlebars(vars, options);
        }
        out += value === null || value === undefined ? '' : `${value}`;
      }
    }
    return out;
  };
}

/** Whether text renders without Handlebars (see interpolation): what the tests pin down. */
export function rendersWithoutHandlebars(source: string): boolean {
  return source.includes('{{') && interpolation(valueTemplate(source)) !== undefined;
}

/** Parses template text into Handlebars' syntax tree (whitespace control applied). */
export function parseTemplate(source: string): hbs.AST.Program {
  try {
    return hbs().parse(source);
  } catch (e) {
    throw toTemplateError(e);
  }
}

export function registerTemplateHelper(name: string, fn: Helper): void {
  registered.set(name, fn);
  helpersVersion++;
  instance?.registerHelper(name, fn);
}

/** Renders a syntax tree built once per cache key (a rewritten template). Throws TemplateError. */
export function compileProgram(key: string, build: () => hbs.AST.Program, vars: Record<string, unknown>): string {
  let fn = compiled.get(key);
  if (!fn) {
    fn = hbs().compile(build(), { noEscape: true, strict: true });
    compiled.set(key, fn);
  }
  try {
    return fn(vars, { allowProtoPropertiesByDefault: false });
  } catch (e) {
    throw toTemplateError(e);
  }
}

/** Rewrites Handlebars' own messages ('"x" not defined in [object Object] - 3:4') into ours. */
function toTemplateError(e: unknown): TemplateError {
  if (e instanceof TemplateError) return e;
  if (e instanceof JinjaValueError) return new TemplateError(e.message, e.line, e.column);
  if (e instanceof ExpressionError) return new TemplateError(e.message);
  const message = (e as Error).message ?? String(e);
  const undefinedVar = /^"([^"]+)" not defined in .* - (\d+):(\d+)/.exec(message);
  if (undefinedVar) {
    return new TemplateError(
      `undefined variable "${undefinedVar[1]}"`,
      Number(undefinedVar[2]),
      Number(undefinedVar[3]) + 1,
    );
  }
  const parse = /Parse error on line (\d+):\n([\s\S]*)/.exec(message);
  if (parse) return new TemplateError(`template syntax error: ${parse[2]?.split('\n').pop()}`, Number(parse[1]));
  return new TemplateError(message.split('\n')[0] ?? message);
}

/** Renders template text. Throws TemplateError with line/column. */
export function renderText(source: string, vars: Record<string, unknown>): string {
  if (!source.includes('{{')) {
    if (source.includes('{%')) valueTemplate(source);
    return source;
  }
  try {
    return compile(source)(vars, { allowProtoPropertiesByDefault: false });
  } catch (e) {
    throw toTemplateError(e);
  }
}

/** Handlebars' opcode compiler: public (Handlebars.Compiler) but missing from its type declarations. */
interface HandlebarsCompiler {
  Compiler: new () => { compile(ast: hbs.AST.Program, options: object): unknown };
}

/** Checks template syntax without rendering (at load time). */
export function checkTemplate(source: string): void {
  if (!source.includes('{{')) {
    if (source.includes('{%')) valueTemplate(source);
    return;
  }
  // Jinja expressions and plain references only (most values): rendered without Handlebars (see interpolation),
  // so Handlebars has nothing to refuse; rewriting the Jinja parts has parsed them. Skipping Handlebars here
  // took about a third off loading playbooks/iser.yml.
  const text = valueTemplate(source);
  if (interpolation(text) !== undefined) return;
  try {
    // Handlebars' own precompile without its last step: parse and compile to opcodes catch every error
    // precompile reports (syntax, bad paths, mismatched blocks); generating JavaScript source, which
    // nothing here would run, was most of the cost of loading a playbook.
    const options = { noEscape: true, strict: true, data: true };
    new (hbs() as unknown as HandlebarsCompiler).Compiler().compile(hbs().parse(text), options);
  } catch (e) {
    throw toTemplateError(e);
  }
}

// Exactly one reference and nothing around it: `"{{ x }}\n"` is text and keeps its newline.
const SINGLE_REFERENCE = /^\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}$/;

function lookupPath(path: string, vars: Record<string, unknown>): unknown {
  const value = plainLookup(path.split('.'), vars);
  if (value === NOT_PLAIN) throw new TemplateError(`undefined variable "${path}"`);
  return value;
}

/**
 * Renders every string inside a value. A string that is exactly one `{{ name }}` keeps the variable's
 * own type (a list stays a list, a number a number), as Ansible's native types do.
 */
export function renderValue(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const shape = valueShape(value);
    if (shape.reference !== undefined) return lookupPath(shape.reference, vars);
    const expression = shape.expression;
    if (expression !== undefined) {
      try {
        return evaluateExpression(expression, vars, 'value');
      } catch (e) {
        if (e instanceof ExpressionError) throw new TemplateError(`in {{ ${expression} }}: ${e.message}`);
        throw e;
      }
    }
    return renderText(value, vars);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, vars));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, vars);
    return out;
  }
  return value;
}

/** What renderValue does with a string: look one path up, evaluate one Jinja expression, or render text. */
interface ValueShape {
  reference?: string;
  expression?: string;
}

/**
 * Each string's shape, worked out once: the same argument renders on every host and every item. Only
 * strings that classify are kept (one that does not throws again, with its message, at each render).
 */
const shapes = new BoundedCache<string, ValueShape>(4096);

const TEXT: ValueShape = {};

function valueShape(value: string): ValueShape {
  // Both shapes start with a mustache: any other string is text (and not kept).
  if (!value.startsWith('{{')) return TEXT;
  let shape = shapes.get(value);
  if (!shape) {
    const single = SINGLE_REFERENCE.exec(value);
    shape = single ? { reference: single[1] as string } : { expression: singleJinjaValue(value) };
    shapes.set(value, shape);
  }
  return shape;
}

function singleJinjaValue(value: string): string | undefined {
  try {
    return singleJinjaExpression(value, isHandlebarsHelper);
  } catch (e) {
    throw toTemplateError(e);
  }
}

/**
 * A template file (`template: src=...`) is Handlebars only: a Jinja statement or expression in it is
 * refused with its line and column, rather than written to a host half-rendered.
 */
export function checkTemplateFile(source: string): void {
  try {
    refuseStatements(source);
  } catch (e) {
    if (!(e instanceof JinjaValueError)) throw e;
    throw new TemplateError(
      `this is a Jinja template; template files are Handlebars here (${e.message.replace(/ in a value.*$/, '')}): write {{#each list}}...{{/each}} and {{#if x}}...{{/if}} (see README, "For Ansible users")`,
      e.line,
      e.column,
    );
  }
  const jinja = scanMustaches(source, isHandlebarsHelper).find((m) => m.kind === 'jinja');
  if (jinja) {
    const { line, column } = positionOf(source, jinja.start);
    throw new TemplateError(
      `{{${jinja.inner}}} is a Jinja expression; template files are Handlebars here: write {{name}} or a helper call such as {{default x 'y'}}, {{join list ','}}, {{upper x}} (filters work in playbook values, not in template files)`,
      line,
      column,
    );
  }
}

/** Renders a template file: Handlebars as written, nothing rewritten. Throws TemplateError. */
/** Template files that passed checkTemplateFile: each host renders the same file, checked once. */
const checkedFiles = new Set<string>();

export function renderTemplateFile(source: string, vars: Record<string, unknown>): string {
  if (!checkedFiles.has(source)) {
    checkTemplateFile(source);
    checkedFiles.add(source);
  }
  if (!source.includes('{{')) return source;
  try {
    return compile(`file\0${source}`, (s) => s.slice(5))(vars, { allowProtoPropertiesByDefault: false });
  } catch (e) {
    throw toTemplateError(e);
  }
}

export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%');
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}
