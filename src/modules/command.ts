/**
 * command: runs a program with arguments, no shell. A free-form string is split into words *before*
 * its {{ values }} are rendered, so a value is always exactly one argument.
 *
 *   - command: iscsiadm -m session
 *     check_mode: false          # read-only: runs in --check too, so later tasks see real output
 *   - command: { argv: [dracut, --force, --add, multipath], creates: /boot/initramfs.img }
 */

import type { FactRequest } from '../facts/host-facts.js';
import { type Cmd, sh, shellText } from '../remote-command.js';
import type { Module, Plan, PlanContext } from './types.js';

export interface CommandArgs {
  cmd?: string[];
  argv?: string[];
  creates?: string;
  removes?: string;
  chdir?: string;
}

export function guardFacts(a: { creates?: string; removes?: string }): FactRequest[] {
  return [a.creates, a.removes].flatMap((p) => (p ? [{ kind: 'file' as const, path: p }] : []));
}

/** `creates`/`removes` make a command idempotent: skipped when its product exists (or its input is gone). */
export async function planGuardedCommand(
  ctx: PlanContext,
  a: { creates?: string; removes?: string },
  cmd: Cmd,
): Promise<Plan> {
  if (a.creates && (await ctx.facts.file(a.creates))) return { changes: [], noop: `${a.creates} exists` };
  if (a.removes && !(await ctx.facts.file(a.removes))) return { changes: [], noop: `${a.removes} does not exist` };
  return { changes: [{ kind: 'exec', cmd }], preview: `run: ${shellText(cmd)}` };
}

function commandOf(a: CommandArgs): Cmd | undefined {
  const argv = (a.argv ?? a.cmd ?? []).map(String);
  if (argv.length === 0) return undefined;
  return a.chdir ? sh`cd ${a.chdir} && exec ${argv}` : { argv };
}

export const command: Module<CommandArgs> = {
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
  wants: guardFacts,
  async plan(ctx, a) {
    const cmd = commandOf(a);
    if (!cmd) return { changes: [], failed: "command needs 'cmd' or 'argv'" };
    return planGuardedCommand(ctx, a, cmd);
  },
};
