import { posix } from 'node:path';
import { sh } from '../shell.js';
import { backupName, type FileTransport, toRemoteStat } from './sftp-files.js';
import type { ShellSession } from './shell-session.js';
import type { RemoteFile, WriteOptions, WriteResult } from './types.js';

/**
 * File reads and writes through the (sudo) shell, for `become` with a non-root login user, where SFTP
 * would run as the login user and could not read or write root's files. Content travels as base64
 * inside the script, so no stdin is needed and binary content survives.
 */
export class ShellFiles implements FileTransport {
  constructor(private readonly shell: ShellSession) {}

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    const results = await this.shell.run(
      paths.map(
        (p) =>
          sh`if [ -e ${p} ]; then stat -L -c '%f %u %g %s' ${p} && if [ -f ${p} ]; then base64 -w0 ${p}; fi; else echo ABSENT; fi`,
      ),
    );
    return results.map((r, i) => {
      if (r.rc !== 0) throw new Error(`cannot read ${paths[i]}: ${r.stderr.trim()}`);
      const [head = '', body = ''] = r.stdout.split('\n');
      if (head === 'ABSENT') return null;
      const [modeHex = '0', uid = '0', gid = '0', size = '0'] = head.split(' ');
      const stat = toRemoteStat({ mode: Number.parseInt(modeHex, 16), uid: +uid, gid: +gid, size: +size });
      return { stat, content: stat.isFile ? Buffer.from(body, 'base64') : null };
    });
  }

  async writeFile(path: string, content: Buffer, options: WriteOptions = {}): Promise<WriteResult> {
    const [existing] = await this.readFiles([path]);
    const mode = (options.mode ?? existing?.stat.mode ?? 0o644).toString(8);
    // A new file keeps the shell user's ownership (root under sudo; the user himself on a local connection).
    const uid = options.uid ?? existing?.stat.uid;
    const gid = options.gid ?? existing?.stat.gid;
    const result: WriteResult = {};
    const dir = posix.dirname(path);
    const template = `${dir}/.${posix.basename(path)}.sshplay-XXXXXX`;
    const backup = options.backup && existing?.content ? backupName(path) : '';
    if (backup) result.backupPath = backup;
    const base64 = content.toString('base64');
    // One script of lines, each built by `sh` on its own: a line is never spliced into another as a value
    // (which `sh` would quote into one word).
    const script = [
      sh`set -e; t=$(mktemp ${template}); trap 'rm -f "$t"' EXIT`.script,
      backup ? sh`cp -p ${path} ${backup}`.script : ':',
      sh`printf '%s' ${base64} | base64 -d > "$t"`.script,
      uid === undefined ? ':' : sh`chown ${String(uid)} "$t"`.script,
      gid === undefined ? ':' : sh`chgrp ${String(gid)} "$t"`.script,
      sh`chmod ${mode} "$t"; sync "$t"`.script,
      sh`mv -f "$t" ${path}; trap - EXIT`.script,
      sh`printf '%s' ${base64} | base64 -d | cmp -s - ${path} || { echo 'content differs after write' >&2; exit 1; }`
        .script,
    ].join('\n');
    const [r] = await this.shell.run([{ script }]);
    if (r && r.rc !== 0) throw new Error(`cannot write ${path}: ${r.stderr.trim()}`);
    return result;
  }
}
