/**
 * mount: a filesystem mounted now and listed in /etc/fstab (state: mounted), or unmounted and removed
 * (state: absent). iSCSI LUNs want `_netdev` so boot waits for the network and the sessions.
 *
 *   - mount: { path: /mnt/iser, src: /dev/mapper/3600...1, fstype: ext4, opts: "defaults,_netdev" }
 */
import { mounts } from '../facts/mounts.js';
import { remoteFile } from '../facts/remote-file.js';
import { defineModule } from './define-module.js';
import { planFile } from './file-plan.js';
import type { Change, Module, Plan } from './types.js';

export interface MountArgs {
  path: string;
  src?: string;
  fstype?: string;
  opts: string;
  state: 'mounted' | 'unmounted' | 'absent' | 'present';
  fstab: string;
}

/** /etc/fstab with the entry for `path` set to `line` (or removed when line is null); other lines kept. */
export function editFstab(text: string, path: string, line: string | null): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const isEntry = (l: string) => !l.trim().startsWith('#') && l.trim().split(/\s+/)[1] === path;
  const at = lines.findIndex(isEntry);
  let out = lines.filter((l, i) => !isEntry(l) || i === at);
  if (at >= 0) out = out.flatMap((l) => (isEntry(l) ? (line === null ? [] : [line]) : [l]));
  else if (line !== null) out.push(line);
  return out.length ? `${out.join('\n')}\n` : '';
}

export const mount: Module<MountArgs> = defineModule({
  name: 'mount',
  summary: 'mount a filesystem now and in /etc/fstab (mounted/present), or undo it (unmounted/absent)',
  schema: {
    path: { type: 'str', required: true, aliases: ['name'] },
    src: { type: 'str' },
    fstype: { type: 'str' },
    opts: { type: 'str', default: 'defaults' },
    state: { type: 'str', choices: ['mounted', 'unmounted', 'absent', 'present'], default: 'mounted' },
    fstab: { type: 'str', default: '/etc/fstab' },
  },
  facts: (a: MountArgs) => ({ mounts: mounts.of(), fstab: remoteFile.of(a.fstab), mountpoint: remoteFile.of(a.path) }),
  async plan(ctx, a, read) {
    const mounted = (await read.mounts()).some((m) => m.target === a.path);
    const fstab = await read.fstab();
    const fstabText = fstab?.content?.toString('utf8') ?? '';
    const changes: Change[] = [];
    const notes: string[] = [];
    let diff = '';
    const wantEntry = a.state === 'mounted' || a.state === 'present';
    if (wantEntry && (!a.src || !a.fstype)) return { changes: [], failed: `state=${a.state} needs src and fstype` };
    if ((a.state === 'unmounted' || a.state === 'absent') && mounted) {
      changes.push({ kind: 'exec', cmd: { argv: ['umount', a.path] } });
      notes.push('unmount');
    }
    if (a.state !== 'unmounted') {
      const newText = editFstab(fstabText, a.path, wantEntry ? `${a.src} ${a.path} ${a.fstype} ${a.opts} 0 0` : null);
      if (newText !== fstabText) {
        const filePlan: Plan = await planFile(
          ctx,
          { path: a.fstab, content: Buffer.from(newText), mode: fstab ? undefined : 0o644 },
          { current: read.fstab },
        );
        changes.push(...filePlan.changes);
        diff += filePlan.diff ?? '';
        notes.push(wantEntry ? 'fstab entry' : 'remove fstab entry');
      }
    }
    if (a.state === 'mounted') {
      if (!(await read.mountpoint())) {
        changes.push({ kind: 'exec', cmd: { argv: ['mkdir', '-p', '--', a.path] } });
        notes.push(`create ${a.path}`);
      }
      if (!mounted) {
        changes.push({ kind: 'exec', cmd: { argv: ['mount', a.path] } });
        notes.push('mount');
      }
    }
    if (!changes.length) return { changes, noop: `${a.path} is ${a.state}` };
    return { changes, diff: diff || undefined, preview: `${a.path}: ${notes.join(', ')}` };
  },
});
