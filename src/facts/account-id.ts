import { sh } from '../remote-command.js';
import { commandFact } from './fact.js';

/**
 * The uid of a user or gid of a group, by name, as the host's name service knows it: `getent passwd NAME`
 * prints `name:x:uid:gid:...`, `getent group NAME` `name:x:gid:members` (exit 2 when there is no such name).
 */
export const accountId = commandFact<{ db: 'passwd' | 'group'; name: string }, number | null>({
  name: 'account.id',
  command: ({ db, name }) => sh`getent ${db} ${name}`,
  parse: (r) => {
    const id = r.stdout.split(':')[2];
    return r.rc === 0 && id !== undefined && /^\d+$/.test(id.trim()) ? Number(id) : null;
  },
});
