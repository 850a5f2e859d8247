/**
 * slurp: reads a file from the host (over SFTP: no remote process) into a registered variable.
 * As Ansible: `content` is base64; sshplay adds `text`, the content as UTF-8.
 *
 *   - slurp: { src: /etc/iscsi/initiatorname.iscsi }
 *     register: initiatorname
 */
import { remoteFile } from '../facts/remote-file.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export const slurp: Module<{ src: string }> = defineModule({
  name: 'slurp',
  summary: 'read a host file into a variable (content base64, text)',
  schema: { src: { type: 'str', required: true, aliases: ['path'] } },
  facts: (a: { src: string }) => ({ file: remoteFile.of(a.src) }),
  async plan(_ctx, a, read) {
    const f = await read.file();
    if (!f?.content) return { changes: [], failed: `${a.src} ${f ? 'is not a regular file' : 'does not exist'}` };
    return {
      changes: [],
      noop: `read ${a.src} (${f.content.length} bytes)`,
      result: {
        content: f.content.toString('base64'),
        encoding: 'base64',
        text: f.content.toString('utf8'),
        source: a.src,
      },
    };
  },
});
