import { sh } from '../remote-command.js';
import { commandFact } from './fact.js';

export interface MountEntry {
  target: string;
  source: string;
  fstype: string;
}

/**
 * What is mounted now: `findmnt -rn -o TARGET,SOURCE,FSTYPE` (util-linux) prints one line a mount, the
 * columns separated by one space (`-r`, raw: a space inside a value is printed `\x20`), no header (`-n`).
 */
export const FINDMNT_CMD = sh`findmnt -rn -o TARGET,SOURCE,FSTYPE`;

export function parseFindmnt(stdout: string): MountEntry[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [target = '', source = '', fstype = ''] = l.split(' ');
      return { target, source, fstype };
    });
}

export const mounts = commandFact<void, MountEntry[]>({
  name: 'mounts',
  command: () => FINDMNT_CMD,
  parse: (r) => parseFindmnt(r.stdout),
});
