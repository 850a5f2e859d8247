/**
 * template: renders a Handlebars file from the playbook's templates/ with the host's variables,
 * then plans it exactly as copy does (diff, atomic write, mode/owner, backup).
 *
 *   - template: { src: iscsid.conf.hbs, dest: /etc/iscsi/iscsid.conf, mode: '0600', backup: true }
 */

import { defineModule } from './define-module.js';
import { fileFacts, planFile } from './file-plan.js';
import type { Module } from './types.js';

export interface TemplateArgs {
  src: string;
  dest: string;
  mode?: number;
  owner?: string;
  group?: string;
  backup?: boolean;
}

export const template: Module<TemplateArgs> = defineModule({
  name: 'template',
  summary: 'render a Handlebars template (no HTML escaping) to a host path',
  schema: {
    src: { type: 'str', required: true },
    dest: { type: 'str', required: true, aliases: ['path'] },
    mode: { type: 'mode' },
    owner: { type: 'str' },
    group: { type: 'str' },
    backup: { type: 'bool', default: false },
  },
  facts: (a: TemplateArgs) => fileFacts(a.dest, a.owner, a.group),
  async plan(ctx, a, read) {
    const content = Buffer.from(await ctx.renderTemplate(a.src));
    return planFile(
      ctx,
      { path: a.dest, content, mode: a.mode, owner: a.owner, group: a.group, backup: a.backup },
      read,
    );
  },
});
