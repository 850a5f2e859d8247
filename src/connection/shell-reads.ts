import type { Connection, ReadOnlyConnection, ReadsAfter, RemoteFile, RunResult } from './types.js';

/** Read-only commands' results and files (null where absent, or why one could not be read), in order. */
export interface ShellReads {
  reads: RunResult[];
  files: (RemoteFile | null | Error)[];
}

/**
 * Read-only commands and file reads in one round trip through the host's shell, where it has one: runThenRead
 * with no chains, so the shell runs the reads and nothing else. That is what read() already runs through the
 * same shell (and the files are read by the shell's user, as SFTP reads them; a become host's files go through
 * its shell anyway), so a read-only view gains nothing it did not have. Undefined without a shell (a REST API
 * target, a test's fake): the caller reads files and commands apart.
 */
export function shellReader(conn: ReadOnlyConnection): ((reads: ReadsAfter) => Promise<ShellReads>) | undefined {
  const runThenRead = (conn as Partial<Pick<Connection, 'runThenRead'>>).runThenRead;
  if (typeof runThenRead !== 'function') return undefined;
  return (reads) => runThenRead.call(conn, [], reads).then((r) => ({ reads: r.reads, files: r.files }));
}
