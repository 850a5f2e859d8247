/**
 * lineinfile: one line of a text file, matched by a regular expression, replaced or inserted; every
 * other line is kept byte for byte. For key = value files such as /etc/iscsi/iscsid.conf.
 *
 *   - lineinfile:
 *       path: /etc/iscsi/iscsid.conf
 *       regexp: '^\s*node\.startup\s*='
 *       line: node.startup = automatic
 *       unique: true        # sshplay: also drop any other active line that matches
 */

import { defineModule } from './define-module.js';
import { fileFacts, planFile } from './file-plan.js';
import type { Module } from './types.js';

export interface LineinfileArgs {
  path: string;
  regexp?: string;
  line?: string;
  state: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
  create: boolean;
  unique: boolean;
  backup: boolean;
  mode?: number;
}

/** The new text of the file, or the same text when nothing changes. */
export function editLines(text: string, a: LineinfileArgs): string {
  const endsWithNewline = text === '' || text.endsWith('\n');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const re = a.regexp !== undefined ? new RegExp(a.regexp) : null;
  const matches = (l: string) => (re ? re.test(l) : l === a.line);
  const hits = lines.flatMap((l, i) => (matches(l) ? [i] : []));
  let out: string[];
  if (a.state === 'absent') {
    out = lines.filter((l) => !matches(l));
  } else {
    const line = a.line as string;
    out = [...lines];
    if (hits.length > 0) {
      // As Ansible: the last match is the one replaced; with unique, the earlier matches go.
      const last = hits[hits.length - 1] as number;
      out[last] = line;
      if (a.unique) out = out.filter((_, i) => i === last || !hits.includes(i));
    } else if (!lines.includes(line)) {
      const anchor = (pattern: string | undefined) => {
        if (!pattern || pattern === 'EOF' || pattern === 'BOF') return -1;
        const r = new RegExp(pattern);
        return lines.reduce((found, l, i) => (r.test(l) ? i : found), -1);
      };
      if (a.insertbefore === 'BOF') out.unshift(line);
      else if (a.insertbefore && anchor(a.insertbefore) >= 0) out.splice(anchor(a.insertbefore), 0, line);
      else if (a.insertafter && a.insertafter !== 'EOF' && anchor(a.insertafter) >= 0)
        out.splice(anchor(a.insertafter) + 1, 0, line);
      else out.push(line);
    }
  }
  if (out.length === lines.length && out.every((l, i) => l === lines[i])) return text;
  return out.length ? `${out.join('\n')}${endsWithNewline || a.state === 'present' ? '\n' : ''}` : '';
}

export const lineinfile: Module<LineinfileArgs> = defineModule({
  name: 'lineinfile',
  summary: 'ensure one line (matched by regexp) is present with given text, or absent; other lines kept',
  schema: {
    path: { type: 'str', required: true, aliases: ['dest'] },
    regexp: { type: 'str', aliases: ['regex'] },
    line: { type: 'str' },
    state: { type: 'str', choices: ['present', 'absent'], default: 'present' },
    insertafter: { type: 'str' },
    insertbefore: { type: 'str' },
    create: { type: 'bool', default: false },
    unique: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    mode: { type: 'mode' },
  },
  facts: (a: LineinfileArgs) => fileFacts(a.path),
  async plan(ctx, a, read) {
    if (a.state === 'present' && a.line === undefined) return { changes: [], failed: "state=present needs 'line'" };
    if (a.state === 'absent' && a.line === undefined && a.regexp === undefined)
      return { changes: [], failed: "state=absent needs 'regexp' or 'line'" };
    try {
      if (a.regexp !== undefined) new RegExp(a.regexp);
    } catch (e) {
      return { changes: [], failed: `regexp does not compile: ${(e as Error).message}` };
    }
    const current = await read.current();
    if (!current) {
      if (a.state === 'absent') return { changes: [], noop: `${a.path} is absent` };
      if (!a.create) return { changes: [], failed: `${a.path} does not exist (set create: true to create it)` };
    }
    const before = current?.content?.toString('utf8') ?? '';
    const after = editLines(before, a);
    if (current && after === before) return { changes: [], noop: `${a.path} already has the line` };
    return planFile(ctx, { path: a.path, content: Buffer.from(after), mode: a.mode, backup: a.backup }, read);
  },
});
