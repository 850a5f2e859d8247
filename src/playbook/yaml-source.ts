import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type Location } from '../errors.js';
import { openVaultFile, rememberVaultSecrets, vaultTag } from '../vault/keyring.js';

/** A parsed YAML file that can say where any of its values came from (file:line:column + the line). */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly text: string,
    readonly root: Node | null,
    private readonly lines: LineCounter,
    /** Decrypted from a vault: messages give line and column but never show its lines. */
    private readonly vaulted = false,
  ) {}

  static parse(file: string, fileText: string): YamlSource {
    const { text, vaulted } = openVaultFile(file, fileText);
    const lines = new LineCounter();
    // YAML 1.2 core schema: `mode: 0644` stays the digits 644 (read as octal by the mode type), where
    // YAML 1.1 would silently turn it into the number 420. yes/no become strings; bool arguments accept them.
    // `!vault |` values (ansible-vault encrypt_string) are decrypted as they are read.
    const doc = parseDocument(text, {
      lineCounter: lines,
      uniqueKeys: true,
      prettyErrors: false,
      customTags: [vaultTag],
    });
    const source = new YamlSource(file, text, (doc.contents as Node | null) ?? null, lines, vaulted);
    const error = doc.errors[0];
    if (error?.code === 'TAG_RESOLVE_FAILED') {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new ConfigError(error.message.split('\n')[0] ?? error.message, source.at(line, col));
    }
    if (error) {
      let { line, col } = lines.linePos(error.pos[0]);
      // An error found at the end of the text (an unclosed quote or bracket) is shown on the last line that has text.
      const textLines = text.split('\n');
      while (line > 1 && !textLines[line - 1]?.trim()) {
        line--;
        col = (textLines[line - 1]?.length ?? 0) + 1;
      }
      const message = error.message.split('\n')[0] ?? error.message;
      throw new ConfigError(`YAML syntax error: ${message}`, source.at(line, col));
    }
    if (vaulted) rememberVaultSecrets(doc.toJS());
    return source;
  }

  static async load(file: string): Promise<YamlSource> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read file: ${(e as Error).message}`, { file });
    }
    return YamlSource.parse(file, text);
  }

  at(line: number, column: number): Location {
    return { file: this.file, line, column, excerpt: this.vaulted ? undefined : this.text.split('\n')[line - 1] };
  }

  where(node: unknown): Location {
    const range = (node as Node | undefined)?.range;
    if (!range) return { file: this.file };
    const pos = this.lines.linePos(range[0]);
    return this.at(pos.line, pos.col);
  }

  toJS(node: Node | null = this.root): unknown {
    if (!node) return null;
    return (node as { toJSON(): unknown }).toJSON();
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
