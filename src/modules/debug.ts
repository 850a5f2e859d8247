/**
 * debug: prints a message or a variable; also how the playbooks show array-side reminders.
 *
 *   - debug: { msg: "Array side: map the volume to host {{ inventory_hostname }}" }
 */
import type { Module } from './types.js';

export const debug: Module<{ msg?: unknown; var?: string }> = {
  name: 'debug',
  summary: 'print a message or a variable',
  local: true,
  freeForm: 'msg',
  schema: { msg: { type: 'raw' }, var: { type: 'str' } },
  async plan(ctx, a) {
    const msg = a.var !== undefined ? { [a.var]: ctx.vars[a.var] ?? '(undefined)' } : (a.msg ?? 'Hello world!');
    return { changes: [], noop: typeof msg === 'string' ? msg : JSON.stringify(msg), result: { msg } };
  },
};
