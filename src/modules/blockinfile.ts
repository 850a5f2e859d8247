/**
 * blockinfile: a block of lines between two marker lines, kept as given; the rest of the file is
 * untouched. Removing it (state: absent) leaves the file as it was before sshplay.
 *
 *   - blockinfile:
 *       path: /etc/rc.d/rc.local
 *       marker: "# {mark} sshplay: subnet manager (opensm) per HCA port"
 *       block: |
 *         opensm -B -g 0x248a070300a80a80 -p 15 -f /var/log/opensm-ib0.log
 *       mode: '0755'
 */
import { defineModule } from './define-module.js';
import { fileFacts, planFile } from './file-plan.js';
import type { Module } from './types.js';

export interface BlockinfileArgs {
  path: string;
  block: string;
  /** A Handlebars template file whose rendering is the block (instead of `block`). */
  src?: string;
  marker: string;
  state: 'present' | 'absent';
  create: boolean;
  insertbefore?: string;
  mode?: number;
  backup: boolean;
}

export function editBlock(text: string, a: BlockinfileArgs): string {
  const begin = a.marker.replace('{mark}', 'BEGIN');
  const end = a.marker.replace('{mark}', 'END');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const b = lines.indexOf(begin);
  const e = b >= 0 ? lines.indexOf(end, b + 1) : -1;
  const body = a.block.replace(/\n$/, '');
  const block = a.state === 'present' ? [begin, ...(body === '' ? [] : body.split('\n')), end] : [];
  let out: string[];
  if (b >= 0 && e >= 0) out = [...lines.slice(0, b), ...block, ...lines.slice(e + 1)];
  else if (a.state === 'absent') return text;
  else if (a.insertbefore) {
    const re = new RegExp(a.insertbefore);
    const at = lines.findIndex((l) => re.test(l));
    out = at >= 0 ? [...lines.slice(0, at), ...block, ...lines.slice(at)] : [...lines, ...block];
  } else out = [...lines, ...block];
  const result = out.length ? `${out.join('\n')}\n` : '';
  return result === text || (text !== '' && result === `${text}\n` && !text.endsWith('\n')) ? text : result;
}

export const blockinfile: Module<BlockinfileArgs> = defineModule({
  name: 'blockinfile',
  summary: 'a marked block of lines in a text file, present or absent; other lines kept',
  schema: {
    path: { type: 'str', required: true, aliases: ['dest'] },
    block: { type: 'str', default: '', aliases: ['content'] },
    src: { type: 'str' },
    marker: { type: 'str', default: '# {mark} sshplay managed block' },
    state: { type: 'str', choices: ['present', 'absent'], default: 'present' },
    create: { type: 'bool', default: false },
    insertbefore: { type: 'str' },
    mode: { type: 'mode' },
    backup: { type: 'bool', default: false },
  },
  facts: (a: BlockinfileArgs) => fileFacts(a.path),
  async plan(ctx, a, read) {
    if (!a.marker.includes('{mark}')) return { changes: [], failed: "marker must contain '{mark}'" };
    const current = await read.current();
    if (!current) {
      if (a.state === 'absent') return { changes: [], noop: `${a.path} is absent` };
      if (!a.create) return { changes: [], failed: `${a.path} does not exist (set create: true to create it)` };
    }
    const before = current?.content?.toString('utf8') ?? '';
    const block = a.src !== undefined ? await ctx.renderTemplate(a.src) : a.block;
    const after = editBlock(before, { ...a, block });
    return planFile(ctx, { path: a.path, content: Buffer.from(after), mode: a.mode, backup: a.backup }, read);
  },
});
