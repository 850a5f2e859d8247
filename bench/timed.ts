/** One command, timed from spawn to exit, its output kept (stdout and stderr together) for failures. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');

export interface Timing {
  seconds: number;
  code: number;
  output: string;
}

export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timing> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('exit', (code) =>
      resolve({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        code: code ?? 1,
        output: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

/** The lines of a run's output that say what went wrong: failed tasks, unreachable hosts, errors, and the recap lines that count them. */
export function failureLines(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /^(fatal|unreachable|failed):|fatal:|UNREACHABLE|ERROR|unreachable=[1-9]|failed=[1-9]/.test(l));
}
