/** One command, timed from spawn to exit, its output kept (stdout and stderr together) for failures. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');

export interface Timing {
  seconds: number;
  code: number;
  output: string;
  /**
   * CPU time the whole machine was busy during the run (every process: the tool and the simulated hosts),
   * in seconds: near cores x seconds, the run was bound by CPU; well under it, by waiting.
   */
  machineBusySeconds: number;
  /** Processes the whole machine started during the run (forks: the tool's, the hosts' commands and shells). */
  processesStarted: number;
}

/**
 * The machine's counters so far, from one read of /proc/stat: busy CPU time in seconds (every state but idle
 * and iowait, at USER_HZ 100) and processes forked since boot (its `processes` line).
 */
export function machineCounters(): { busySeconds: number; processes: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const cpu = lines[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  const processes = lines.find((l) => l.startsWith('processes '));
  return {
    busySeconds: (user + nice + system + irq + softirq + steal) / 100,
    processes: Number(processes?.split(/\s+/)[1] ?? 0),
  };
}

/** The machine's busy CPU time so far, in seconds. */
export function machineBusySeconds(): number {
  return machineCounters().busySeconds;
}

export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timing> {
  const before = machineCounters();
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    // the time is taken at exit; the result waits for the output's end ('close'): the last lines a failing
    // run wrote (why it failed) may still be on their way when it exits, and a 200-host work floor's failure
    // was once reported without them
    let seconds = 0;
    let busy = 0;
    let forked = 0;
    child.on('exit', () => {
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const after = machineCounters();
      busy = after.busySeconds - before.busySeconds;
      forked = after.processes - before.processes;
    });
    child.on('close', (code) =>
      resolve({
        seconds,
        code: code ?? 1,
        output: Buffer.concat(chunks).toString(),
        machineBusySeconds: busy,
        processesStarted: forked,
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
