import { posix } from 'node:path';
import { type Cmd, sh } from '../remote-command.js';
import { backupName, type FileTransport, toRemoteStat } from './sftp-files.js';
import type { ShellSession } from './shell-session.js';
import type { RemoteFile, RunResult, WriteOptions, WriteResult } from './types.js';

/** A file's stat (following links, as SFTP's stat does) and content as base64, or ABSENT: one shell command. */
export function fileReadCmd(path: string): Cmd {
  return sh`if [ -e ${path} ]; then stat -L -c '%f %u %g %s' ${path} && if [ -f ${path} ]; then base64 -w0 ${path}; fi; else echo ABSENT; fi`;
}

/** What fileReadCmd printed: the file, null when absent, or why it could not be read. */
export function fileFromRead(r: RunResult, path: string): RemoteFile | null | Error {
  if (r.rc !== 0) return new Error(`cannot read ${path}: ${r.stderr.trim()}`);
  const [head = '', body = ''] = r.stdout.split('\n');
  if (head === 'ABSENT') return null;
  const [modeHex = '0', uid = '0', gid = '0', size = '0'] = head.split(' ');
  const stat = toRemoteStat({ mode: Number.parseInt(modeHex, 16), uid: +uid, gid: +gid, size: +size });
  return { stat, content: stat.isFile ? Buffer.from(body, 'base64') : null };
}

/**
 * File reads and writes through the (sudo) shell, for `become` with a non-root login user, where SFTP
 * would run as the login user and could not read or write root's files. Content travels as base64
 * inside the script, so no stdin is needed and binary content survives.
 */
export class ShellFiles implements FileTransport {
  constructor(private readonly shell: ShellSession) {}

  async readFiles(paths: readonly string[]): Promise<(RemoteFile | null)[]> {
    const results = await this.shell.run(paths.map(fileReadCmd));
    return results.map((r, i) => {
      const file = fileFromRead(r, paths[i] as string);
      if (file instanceof Error) throw file;
      return file;
    });
  }

  async writeFile(path: string, content: Buffer, options: WriteOptions = {}): Promise<WriteResult> {
    const existing = options.current !== undefined ? options.current : (await this.readFiles([path]))[0];
    const mode = (options.mode ?? existing?.stat.mode ?? 0o644).toString(8);
    // A new file keeps the shell user's ownership (root under sudo; the user himself on a local connection).
    const uid = options.uid ?? existing?.stat.uid;
    const gid = options.gid ?? existing?.stat.gid;
    const result: WriteResult = {};
    const dir = posix.dirname(path);
    const template = `${dir}/.${posix.basename(path)}.sshplay-XXXXXX`;
    const old = options.backup ? existing?.content : undefined;
    const backup = old ? backupName(path) : '';
    if (backup) result.backupPath = backup;
    const base64 = content.toString('base64');
    // Both files are made the same way: a fresh name by mktemp (created exclusively, mode 0600) in the
    // target's directory, the bytes we hold (the backup's are the ones read and planned against, never
    // copied through a link), owner by `chown -h`, then renamed with `mv -T`, which replaces a link or
    // file at the name and never follows it (nor moves into a directory a link points to).
    // One script of lines, each built by `sh` on its own: a line is never spliced into another as a value
    // (which `sh` would quote into one word).
    const owner = (file: '"$t"' | '"$b"', uidOf?: number, gidOf?: number) => [
      uidOf === undefined ? ':' : `${sh`chown -h ${String(uidOf)}`.script} ${file}`,
      gidOf === undefined ? ':' : `${sh`chgrp -h ${String(gidOf)}`.script} ${file}`,
    ];
    const script = [
      sh`set -e; b=; t=$(mktemp ${template}); trap 'rm -f "$t" \${b:+"$b"}' EXIT`.script,
      ...(old && existing
        ? [
            sh`b=$(mktemp ${template}); printf '%s' ${old.toString('base64')} | base64 -d > "$b"`.script,
            ...owner('"$b"', existing.stat.uid, existing.stat.gid),
            sh`chmod ${existing.stat.mode.toString(8)} "$b"; sync "$b"; mv -fT "$b" ${backup}; b=`.script,
          ]
        : []),
      sh`printf '%s' ${base64} | base64 -d > "$t"`.script,
      ...owner('"$t"', uid, gid),
      sh`chmod ${mode} "$t"; sync "$t"`.script,
      sh`mv -fT "$t" ${path}; trap - EXIT`.script,
      sh`printf '%s' ${base64} | base64 -d | cmp -s - ${path} || { echo 'content differs after write' >&2; exit 1; }`
        .script,
    ].join('\n');
    const [r] = await this.shell.run([{ script }]);
    if (r && r.rc !== 0) throw new Error(`cannot write ${path}: ${r.stderr.trim()}`);
    return result;
  }
}
