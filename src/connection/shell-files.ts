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
    const owner = `${options.uid ?? existing?.stat.uid ?? 0}:${options.gid ?? existing?.stat.gid ?? 0}`;
    const result: WriteResult = {};
    const dir = posix.dirname(path);
    const template = `${dir}/.${posix.basename(path)}.sshplay-XXXXXX`;
    const backup = options.backup && existing?.content ? backupName(path) : '';
    if (backup) result.backupPath = backup;
    const [r] = await this.shell.run([
      sh`set -e; t=$(mktemp ${template}); trap 'rm -f "$t"' EXIT
${backup ? sh`cp -p ${path} ${backup}`.script : ':'}
printf '%s' ${content.toString('base64')} | base64 -d > "$t"
chown ${owner} "$t"; chmod ${mode} "$t"; sync "$t"
mv -f "$t" ${path}; trap - EXIT
printf '%s' ${content.toString('base64')} | base64 -d | cmp -s - ${path} || { echo 'content differs after write' >&2; exit 1; }`,
    ]);
    if (r && r.rc !== 0) throw new Error(`cannot write ${path}: ${r.stderr.trim()}`);
    return result;
  }
}
