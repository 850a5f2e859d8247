import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { RemoteFile, RemoteStat, WriteOptions, WriteResult } from './types.js';

/** File reads and writes over one SFTP channel: no remote process per file, requests pipelined. */
export interface FileTransport {
  readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]>;
  writeFile(path: string, content: Buffer, options?: WriteOptions): Promise<WriteResult>;
}

const S_IFMT = 0o170000;
/**
 * The most bytes one SFTP read or write request carries here: every server takes 32 KiB (the SFTP drafts'
 * minimum packet is 34000 bytes), so ssh2 never splits a request into parts it would send one after another.
 */
const PIECE = 32 * 1024;
/** Requests on one handle in flight at most (2 MiB of pieces): a file up to that size is written in one round trip. */
const WINDOW = 64;

export function toRemoteStat(s: Pick<Stats, 'mode' | 'uid' | 'gid' | 'size'>, isSymlink = false): RemoteStat {
  const type = s.mode & S_IFMT;
  return {
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    isSymlink,
  };
}

function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

function isNoSuchFile(e: unknown): boolean {
  return (e as { code?: number }).code === 2;
}

export function backupName(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${path}.${stamp}.bak`;
}

export class SftpFiles implements FileTransport {
  ops = 0;
  /** Round trips: times this channel's caller waited on answers (requests sent together count once). */
  trips = 0;
  constructor(private readonly sftp: SFTPWrapper) {}

  /** One file: stat, then (a regular file) open and read; `trip` counts each wait for an answer. */
  private async readOne(path: string, trip: () => void): Promise<RemoteFile | null> {
    this.ops++;
    let stats: Stats;
    try {
      trip();
      stats = await call<Stats>((cb) => this.sftp.stat(path, cb));
    } catch (e) {
      if (isNoSuchFile(e)) return null;
      throw e;
    }
    const stat = toRemoteStat(stats);
    if (!stat.isFile) return { stat, content: null };
    return { stat, content: await this.readContent(path, stat.size, trip) };
  }

  /**
   * open, read, close: the read asks for the size stat gave plus some slack (ssh2 splits it into packets),
   * and close is sent without waiting for its answer, so a small file costs two round trips after stat
   * (ssh2's readFile takes four: open, fstat, read, close). A file that grew is read on to its end.
   */
  private async readContent(path: string, size: number, trip: () => void): Promise<Buffer> {
    this.ops += 3;
    trip();
    const handle = await call<Buffer>((cb) => this.sftp.open(path, 'r', cb));
    try {
      const chunks: Buffer[] = [];
      let position = 0;
      for (;;) {
        const want = position === 0 ? size + 4096 : 256 * 1024;
        const buffer = Buffer.alloc(want);
        trip();
        const got = await call<number>((cb) => this.sftp.read(handle, buffer, 0, want, position, (e, n) => cb(e, n)));
        chunks.push(buffer.subarray(0, got));
        position += got;
        // A short answer past the size stat gave is the end; a short one before it only a partial read.
        if (got === 0 || (got < want && position >= size)) break;
      }
      return Buffer.concat(chunks);
    } finally {
      this.sftp.close(handle, () => undefined);
    }
  }

  /** Every file at once: the batch waits as long as its longest file (stat, open, read: three round trips). */
  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    const trips = paths.map(() => 0);
    try {
      return await Promise.all(
        paths.map((p, i) =>
          this.readOne(p, () => {
            trips[i] = (trips[i] ?? 0) + 1;
          }),
        ),
      );
    } finally {
      this.trips += Math.max(0, ...trips);
    }
  }

  /**
   * Atomic replace: the new bytes go to a temporary file in the same directory (same filesystem),
   * are fsynced, get their mode and owner, are read back, and only then is it renamed over the target. A
   * broken connection at any point leaves either the old file or the new one, never half of one; the
   * temporary file is removed on failure when the channel still answers.
   *
   * Three round trips when the caller knows the file (`current`): open; then every request on the new
   * handle at once (the writes, fsync, fchown, fchmod, fstat, the read-back, close); then the rename, sent
   * only once all of them succeeded. OpenSSH's sftp-server handles one request to its end before it takes
   * the next, in the order they came (sftp-server.c: process() is called once per received packet and
   * every handler is synchronous), so the read-back sees the fsynced bytes; a server that answered out of
   * order could only fail the read-back, never rename a partial file. The read-back is of the file that is
   * renamed, and is kept by the caller as the file's state (`written`): no read of it after the write.
   */
  async writeFile(path: string, content: Buffer, options: WriteOptions = {}): Promise<WriteResult> {
    const existing = options.current !== undefined ? options.current : (await this.readFiles([path]))[0];
    const mode = options.mode ?? existing?.stat.mode ?? 0o644;
    const uid = options.uid ?? existing?.stat.uid;
    const gid = options.gid ?? existing?.stat.gid;
    const result: WriteResult = {};
    if (options.backup && existing?.content) {
      result.backupPath = backupName(path);
      await this.writeFile(result.backupPath, existing.content, {
        mode: existing.stat.mode,
        uid: existing.stat.uid,
        gid: existing.stat.gid,
        current: null,
      });
    }
    const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.sshplay-${randomBytes(6).toString('hex')}`);
    // 'xw+': created exclusively (O_EXCL), so a link planted at the name is never followed; open for reading
    // too, for the read-back through the same handle.
    this.ops++;
    this.trips++;
    const handle = await call<Buffer>((cb) => this.sftp.open(tmp, 'xw+', { mode: 0o600 }, cb));
    let written: RemoteFile;
    try {
      written = await this.fillAndReadBack(handle, content, mode, uid, gid);
      if (!written.content?.equals(content))
        throw new Error(`${path}: the file read back differs from what was written (verify after write)`);
      this.ops++;
      this.trips++;
      await call<void>((cb) => this.sftp.ext_openssh_rename(tmp, path, cb));
    } catch (e) {
      // nothing was renamed: the temporary file is all there is to remove
      await call<void>((cb) => this.sftp.unlink(tmp, cb)).catch(() => undefined);
      throw e;
    }
    result.written = written;
    return result;
  }

  /**
   * Every request on a new file's handle sent without waiting for the one before: the bytes (in pieces no
   * server refuses, so ssh2 never splits one and waits between the parts), fsync, owner, mode, then fstat
   * and a read of one byte more than was written (a longer file would show), then close. A file of up to
   * WINDOW pieces goes in one round trip; a larger one a window at a time, so memory held for requests in
   * flight stays bounded. The first failure is thrown once every answer is in; the handle is always closed.
   */
  private async fillAndReadBack(
    handle: Buffer,
    content: Buffer,
    mode: number,
    uid: number | undefined,
    gid: number | undefined,
  ): Promise<RemoteFile> {
    const inFlight: Promise<unknown>[] = [];
    const send = <T>(request: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> => {
      const answer = call<T>(request);
      answer.catch(() => undefined); // observed by everyAnswer; a failure is thrown from there
      inFlight.push(answer);
      this.ops++;
      return answer;
    };
    const answers = () => {
      this.trips++;
      return everyAnswer(inFlight.splice(0));
    };
    const windowFull = async () => {
      if (inFlight.length >= WINDOW) await answers();
    };
    let closeSent = false;
    try {
      for (let at = 0; at < content.length; at += PIECE) {
        const length = Math.min(PIECE, content.length - at);
        send<number>((cb) => this.sftp.write(handle, content, at, length, at, (err) => cb(err, 0)));
        await windowFull();
      }
      send<unknown>((cb) => this.sftp.ext_openssh_fsync(handle, (err, info) => cb(err, info)));
      if (uid !== undefined && gid !== undefined) send<void>((cb) => this.sftp.fchown(handle, uid, gid, cb));
      send<void>((cb) => this.sftp.fchmod(handle, mode, cb));
      const stat = send<Stats>((cb) => this.sftp.fstat(handle, cb));
      const back = Buffer.alloc(content.length + 1);
      const pieces: Promise<number>[] = [];
      for (let at = 0; at < back.length; at += PIECE) {
        const length = Math.min(PIECE, back.length - at);
        pieces.push(send<number>((cb) => this.sftp.read(handle, back, at, length, at, (e, n) => cb(e, n))));
        await windowFull();
      }
      closeSent = true;
      send<void>((cb) => this.sftp.close(handle, cb));
      await answers();
      // A piece shorter than asked ends the file: what follows it is not the file's.
      let length = 0;
      for (const [i, piece] of pieces.entries()) {
        const got = await piece;
        length += got;
        if (got < Math.min(PIECE, back.length - i * PIECE)) break;
      }
      return { stat: toRemoteStat(await stat), content: back.subarray(0, length) };
    } catch (e) {
      await Promise.allSettled(inFlight);
      if (!closeSent) await call<void>((cb) => this.sftp.close(handle, cb)).catch(() => undefined);
      throw e;
    }
  }
}

/** Waits for every answer, then throws the first failure among them (none is left unobserved). */
async function everyAnswer(answers: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(answers);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
}
