import { createTwoFilesPatch } from 'diff';
import { sh } from '../remote-command.js';
import type { Plan, PlanContext } from './types.js';

/** The desired state of one remote file's content and attributes, shared by copy, template and lineinfile. */
export interface DesiredFile {
  path: string;
  content: Buffer;
  mode?: number;
  owner?: string;
  group?: string;
  backup?: boolean;
  /** Hides the content from diffs (no_log, secrets). */
  secret?: boolean;
}

/** Text diffs only: a binary file or a secret is summarised instead. */
export function unifiedDiff(path: string, before: Buffer | null, after: Buffer, secret = false): string {
  if (secret) return `--- ${path}\n+++ ${path}\n(content hidden: contains a secret)\n`;
  const isBinary = (b: Buffer | null) => !!b && b.includes(0);
  if (isBinary(before) || isBinary(after)) return `Binary file ${path} would change (${after.length} bytes)\n`;
  return createTwoFilesPatch(
    before ? path : '/dev/null',
    path,
    before?.toString('utf8') ?? '',
    after.toString('utf8'),
    before ? 'before' : '',
    'after',
  );
}

/** uid/gid of a user or group name (numbers pass through), read on the host with getent. */
export async function resolveId(
  ctx: PlanContext,
  db: 'passwd' | 'group',
  name: string | undefined,
): Promise<number | undefined> {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const r = await ctx.facts.command(sh`getent ${db} ${name}`);
  const id = r.stdout.split(':')[2];
  if (r.rc !== 0 || id === undefined)
    throw new Error(`no ${db === 'passwd' ? 'user' : 'group'} named '${name}' on ${ctx.host}`);
  return Number(id);
}

export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** Compares the file on the host with the desired one and plans a single atomic write when they differ. */
export async function planFile(ctx: PlanContext, want: DesiredFile): Promise<Plan> {
  const current = await ctx.facts.file(want.path);
  if (current && !current.stat.isFile) {
    return { changes: [], failed: `${want.path} exists and is not a regular file` };
  }
  const uid = await resolveId(ctx, 'passwd', want.owner);
  const gid = await resolveId(ctx, 'group', want.group);
  const reasons: string[] = [];
  const sameContent = current?.content?.equals(want.content) ?? false;
  if (!current) reasons.push('file is absent');
  else if (!sameContent) reasons.push('content differs');
  if (current && want.mode !== undefined && current.stat.mode !== want.mode)
    reasons.push(`mode ${formatMode(current.stat.mode)} -> ${formatMode(want.mode)}`);
  if (current && uid !== undefined && current.stat.uid !== uid) reasons.push(`owner ${current.stat.uid} -> ${uid}`);
  if (current && gid !== undefined && current.stat.gid !== gid) reasons.push(`group ${current.stat.gid} -> ${gid}`);
  if (reasons.length === 0)
    return { changes: [], noop: `${want.path} is already as wanted`, result: { path: want.path } };
  return {
    changes: [
      {
        kind: 'write',
        path: want.path,
        content: want.content,
        mode: want.mode,
        uid: uid ?? (current ? undefined : 0),
        gid: gid ?? (current ? undefined : 0),
        backup: want.backup,
      },
    ],
    diff: sameContent
      ? `${want.path}: ${reasons.join(', ')}\n`
      : unifiedDiff(want.path, current?.content ?? null, want.content, want.secret),
    preview: `write ${want.path} (${reasons.join(', ')})`,
    result: { path: want.path },
  };
}
