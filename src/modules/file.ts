/**
 * file: a path's type and attributes: directory, absent, touch (created when missing), or file (attributes only).
 *
 *   - file: { path: /mnt/iser, state: directory, mode: '0755' }
 */

import { remoteFile } from '../facts/remote-file.js';
import { sh } from '../remote-command.js';
import { defineModule } from './define-module.js';
import { formatMode, ownerFacts, resolveIds } from './file-plan.js';
import type { Change, Module } from './types.js';

export interface FileArgs {
  path: string;
  state: 'file' | 'directory' | 'absent' | 'touch';
  mode?: number;
  owner?: string;
  group?: string;
}

export const file: Module<FileArgs> = defineModule({
  name: 'file',
  summary: 'ensure a directory, an absent path, an existing (touched) file, or a mode/owner',
  schema: {
    path: { type: 'str', required: true, aliases: ['dest', 'name'] },
    state: { type: 'str', choices: ['file', 'directory', 'absent', 'touch'], default: 'file' },
    mode: { type: 'mode' },
    owner: { type: 'str' },
    group: { type: 'str' },
  },
  facts: (a: FileArgs) => ({ current: remoteFile.of(a.path), ...ownerFacts(a.owner, a.group) }),
  async plan(ctx, a, read) {
    const current = await read.current();
    if (a.state === 'absent') {
      if (!current) return { changes: [], noop: `${a.path} is already absent` };
      return { changes: [{ kind: 'exec', cmd: { argv: ['rm', '-rf', '--', a.path] } }], diff: `- ${a.path}\n` };
    }
    const changes: Change[] = [];
    const notes: string[] = [];
    if (!current) {
      if (a.state === 'file')
        return { changes: [], failed: `${a.path} does not exist (state=file does not create; use touch)` };
      if (a.state === 'directory') changes.push({ kind: 'exec', cmd: { argv: ['mkdir', '-p', '--', a.path] } });
      // An empty file with its mode, written like any file (no remote process, and the host's other
      // facts stay valid, which a command would not let the engine assume).
      else changes.push({ kind: 'write', path: a.path, content: Buffer.alloc(0), mode: a.mode ?? 0o644 });
      notes.push(`create ${a.state === 'directory' ? 'directory' : 'file'}`);
    } else if (a.state === 'directory' && !current.stat.isDirectory) {
      return { changes: [], failed: `${a.path} exists and is not a directory` };
    }
    const modeSetByWrite = !current && a.state === 'touch';
    if (a.mode !== undefined && current?.stat.mode !== a.mode && !modeSetByWrite) {
      changes.push({ kind: 'exec', cmd: { argv: ['chmod', formatMode(a.mode), '--', a.path] } });
      notes.push(`mode ${current ? formatMode(current.stat.mode) : '(new)'} -> ${formatMode(a.mode)}`);
    }
    const { uid, gid } = await resolveIds(ctx, a, read);
    if ((uid !== undefined && current?.stat.uid !== uid) || (gid !== undefined && current?.stat.gid !== gid)) {
      changes.push({ kind: 'exec', cmd: sh`chown ${`${uid ?? ''}:${gid ?? ''}`} -- ${a.path}` });
      notes.push('owner/group');
    }
    if (changes.length === 0) return { changes, noop: `${a.path} is already as wanted` };
    return { changes, diff: `${a.path}: ${notes.join(', ')}\n`, preview: notes.join(', ') };
  },
});
