import { ArrayApiError } from '../connection/array-api-error.js';
import type { Connection, RunResult } from '../connection/types.js';
import type { FactRequest, HostFacts } from '../facts/host-facts.js';
import type { Change } from '../modules/types.js';
import { type Cmd, shellText } from '../remote-command.js';

export interface Applied {
  /** Results of the exec changes, in order; a command after a failed one is not run (rc -1). */
  runs: (RunResult & { cmd: string })[];
  backups: string[];
  failed?: string;
  /** The next tasks' reads were taken after the last command, in its round trip, and are cached as fresh. */
  readAfter?: boolean;
}

/**
 * The only place where sshplay changes a host. Consecutive commands go to the host in one round trip
 * as a chain: each runs only if the one before it succeeded (by its own ok codes). A write invalidates
 * its file; after commands the engine invalidates the facts (a command may change anything, whatever
 * its changed_when says).
 */
function commandFailure(r: RunResult, cmd: Cmd): string {
  const stderr = r.stderr.trim();
  return `command failed (rc=${r.rc}): ${shellText(cmd)}${stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : ''}`;
}

/**
 * `readsAfter`: what the next tasks will read; when the task ends with commands and the host is driven
 * through a shell, those reads go in the last chain's round trip, after it (so taken after every change).
 */
type Exec = Extract<Change, { kind: 'exec' }>;

/** A chain's results into `applied`; false when one of its commands failed (the task's failure). */
function chainRan(applied: Applied, chain: readonly Exec[], results: readonly RunResult[]): boolean {
  results.forEach((r, j) => {
    applied.runs.push({ ...r, cmd: shellText((chain[j] as Exec).cmd) });
  });
  const bad = results.findIndex((r, j) => !(chain[j]?.okCodes ?? [0]).includes(r.rc));
  if (bad < 0) return true;
  applied.failed = commandFailure(results[bad] as RunResult, (chain[bad] as Exec).cmd);
  return false;
}

/**
 * The items of a loop whose changes are only commands, on a host driven through a shell: each item's
 * commands a chain of its own, every chain in one round trip and independent of the others (an item whose
 * command fails does not stop the next: Ansible's loop runs every item whatever the earlier ones did), then
 * the next tasks' reads, taken after them. One Applied per item, in order.
 */
export async function applyItemsInOneTrip(
  conn: Required<Pick<Connection, 'runThenRead'>>,
  facts: HostFacts,
  items: readonly (readonly Exec[])[],
  readsAfter: readonly FactRequest[],
): Promise<Applied[]> {
  const chains = items.map((chain) => ({ cmds: chain.map((c) => c.cmd), okCodes: chain.map((c) => c.okCodes ?? [0]) }));
  const ran = await facts.afterCommands(readsAfter, (reads) => conn.runThenRead(chains, reads));
  return items.map((chain, i) => {
    const applied: Applied = { runs: [], backups: [], readAfter: true };
    chainRan(applied, chain, ran[i] ?? []);
    return applied;
  });
}

export async function applyChanges(
  conn: Connection,
  facts: HostFacts,
  changes: readonly Change[],
  readsAfter: readonly FactRequest[] = [],
): Promise<Applied> {
  const applied: Applied = { runs: [], backups: [] };
  let i = 0;
  let ranCommands = false;
  while (i < changes.length) {
    const change = changes[i] as Change;
    if (change.kind === 'write') {
      // what the write was planned against, still fresh unless this task's commands ran before it
      const current = ranCommands ? undefined : await facts.heldFile(change.path);
      const r = await conn.writeFile(change.path, change.content, {
        mode: change.mode,
        uid: change.uid,
        gid: change.gid,
        backup: change.backup,
        current,
      });
      facts.fileWritten(change.path, r.written);
      if (r.backupPath) applied.backups.push(r.backupPath);
      i++;
      continue;
    }
    if (change.kind === 'api') {
      // A REST API target (an E-Series array): one request; the array's refusal fails the task, later changes wait.
      if (!conn.apiChange) throw new Error(`${conn.host} has no REST API: an 'api' change cannot be applied to it`);
      try {
        await conn.apiChange({ method: change.method, path: change.path, body: change.body });
      } catch (e) {
        if (!(e instanceof ArrayApiError)) throw e;
        applied.failed = e.message;
        return applied;
      } finally {
        facts.invalidateApi();
      }
      i++;
      continue;
    }
    const chain: Exec[] = [];
    while (i < changes.length && (changes[i] as Change).kind === 'exec') chain.push(changes[i++] as Exec);
    ranCommands = true;
    const cmds = chain.map((c) => c.cmd);
    const okCodes = chain.map((c) => c.okCodes ?? [0]);
    const runThenRead = conn.runThenRead?.bind(conn);
    let results: RunResult[];
    if (runThenRead && i === changes.length && readsAfter.length > 0) {
      const [ran = []] = await facts.afterCommands(readsAfter, (reads) => runThenRead([{ cmds, okCodes }], reads));
      results = ran;
      applied.readAfter = true;
    } else results = await conn.run(cmds, { chain: okCodes });
    if (!chainRan(applied, chain, results)) return applied;
  }
  return applied;
}
