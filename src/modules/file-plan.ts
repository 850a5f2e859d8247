import { createTwoFilesPatch } from 'diff';
import type { RemoteFile } from '../connection/types.js';
import { accountId } from '../facts/account-id.js';
import { remoteFile } from '../facts/remote-file.js';
import type { ModuleContext } from './define-module.js';
import type { Plan } from './types.js';

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

/** The facts of a file's owner and group given by name (a number needs no read). */
export function ownerFacts(owner: string | undefined, group: string | undefined) {
  const byName = (db: 'passwd' | 'group', name: string | undefined) =>
    name !== undefined && !/^\d+$/.test(name) ? accountId.of({ db, name }) : undefined;
  return { uid: byName('passwd', owner), gid: byName('group', group) };
}

/** The facts planFile reads: the file as it is, and the ids of the owner and group it should have. */
export function fileFacts(path: string, owner?: string, group?: string) {
  return { current: remoteFile.of(path), ...ownerFacts(owner, group) };
}

export interface OwnerReads {
  uid?: () => Promise<number | null>;
  gid?: () => Promise<number | null>;
}

export interface FileReads extends OwnerReads {
  current: () => Promise<RemoteFile | null>;
}

/** uid/gid of a user or group name (numbers pass through), as the host's name service knows it. */
async function resolveId(
  ctx: ModuleContext,
  db: 'passwd' | 'group',
  name: string | undefined,
  read: (() => Promise<number | null>) | undefined,
): Promise<number | undefined> {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const id = read ? await read() : null;
  if (id === null) throw new Error(`no ${db === 'passwd' ? 'user' : 'group'} named '${name}' on ${ctx.host}`);
  return id;
}

export async function resolveIds(
  ctx: ModuleContext,
  names: { owner?: string; group?: string },
  read: OwnerReads,
): Promise<{ uid?: number; gid?: number }> {
  return {
    uid: await resolveId(ctx, 'passwd', names.owner, read.uid),
    gid: await resolveId(ctx, 'group', names.group, read.gid),
  };
}

export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** Compares the file on the host with the desired one and plans a single atomic write when they differ. */
export async function planFile(ctx: ModuleContext, want: DesiredFile, read: FileReads): Promise<Plan> {
  const current = await read.current();
  if (current && !current.stat.isFile) {
    return { changes: [], failed: `${want.path} exists and is not a regular file` };
  }
  const { uid, gid } = await resolveIds(ctx, want, read);
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
    // a content diff is the costly part of planning a file (about 1% of a 20-host --check's CPU): only for --diff
    diff: sameContent
      ? `${want.path}: ${reasons.join(', ')}\n`
      : ctx.diff === false
        ? undefined
        : unifiedDiff(want.path, current?.content ?? null, want.content, want.secret),
    preview: `write ${want.path} (${reasons.join(', ')})`,
    result: { path: want.path },
  };
}
