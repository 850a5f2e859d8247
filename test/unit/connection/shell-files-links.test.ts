/**
 * Issue 17.3: the shell write path (sudo, local) never writes through a link. The backup used to be
 * `cp -p PATH PATH.<stamp>.bak`: a link planted at that predictable name made the copy overwrite
 * whatever it pointed to. Runs the real scripts in a real /bin/sh (the local connection).
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { backupName } from '../../../src/connection/sftp-files.js';

describe('shell write path and links (issue 17.3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshplay-links-'));
  let conn: LocalConnection;
  beforeAll(() => {
    conn = LocalConnection.open('localhost');
  });
  afterAll(async () => {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a link planted at the backup name is replaced, never written through', async () => {
    const path = join(dir, 'iscsid.conf');
    const victim = join(dir, 'victim');
    writeFileSync(path, 'old\n', { mode: 0o640 });
    writeFileSync(victim, 'precious\n');
    // every name the backup could get in the next seconds
    const now = Date.now();
    for (let s = 0; s < 5; s++) symlinkSync(victim, backupName(path, new Date(now + s * 1000)));
    const result = await conn.writeFile(path, Buffer.from('new\n'), { backup: true });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const backup = result.backupPath as string;
    expect(lstatSync(backup).isSymbolicLink()).toBe(false);
    expect(readFileSync(backup, 'utf8')).toBe('old\n');
    expect(lstatSync(backup).mode & 0o777).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(readdirSync(dir).filter((f) => f.includes('.sshplay-'))).toEqual([]);
  });

  test('a link to a directory at the path is replaced by the file, nothing lands in that directory', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const path = join(dir, 'rules');
    symlinkSync(elsewhere, path);
    await conn.writeFile(path, Buffer.from('x\n'));
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('x\n');
  });
});
