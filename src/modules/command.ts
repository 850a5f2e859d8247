/**
 * command: runs a program with arguments, no shell. A free-form string is split into words *before*
 * its {{ values }} are rendered, so a value is always exactly one argument.
 *
 *   - command: iscsiadm -m session
 *     check_mode: false          # read-only: runs in --check too, so later tasks see real output
 *   - command: { argv: [dracut, --force, --add, multipath], creates: /boot/initramfs.img }
 */

import type { RemoteFile } from '../connection/types.js';
import { remoteFile } from '../facts/remote-file.js';
import { type Cmd, sh, shellText } from '../remote-command.js';
import { defineModule } from './define-module.js';
import type { Module, Plan } from './types.js';

export interface CommandArgs {
  cmd?: string[];
  argv?: string[];
  creates?: string;
  removes?: string;
  chdir?: string;
}

/** The files `creates` and `removes` name. */
export function guardFacts(a: { creates?: string; removes?: string }) {
  return {
    creates: a.creates !== undefined ? remoteFile.of(a.creates) : undefined,
    removes: a.removes !== undefined ? remoteFile.of(a.removes) : undefined,
  };
}

type Guard = (() => Promise<RemoteFile | null>) | undefined;

/** `creates`/`removes` make a command idempotent: skipped when its product exists (or its input is gone). */
export async function planGuardedCommand(
  a: { creates?: string; removes?: string },
  cmd: Cmd,
  read: { creates: Guard; removes: Guard },
): Promise<Plan> {
  if (read.creates && (await read.creates())) return { changes: [], noop: `${a.creates} exists` };
  if (read.removes && !(await read.removes())) return { changes: [], noop: `${a.removes} does not exist` };
  return { changes: [{ kind: 'exec', cmd }], preview: `run: ${shellText(cmd)}` };
}

function commandOf(a: CommandArgs): Cmd | undefined {
  const argv = (a.argv ?? a.cmd ?? []).map(String);
  if (argv.length === 0) return undefined;
  return a.chdir ? sh`cd ${a.chdir} && exec ${argv}` : { argv };
}

export const command: Module<CommandArgs> = defineModule({
  name: 'command',
  summary: 'run a program with arguments (no shell); creates/removes make it idempotent',
  freeForm: 'cmd',
  schema: {
    cmd: { type: 'list', render: 'words' },
    argv: { type: 'list' },
    creates: { type: 'str' },
    removes: { type: 'str' },
    chdir: { type: 'str' },
  },
  facts: (a: CommandArgs) => guardFacts(a),
  async plan(_ctx, a, read) {
    const cmd = commandOf(a);
    if (!cmd) return { changes: [], failed: "command needs 'cmd' or 'argv'" };
    return planGuardedCommand(a, cmd, read);
  },
});
