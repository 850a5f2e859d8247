import { quote } from 'shell-quote';

/**
 * A command to run on a host. Commands are values, never strings glued together: `argv` is quoted
 * argument by argument when it crosses into the remote shell; `script` is an explicit shell program
 * (the `shell` module, or sshplay's own fixed scripts) whose interpolated values were quoted by `sh`.
 */
export type Cmd = { argv: readonly string[] } | { script: string };

/**
 * A word made only of these characters means itself to sh, and shell-quote gives it back as it is: most
 * argv words (tool names, options, paths) take this way, without shell-quote's five regular expressions.
 */
const PLAIN_WORD = /^[A-Za-z0-9_./+%-]+$/;

/** Quotes one argument for a POSIX shell. */
export function quoteArg(arg: string): string {
  if (PLAIN_WORD.test(arg)) return arg;
  return quote([arg]) || "''";
}

/** The shell text of a command: argv quoted word by word, a script as written. */
export function shellText(cmd: Cmd): string {
  if ('script' in cmd) return cmd.script;
  return cmd.argv.map(quoteArg).join(' ');
}

/**
 * Tagged template for shell scripts: every interpolated value is quoted as one word; an array becomes
 * several quoted words. `sh\`rm -f ${path}\`` can never run what `path` contains.
 */
export function sh(strings: TemplateStringsArray, ...values: unknown[]): { script: string } {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const words = Array.isArray(value) ? value.map(String) : [String(value)];
    out += words.map(quoteArg).join(' ') + (strings[i + 1] ?? '');
  });
  return { script: out };
}

/** Human-readable form of a command, for reports and --check previews. */
export function describeCmd(cmd: Cmd): string {
  return shellText(cmd);
}

/** Splits a command template into words, keeping quoted text and {{ ... }} expressions whole. */
export function splitWords(template: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (template.startsWith('{{', i)) {
      const end = template.indexOf('}}', i);
      const stop = end < 0 ? template.length : end + 2;
      word += template.slice(i, stop);
      inWord = true;
      i = stop - 1;
    } else if (c === '"' || c === "'") {
      let end = i + 1;
      for (; end < template.length && template[end] !== c; end++) {
        // As sh and shlex: inside double quotes a backslash escapes `"` and `\`.
        if (c === '"' && template[end] === '\\' && (template[end + 1] === '"' || template[end + 1] === '\\')) end++;
        word += template[end];
      }
      if (end >= template.length) throw new Error(`unterminated ${c} quote in: ${template}`);
      inWord = true;
      i = end;
    } else if (c === '\\' && i + 1 < template.length) {
      word += template[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
