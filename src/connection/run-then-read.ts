import { fileFromRead, fileReadCmd } from './shell-files.js';
import type { ShellSession } from './shell-session.js';
import type { Chain, RanThenRead, ReadsAfter } from './types.js';

/**
 * Connection.runThenRead for a host driven through a shell: the chains, then the read-only commands and
 * each file's read as shell commands, in one script. The files are read by the shell's user, the same one
 * SFTP would read them as (a become host's files go through its shell anyway).
 */
export async function runThenReadOn(
  shell: ShellSession,
  chains: readonly Chain[],
  reads: ReadsAfter,
  options?: { timeoutMs?: number },
): Promise<RanThenRead> {
  const after = [...reads.cmds, ...reads.paths.map(fileReadCmd)];
  const ran = await shell.runThenRead(chains, after, options?.timeoutMs);
  return {
    runs: ran.runs,
    reads: ran.reads.slice(0, reads.cmds.length),
    files: ran.reads.slice(reads.cmds.length).map((r, i) => fileFromRead(r, reads.paths[i] as string)),
  };
}
