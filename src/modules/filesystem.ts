/**
 * filesystem: makes a filesystem on a blank device. Never formats a device that already holds a
 * filesystem or partition table unless `force: true` (`-F` for mkfs.ext*, `-f` for mkfs.xfs: without
 * it mkfs.xfs itself refuses a device holding a filesystem). `opts` are mkfs options, split at spaces,
 * e.g. xfs aligned to the array's stripe (mkfs.xfs(8) `-d su=,sw=`). Under --check, a device that only
 * an earlier step would create is reported as "would create" instead of failing.
 *
 *   - filesystem: { dev: /dev/mapper/360080e50004300ac000007575568851d1, fstype: xfs,
 *                   opts: "-d su=128k,sw=8 -l version=2,su=128k" }
 */
import { blockSignature } from '../facts/block-signature.js';
import { remoteFile } from '../facts/remote-file.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface FilesystemArgs {
  dev: string;
  fstype: string;
  opts: string;
  force: boolean;
}

export const filesystem: Module<FilesystemArgs> = defineModule({
  name: 'filesystem',
  summary: 'mkfs on a blank device only (force: true to overwrite a signature)',
  schema: {
    dev: { type: 'str', required: true, aliases: ['device'] },
    fstype: { type: 'str', default: 'ext4', aliases: ['type'] },
    opts: { type: 'str', default: '' },
    force: { type: 'bool', default: false },
  },
  facts: (a: FilesystemArgs) => ({ device: remoteFile.of(a.dev), signature: blockSignature.of(a.dev) }),
  async plan(ctx, a, read) {
    if (!/^[a-z0-9]+$/.test(a.fstype)) return { changes: [], failed: `not a filesystem type: ${a.fstype}` };
    const force = a.force ? [a.fstype === 'xfs' ? '-f' : '-F'] : [];
    const opts = a.opts.split(/\s+/).filter((o) => o !== '');
    const mkfs = { kind: 'exec' as const, cmd: { argv: [`mkfs.${a.fstype}`, ...force, ...opts, a.dev] } };
    if (!(await read.device())) {
      if (ctx.check)
        return { changes: [mkfs], preview: `create ${a.fstype} on ${a.dev} once an earlier step has created it` };
      return { changes: [], failed: `${a.dev} does not exist` };
    }
    const sig = await read.signature();
    if (sig.failed) return { changes: [], failed: sig.failed };
    if (sig.type === a.fstype) return { changes: [], noop: `${a.dev} already holds ${a.fstype}` };
    if ((sig.type || sig.ptType) && !a.force) {
      return {
        changes: [],
        failed: `refusing to format ${a.dev}: it holds ${sig.type ? `a ${sig.type} filesystem` : `a ${sig.ptType} partition table`}. Set force: true only if its data may be destroyed.`,
      };
    }
    return {
      changes: [mkfs],
      diff: `${a.dev}: ${sig.type ?? '(blank)'} -> ${a.fstype}\n`,
      preview: `mkfs.${a.fstype} ${[...opts, a.dev].join(' ')}`,
    };
  },
});
