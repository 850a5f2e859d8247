/**
 * copy: puts content (inline or a controller file) at a path on the host, atomically.
 *
 *   - copy: { dest: /etc/multipath.conf, content: "", mode: '0644' }
 */

import { defineModule } from './define-module.js';
import { fileFacts, planFile } from './file-plan.js';
import type { Module } from './types.js';

export interface CopyArgs {
  dest: string;
  content?: string;
  src?: string;
  mode?: number;
  owner?: string;
  group?: string;
  backup?: boolean;
}

export const copy: Module<CopyArgs> = defineModule({
  name: 'copy',
  summary: 'write content or a controller file to a host path (atomic, mode/owner kept)',
  schema: {
    dest: { type: 'str', required: true, aliases: ['path'] },
    content: { type: 'str' },
    src: { type: 'str' },
    mode: { type: 'mode' },
    owner: { type: 'str' },
    group: { type: 'str' },
    backup: { type: 'bool', default: false },
  },
  facts: (a: CopyArgs) => fileFacts(a.dest, a.owner, a.group),
  async plan(ctx, a, read) {
    if ((a.content === undefined) === (a.src === undefined)) {
      return { changes: [], failed: "copy needs exactly one of 'content' or 'src'" };
    }
    const content = a.src !== undefined ? (await ctx.readLocal(a.src, 'file')).content : Buffer.from(a.content ?? '');
    return planFile(
      ctx,
      { path: a.dest, content, mode: a.mode, owner: a.owner, group: a.group, backup: a.backup },
      read,
    );
  },
});
