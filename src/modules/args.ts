import { closestName } from '../closest-name.js';

// Loaders name the closest known keyword with the same rule as module arguments.
export { closestName };

/** Declared arguments of a module: checked once at load (types of literal values) and again per host after templating. */
export type ArgType = 'str' | 'int' | 'bool' | 'list' | 'dict' | 'mode' | 'raw';

export interface ArgSpec {
  type: ArgType;
  required?: boolean;
  choices?: readonly string[];
  default?: unknown;
  aliases?: readonly string[];
  /** Secret values are never printed (CHAP passwords, content of key files). */
  secret?: boolean;
  /**
   * How the engine renders a template string here: 'words' splits it into argv words first and renders
   * each word alone (a value can never become two arguments); 'shell' quotes every {{ value }} as one
   * shell word ({{{ value }}} stays raw, on purpose). Default: plain rendering.
   */
  render?: 'words' | 'shell';
}

export type ArgSchema = Record<string, ArgSpec>;

export class ArgError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  return typeof v;
}

/** A value as an error message shows it: never a secret argument's (nor one whose name says password or secret). */
function shown(field: string, spec: ArgSpec, v: unknown): string {
  return spec.secret || /pass(word|phrase|wd)?|secret/i.test(field) ? '(value hidden: secret)' : JSON.stringify(v);
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

function coerce(field: string, spec: ArgSpec, v: unknown): unknown {
  const bad = (expected: string) =>
    new ArgError(`argument '${field}': expected ${expected}, received ${typeName(v)} ${shown(field, spec, v)}`, field);
  switch (spec.type) {
    case 'raw':
      return v;
    case 'str':
      if (typeof v === 'string') break;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw bad('a string');
    case 'int': {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n === 'number' && Number.isInteger(n)) return n;
      throw bad('an integer');
    }
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (TRUE_WORDS.includes(String(v).toLowerCase())) return true;
      if (FALSE_WORDS.includes(String(v).toLowerCase())) return false;
      throw bad('a boolean (true/false)');
    case 'list':
      if (Array.isArray(v)) return v;
      if (typeof v === 'string')
        return v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      throw bad('a list');
    case 'dict':
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
      throw bad('a mapping');
    case 'mode': {
      // YAML reads 0644 as the number 644 in the 1.2 core schema; Ansible users write both, quote or not.
      const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
      if (/^0?[0-7]{3,4}$/.test(s)) return Number.parseInt(s, 8);
      throw bad("a file mode such as '0644'");
    }
  }
  if (spec.choices && !spec.choices.includes(String(v))) {
    throw new ArgError(
      `argument '${field}': expected one of ${spec.choices.join(', ')}, received ${shown(field, spec, v)}`,
      field,
    );
  }
  return v;
}

/** Values of arguments declared secret: the engine hides them in every output. */
export function secretValues(schema: ArgSchema, args: Record<string, unknown>): string[] {
  return Object.entries(schema).flatMap(([name, spec]) =>
    spec.secret && typeof args[name] === 'string' && args[name] ? [args[name] as string] : [],
  );
}

/** Checks names and (unless `templated` says a value is still a template) types. Returns the typed arguments. */
export function validateArgs(
  moduleName: string,
  schema: ArgSchema,
  raw: Record<string, unknown>,
  isTemplate: (v: unknown) => boolean = () => false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names = Object.keys(schema);
  const aliasOf = new Map<string, string>();
  for (const [name, spec] of Object.entries(schema)) for (const a of spec.aliases ?? []) aliasOf.set(a, name);
  for (const [key, value] of Object.entries(raw)) {
    const name = schema[key] ? key : aliasOf.get(key);
    if (!name) {
      const near = closestName(key, names);
      throw new ArgError(
        `module '${moduleName}' has no argument '${key}'${near ? ` (did you mean '${near}'?)` : ''}; valid: ${names.join(', ')}`,
        key,
      );
    }
    const spec = schema[name] as ArgSpec;
    out[name] = isTemplate(value) || value === null ? value : coerce(name, spec, value);
  }
  for (const [name, spec] of Object.entries(schema)) {
    if (out[name] === undefined || out[name] === null) {
      if (spec.required) throw new ArgError(`module '${moduleName}' needs argument '${name}'`, name);
      if (spec.default !== undefined) out[name] = spec.default;
      else delete out[name];
    }
  }
  return out;
}
