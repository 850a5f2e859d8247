import { type Document, isAlias, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type Location } from '../errors.js';
import { openVaultFile, rememberVaultSecrets, vaultTag } from '../vault/keyring.js';

/** A parsed YAML inventory or vars file that can point at any of its nodes as file:line:column. */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly lines: string[],
    private readonly doc: Document,
    private readonly counter: LineCounter,
  ) {}

  static parse(file: string, fileText: string): YamlFile {
    const { text, vaulted } = openVaultFile(file, fileText);
    const counter = new LineCounter();
    // YAML 1.2 core schema, as the playbook loader reads playbooks, so a value reads the same in either place;
    // merge keys (<<) on because Ansible's YAML has them; `!vault |` values are decrypted as they are read.
    const doc = parseDocument(text, { lineCounter: counter, merge: true, prettyErrors: false, customTags: [vaultTag] });
    // A decrypted file's lines are never shown in messages: they are its secrets.
    const yaml = new YamlFile(file, vaulted ? [] : text.split(/\r?\n/), doc, counter);
    const error = doc.errors[0];
    if (error) {
      const pos = counter.linePos(error.pos[0]);
      const message = error.message.split('\n')[0] ?? error.message;
      const prefix = error.code === 'TAG_RESOLVE_FAILED' ? '' : 'YAML syntax error: ';
      throw new ConfigError(`${prefix}${message}`, yaml.at(pos.line, pos.col));
    }
    if (vaulted) rememberVaultSecrets(doc.toJS());
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
