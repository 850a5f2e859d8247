/**
 * The floors' scripts, built from what a real sshplay run did (bench/trace-hook.ts records its requests
 * per host) and from what reached the simulated tools (the hosts' argv log, /var/log/sim/calls.argv).
 * Pure functions: the bench runs the scripts (bench/floor-runner.ts), test/unit/bench-trace.test.ts
 * checks what they say.
 */

/** One request sshplay made of a host, as the trace hook records it. */
export interface TraceEntry {
  /** Epoch milliseconds (fractional) when the request was made. */
  t: number;
  host: string;
  kind: 'read' | 'run' | 'readFiles' | 'write';
  /** read/run: each command's shell text, as sent. */
  scripts?: string[];
  rcs?: number[];
  /** readFiles: the paths read. */
  paths?: string[];
  /** write: the file, its content (base64) and the mode asked for. */
  path?: string;
  content?: string;
  mode?: number;
}

/** One call of a simulated tool, from the argv log: `<epoch-ms> <exit status> <argv quoted by %q>`. */
export interface ToolCall {
  t: number;
  rc: number;
  /** The call as bash words (each argument quoted by bash's printf %q): runnable as it is. */
  argv: string;
}

export function parseTrace(text: string): TraceEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as TraceEntry);
}

export function parseArgvLog(text: string): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.length === 0) continue;
    const m = /^(\d+) (\d+) (.+)$/.exec(line);
    if (!m) throw new Error(`calls.argv line ${i + 1}: expected '<ms> <status> <argv>', got '${line}'`);
    calls.push({ t: Number(m[1]), rc: Number(m[2]), argv: m[3] as string });
  }
  // Lines are written when a call ends; a call's place is when it started.
  return calls.sort((a, b) => a.t - b.t);
}

/** A POSIX single-quoted word. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The reads of a read-only run (a --check, or a second run that changes nothing) as one script: every
 * command the run sent, in order, each in its own subshell with stdin closed (as sshplay's shell runs
 * them), and one `cat` of every file it read (sshplay reads those over SFTP, without a process).
 * Output goes back to the caller, as sshplay's does.
 */
export function readFloorScript(entries: readonly TraceEntry[]): string {
  const lines: string[] = ['export LC_ALL=C LANG=C'];
  const files = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'read' || e.kind === 'run') for (const s of e.scripts ?? []) lines.push(`(\n${s}\n) </dev/null`);
    else if (e.kind === 'readFiles') for (const p of e.paths ?? []) files.add(p);
    else throw new Error(`${e.host}: a read-only run wrote ${e.path}: it is not read-only`);
  }
  if (files.size > 0) lines.push(`cat -- ${[...files].map(q).join(' ')} 2>/dev/null`);
  lines.push('exit 0', '');
  return lines.join('\n');
}

/** Bytes as a bash $'...' word (printable ASCII as it is, all else as \xHH). */
export function ansiCWord(bytes: Buffer): string {
  let out = "$'";
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

/**
 * A file written as cheaply as bash allows: for a new file no process (the umask gives the mode: a
 * redirection creates files with at most 0666), chmod for an existing one or for execute or set-id bits.
 */
function writeLines(path: string, content: Buffer, mode: number | undefined): string[] {
  const m = (mode ?? 0o644).toString(8).padStart(4, '0');
  const umask = (0o777 & ~(mode ?? 0o644)).toString(8).padStart(4, '0');
  const chmodNew = mode !== undefined && (mode & 0o7111) !== 0 ? `; chmod ${m} ${q(path)}` : '';
  if (content.includes(0)) {
    // bash strings cannot hold NUL: one base64 process for such a file
    return [
      `umask ${umask}; printf '%s' ${q(content.toString('base64'))} | base64 -d > ${q(path)}; umask 0022`,
      ...(mode === undefined ? [] : [`chmod ${m} ${q(path)}`]),
    ];
  }
  return [
    `if [ -e ${q(path)} ]; then printf '%s' ${ansiCWord(content)} > ${q(path)}${mode === undefined ? '' : `; chmod ${m} ${q(path)}`}`,
    `else umask ${umask}; printf '%s' ${ansiCWord(content)} > ${q(path)}; umask 0022${chmodNew}; fi`,
  ];
}

/**
 * A first run's own remote work as one bash script with `set -e`: the files it wrote and every call of a
 * simulated tool it caused, merged in the order they happened; each call must end as it did in the run
 * (its exit status, zero or not), else the script stops there. What the tool printed is not needed.
 */
export function workFloorScript(calls: readonly ToolCall[], writes: readonly TraceEntry[]): string {
  type Step = { t: number; lines: string[] };
  const steps: Step[] = [
    ...calls.map((c) => ({
      // the log has whole milliseconds: the call started within that millisecond
      t: c.t + 0.5,
      lines: [`rc=0; ${c.argv} </dev/null >/dev/null 2>&1 || rc=$?; [ "$rc" = ${c.rc} ]`],
    })),
    ...writes.map((w) => {
      if (w.kind !== 'write' || w.path === undefined) throw new Error('workFloorScript: writes only');
      return { t: w.t, lines: writeLines(w.path, Buffer.from(w.content ?? '', 'base64'), w.mode) };
    }),
  ].sort((a, b) => a.t - b.t);
  return ['set -e', 'export LC_ALL=C LANG=C', ...steps.flatMap((s) => s.lines), 'exit 0', ''].join('\n');
}

/** Where two call sequences part (argv and exit status, times ignored), or null when they are the same. */
export function firstDifference(expected: readonly ToolCall[], actual: readonly ToolCall[]): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e?.argv !== a?.argv || e?.rc !== a?.rc)
      return `call ${i + 1} of ${expected.length}: expected ${e ? `${e.argv} (exit ${e.rc})` : 'nothing'}, got ${a ? `${a.argv} (exit ${a.rc})` : 'nothing'}`;
  }
  return null;
}
