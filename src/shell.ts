import { quote } from 'shell-quote';

/**
 * A command to run on a host. Commands are values, never strings glued together: `argv` is quoted
 * argument by argument when it crosses into the remote shell; `script` is an explicit shell program
 * (the `shell` module, or sshplay's own fixed scripts) whose interpolated values were quoted by `sh`.
 */
export type Cmd = { argv: readonly string[] } | { script: string };

/** Quotes one argument for a POSIX shell. */
export function quoteArg(arg: string): string {
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
