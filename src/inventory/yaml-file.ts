import { type Document, isAlias, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type Location } from '../errors.js';
import { excerptWithCaret, plainYamlError } from '../playbook/yaml-error.js';
import type { VaultKeyring } from '../vault/keyring.js';

/** A parsed YAML inventory or vars file that can point at any of its nodes as file:line:column. */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly lines: string[],
    private readonly doc: Document,
    private readonly counter: LineCounter,
  ) {}

  /** `keyring` opens a file encrypted whole and `!vault` values, and remembers what they held for redaction. */
  static parse(file: string, fileText: string, keyring: VaultKeyring): YamlFile {
    const { text, vaulted } = keyring.openFile(file, fileText);
    const counter = new LineCounter();
    // YAML 1.2 core schema, as the playbook loader reads playbooks, so a value reads the same in either place;
    // merge keys (<<) on because Ansible's YAML has them; `!vault |` values are decrypted as they are read.
    const doc = parseDocument(text, {
      lineCounter: counter,
      merge: true,
      prettyErrors: false,
      customTags: [keyring.tag],
    });
    // A decrypted file's lines are never shown in messages: they are its secrets.
    const yaml = new YamlFile(file, vaulted ? [] : text.split(/\r?\n/), doc, counter);
    const error = doc.errors[0];
    if (error?.code === 'TAG_RESOLVE_FAILED') {
      const pos = counter.linePos(error.pos[0]);
      throw new ConfigError(error.message.split('\n')[0] ?? error.message, yaml.at(pos.line, pos.col));
    }
    if (error) {
      // Said in plain words at the offending key, with a caret (the parser's wording is jargon to a user).
      const plain = plainYamlError(error, text, counter);
      const where = yaml.at(plain.line, plain.column);
      throw new ConfigError(`YAML syntax error: ${plain.message}`, {
        ...where,
        excerpt: where.excerpt === undefined ? undefined : excerptWithCaret(where.excerpt, plain.column),
      });
    }
    if (vaulted) keyring.remember(doc.toJS());
    return yaml;
  }

  /** The document's top node; null for an empty document. */
  get root(): Node | null {
    return this.resolve(this.doc.contents);
  }

  /** The node itself, or what an alias (*name) points at. */
  resolve(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return (node as Node | null | undefined) ?? null;
  }

  toJS(node: unknown): unknown {
    const target = this.resolve(node);
    return target ? target.toJS(this.doc) : null;
  }

  at(line: number, column: number): Location {
    return { file: this.file, line, column, excerpt: this.lines[line - 1] };
  }

  where(node: unknown): Location {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return { file: this.file };
    const pos = this.counter.linePos(range[0]);
    return this.at(pos.line, pos.col);
  }
}
