/**
 * Freezes a namespace host as a hung kernel or a stuck NFS mount would: every process of its PID namespace
 * (sshd, the shells and commands it started) gets SIGSTOP. The machine's kernel still answers TCP for it
 * (the hosts share the machine's network stack), so the controller sees a connection that stays open and
 * silent, which is what makes this fault hard: nothing is refused, nothing closes.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from './types.js';

function pidNamespace(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}

/** PIDs (as the machine sees them) of every live process of the host, found through its PID 1 (init.pid). */
export function hostProcesses(fleet: Fleet, host: string): number[] {
  if (fleet.kind !== 'namespace') throw new Error('freezing a host needs a namespace fleet');
  const init = Number(readFileSync(join(fleet.dir, 'hosts', host, 'init.pid'), 'utf8').trim());
  const ns = pidNamespace(init);
  if (!ns) throw new Error(`${host}: its PID 1 (${init}) is not running`);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pidNamespace(pid) === ns && !['Z', 'gone'].includes(stateOf(pid)));
}

/** SIGSTOP to every process of the host, again until none is left running (a process may fork meanwhile). */
export function freezeHost(fleet: Fleet, host: string): number[] {
  const stopped = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const running = hostProcesses(fleet, host).filter((pid) => stateOf(pid) !== 'T');
    if (running.length === 0) return [...stopped];
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGSTOP');
        stopped.add(pid);
      } catch {
        // it ended meanwhile
      }
    }
  }
  throw new Error(`${host}: processes kept starting while it was being frozen`);
}

/** SIGCONT to every process of the host: it goes on where it stopped. */
export function thawHost(fleet: Fleet, host: string): void {
  for (const pid of hostProcesses(fleet, host)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // it ended meanwhile
    }
  }
}
