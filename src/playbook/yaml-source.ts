import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type Location } from '../errors.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { excerptWithCaret, plainYamlError } from './yaml-error.js';

/** The largest playbook, task, vars or -e file read (a config file, not data). */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;
/** Aliases one document may expand (yaml's own guard against an alias bomb, resource exhaustion). */
const MAX_ALIAS_COUNT = 1000;

/**
 * A config file's text, bounded: a regular file (after links) of at most MAX_CONFIG_FILE_BYTES, so
 * `import_tasks: /dev/zero` or a FIFO fails at once instead of reading forever. Throws the system error
 * (ENOENT, ...) or an Error saying why the file is refused.
 */
export function readConfigText(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_CONFIG_FILE_BYTES)
      throw new Error(`${st.size} bytes, more than the ${MAX_CONFIG_FILE_BYTES} a config file may have`);
    const buffer = Buffer.alloc(st.size + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buffer, got, buffer.length - got, null);
      if (n === 0) break;
      got += n;
      if (got > st.size) throw new Error('the file grew while being read');
    }
    return buffer.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A parsed YAML file that can say where any of its values came from (file:line:column + the line). */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly text: string,
    readonly root: Node | null,
    private readonly lines: LineCounter,
    private readonly doc: Document,
    /** Decrypted from a vault: messages give line and column but never show its lines. */
    private readonly vaulted = false,
  ) {}

  /** Parses a YAML file; vaults in it (a whole-file vault, `!vault` values) are opened with `keyring`. */
  static parse(file: string, fileText: string, keyring: VaultKeyring): YamlSource {
    const { text, vaulted } = keyring.openFile(file, fileText);
    const lines = new LineCounter();
    // YAML 1.2 core schema: `mode: 0644` stays the digits 644 (read as octal by the mode type), where
    // YAML 1.1 would silently turn it into the number 420. yes/no become strings; bool arguments accept them.
    // `!vault |` values (ansible-vault encrypt_string) are decrypted as they are read.
    const doc = parseDocument(text, {
      lineCounter: lines,
      uniqueKeys: true,
      prettyErrors: false,
      merge: true,
      customTags: [keyring.tag],
    });
    const source = new YamlSource(file, text, (doc.contents as Node | null) ?? null, lines, doc, vaulted);
    const error = doc.errors[0];
    if (error?.code === 'TAG_RESOLVE_FAILED') {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new ConfigError(error.message.split('\n')[0] ?? error.message, source.at(line, col));
    }
    if (error) {
      const plain = plainYamlError(error, text, lines);
      const where = source.at(plain.line, plain.column);
      throw new ConfigError(`YAML syntax error: ${plain.message}`, {
        ...where,
        excerpt: where.excerpt === undefined ? undefined : excerptWithCaret(where.excerpt, plain.column),
      });
    }
    if (vaulted) keyring.remember(source.toJS());
    return source;
  }

  static async load(file: string, keyring: VaultKeyring): Promise<YamlSource> {
    let text: string;
    try {
      text = readConfigText(file);
    } catch (e) {
      throw new ConfigError(`cannot read file: ${(e as Error).message}`, { file });
    }
    return YamlSource.parse(file, text, keyring);
  }

  /** The text's lines, split once: every task and keyword asks where it is (and for its line) at load. */
  private lineTexts?: string[];

  at(line: number, column: number): Location {
    if (this.vaulted) return { file: this.file, line, column, excerpt: undefined };
    this.lineTexts ??= this.text.split('\n');
    return { file: this.file, line, column, excerpt: this.lineTexts[line - 1] };
  }

  where(node: unknown): Location {
    const range = (node as Node | undefined)?.range;
    if (!range) return { file: this.file };
    const pos = this.lines.linePos(range[0]);
    return this.at(pos.line, pos.col);
  }

  /**
   * The plain value of a node, anchors and aliases (and `<<` merge keys) resolved as Ansible's YAML
   * loader does; more than MAX_ALIAS_COUNT alias expansions (an alias bomb) is a configuration error.
   */
  toJS(node: Node | null = this.root): unknown {
    if (!node) return null;
    try {
      return node.toJS(this.doc, { maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      if (e instanceof ReferenceError || /alias/i.test((e as Error).message))
        throw new ConfigError(
          `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT}: an alias bomb?) or do not resolve: ${(e as Error).message}`,
          this.where(node),
        );
      throw e;
    }
  }
}

/** The node under a key of a YAML mapping node (to point errors at it). */
export function childNode(node: unknown, key: string | number): Node | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(key)) {
        return (pair.value as Node | null) ?? (pair.key as Node);
      }
    }
  }
  if (isSeq(node) && typeof key === 'number') return node.items[key] as Node | undefined;
  return undefined;
}

/** The key node itself (an unknown key is reported at the key, not at its value). */
export function keyNode(node: unknown, key: string): Node | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) return pair.key as Node;
    }
  }
  return undefined;
}
