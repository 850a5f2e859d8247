import type { Cmd } from '../remote-command.js';
import { fileFromRead, fileReadCmd } from './shell-files.js';
import type { ShellSession } from './shell-session.js';
import type { RanThenRead, ReadsAfter, RunOptions } from './types.js';

/**
 * Connection.runThenRead for a host driven through a shell: the commands, then the read-only commands and
 * each file's read as shell commands, in one script. The files are read by the shell's user, the same one
 * SFTP would read them as (a become host's files go through its shell anyway).
 */
export async function runThenReadOn(
  shell: ShellSession,
  cmds: readonly Cmd[],
  reads: ReadsAfter,
  options?: RunOptions,
): Promise<RanThenRead> {
  const after = [...reads.cmds, ...reads.paths.map(fileReadCmd)];
  const ran = await shell.runThenRead(cmds, after, options?.timeoutMs, options?.chain);
  return {
    runs: ran.runs,
    reads: ran.reads.slice(0, reads.cmds.length),
    files: ran.reads.slice(reads.cmds.length).map((r, i) => fileFromRead(r, reads.paths[i] as string)),
  };
}
