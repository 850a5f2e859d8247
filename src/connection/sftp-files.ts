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
  constructor(private readonly sftp: SFTPWrapper) {}

  private async readOne(path: string): Promise<RemoteFile | null> {
    this.ops++;
    let stats: Stats;
    try {
      stats = await call<Stats>((cb) => this.sftp.stat(path, cb));
    } catch (e) {
      if (isNoSuchFile(e)) return null;
      throw e;
    }
    const stat = toRemoteStat(stats);
    if (!stat.isFile) return { stat, content: null };
    return { stat, content: await this.readContent(path, stat.size) };
  }

  /**
   * open, read, close: the read asks for the size stat gave plus some slack (ssh2 splits it into packets),
   * and close is sent without waiting for its answer, so a small file costs two round trips after stat
   * (ssh2's readFile takes four: open, fstat, read, close). A file that grew is read on to its end.
   */
  private async readContent(path: string, size: number): Promise<Buffer> {
    this.ops += 3;
    const handle = await call<Buffer>((cb) => this.sftp.open(path, 'r', cb));
    try {
      const chunks: Buffer[] = [];
      let position = 0;
      for (;;) {
        const want = position === 0 ? size + 4096 : 256 * 1024;
        const buffer = Buffer.alloc(want);
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

  readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    return Promise.all(paths.map((p) => this.readOne(p)));
  }

  /**
   * Atomic replace: the new bytes go to a temporary file in the same directory (same filesystem),
   * are fsynced, get their mode and owner, and only then are renamed over the target. A broken
   * connection at any point leaves either the old file or the new one, never half of one; the
   * temporary file is removed on failure when the channel still answers.
   */
  async writeFile(path: string, content: Buffer, options: WriteOptions = {}): Promise<WriteResult> {
    const [existing] = await this.readFiles([path]);
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
      });
    }
    const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.sshplay-${randomBytes(6).toString('hex')}`);
    this.ops += 6;
    // 'wx': created exclusively (O_EXCL), so a link planted at the name is never followed.
    const handle = await call<Buffer>((cb) => this.sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
    try {
      await call<number>((cb) => this.sftp.write(handle, content, 0, content.length, 0, (err) => cb(err, 0)));
      await call<unknown>((cb) => this.sftp.ext_openssh_fsync(handle, (err, info) => cb(err, info)));
      if (uid !== undefined && gid !== undefined) await call<void>((cb) => this.sftp.fchown(handle, uid, gid, cb));
      await call<void>((cb) => this.sftp.fchmod(handle, mode, cb));
      await call<void>((cb) => this.sftp.close(handle, cb));
      await call<void>((cb) => this.sftp.ext_openssh_rename(tmp, path, cb));
    } catch (e) {
      await call<void>((cb) => this.sftp.unlink(tmp, cb)).catch(() => undefined);
      throw e;
    }
    const [written] = await this.readFiles([path]);
    if (!written?.content?.equals(content)) {
      throw new Error(`content of ${path} differs from what was written (verify after write)`);
    }
    return result;
  }
}
