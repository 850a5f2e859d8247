/**
 * Loaded into sshplay by the benchmark (`node --import dist/bench/trace-hook.js`, with
 * SSHPLAY_BENCH_TRACE=FILE): records, per host and in order, what the run asked of each host: the
 * commands it read with and ran (their shell text and exit codes), the files it read and the files it
 * wrote (content and mode). The floors are built from this record, so they do exactly the run's reads
 * and writes, not a guess of them. It wraps SshConnection's transport methods; nothing else in
 * sshplay changes, and the record is written once at exit (no I/O during the timed run).
 */
import { writeFileSync } from 'node:fs';
import { SshConnection } from '../src/connection/ssh.js';
import type {
  Chain,
  RanThenRead,
  ReadsAfter,
  RemoteFile,
  RunOptions,
  RunResult,
  WriteOptions,
} from '../src/connection/types.js';
import { type Cmd, shellText } from '../src/remote-command.js';
import type { TraceEntry } from './trace.js';

const file = process.env.SSHPLAY_BENCH_TRACE;
if (file) {
  const entries: TraceEntry[] = [];
  const now = () => performance.timeOrigin + performance.now();
  const proto = SshConnection.prototype;
  const read = proto.read;
  const run = proto.run;
  const runThenRead = proto.runThenRead;
  const readFiles = proto.readFiles;
  const writeFile = proto.writeFile;
  proto.read = async function (this: SshConnection, cmds: readonly Cmd[], options?: RunOptions) {
    const t = now();
    const results: RunResult[] = await read.call(this, cmds, options);
    entries.push({ t, host: this.host, kind: 'read', scripts: cmds.map(shellText), rcs: results.map((r) => r.rc) });
    return results;
  };
  proto.run = async function (this: SshConnection, cmds: readonly Cmd[], options?: RunOptions) {
    const t = now();
    const results: RunResult[] = await run.call(this, cmds, options);
    entries.push({ t, host: this.host, kind: 'run', scripts: cmds.map(shellText), rcs: results.map((r) => r.rc) });
    return results;
  };
  // One round trip, recorded as what it does in order: the commands, then the reads taken after them.
  proto.runThenRead = async function (this: SshConnection, chains: readonly Chain[], reads: ReadsAfter, options) {
    const t = now();
    const ran: RanThenRead = await runThenRead.call(this, chains, reads, options);
    chains.forEach((chain, i) => {
      const rcs = (ran.runs[i] ?? []).map((r) => r.rc);
      entries.push({ t, host: this.host, kind: 'run', scripts: chain.cmds.map(shellText), rcs });
    });
    if (reads.cmds.length > 0) {
      const scripts = reads.cmds.map(shellText);
      entries.push({ t, host: this.host, kind: 'read', scripts, rcs: ran.reads.map((r) => r.rc) });
    }
    if (reads.paths.length > 0) entries.push({ t, host: this.host, kind: 'readFiles', paths: [...reads.paths] });
    return ran;
  };
  proto.readFiles = async function (this: SshConnection, paths: readonly string[]) {
    const t = now();
    const results: (RemoteFile | null)[] = await readFiles.call(this, paths);
    entries.push({ t, host: this.host, kind: 'readFiles', paths: [...paths] });
    return results;
  };
  proto.writeFile = async function (this: SshConnection, path: string, content: Buffer, options?: WriteOptions) {
    const t = now();
    const result = await writeFile.call(this, path, content, options);
    entries.push({ t, host: this.host, kind: 'write', path, content: content.toString('base64'), mode: options?.mode });
    return result;
  };
  process.on('exit', () => writeFileSync(file, entries.map((e) => JSON.stringify(e)).join('\n')));
}
