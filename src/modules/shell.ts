/**
 * shell: runs a script with /bin/sh. Every {{ value }} in it is quoted as one shell word when rendered,
 * so inventory and -e values cannot inject commands; {{{ value }}} inserts raw text on purpose.
 *
 *   - shell: "ibstat -p | head -n 2"
 *     check_mode: false
 */

import type { Cmd } from '../remote-command.js';
import { guardFacts, planGuardedCommand } from './command.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface ShellArgs {
  cmd: string;
  creates?: string;
  removes?: string;
  chdir?: string;
}

function scriptOf(a: ShellArgs): Cmd {
  return { script: a.chdir ? `cd '${a.chdir.replace(/'/g, `'\\''`)}' || exit 1\n${a.cmd}` : a.cmd };
}

export const shell: Module<ShellArgs> = defineModule({
  name: 'shell',
  summary: 'run a /bin/sh script; {{ values }} are quoted automatically',
  freeForm: 'cmd',
  schema: {
    cmd: { type: 'str', required: true, render: 'shell' },
    creates: { type: 'str' },
    removes: { type: 'str' },
    chdir: { type: 'str' },
  },
  facts: (a: ShellArgs) => guardFacts(a),
  plan(_ctx, a, read) {
    return planGuardedCommand(a, scriptOf(a), read);
  },
});
