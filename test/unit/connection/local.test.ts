import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { TaskError } from '../../../src/errors.js';

/** The local connection drives a real /bin/sh: ShellFiles' scripts (the sudo path too) run for real here. */
describe('LocalConnection and the shell file transport', () => {
  const dir = mkdtempSync(join(tmpdir(), "sshplay local 'q'-"));
  let conn: LocalConnection;
  beforeAll(() => {
    conn = LocalConnection.open('localhost');
  });
  afterAll(async () => {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('commands: results in order, a non-zero exit is data, a chain stops at the first failure', async () => {
    const [a, b] = await conn.read([{ argv: ['echo', 'a b'] }, { script: 'echo err >&2; exit 3' }]);
    expect(a).toEqual({ rc: 0, stdout: 'a b\n', stderr: '' });
    expect(b).toMatchObject({ rc: 3, stderr: 'err\n' });
    const chained = await conn.run([{ argv: ['false'] }, { argv: ['true'] }], { chain: [[0], [0]] });
    expect(chained.map((r) => r.rc)).toEqual([1, -1]);
  });

  test('a new file: exact bytes, the mode asked for, no temporary file left', async () => {
    const path = join(dir, 'new file.conf');
    const bytes = Buffer.from([0, 1, 2, 255, 10, 39, 34]);
    await conn.writeFile(path, bytes, { mode: 0o640 });
    expect(readFileSync(path)).toEqual(bytes);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).filter((f) => f.includes('.sshplay-'))).toEqual([]);
  });

  test('replacing with backup: the old content is kept beside it, the mode stays', async () => {
    const path = join(dir, 'multipath.conf');
    writeFileSync(path, 'old\n', { mode: 0o600 });
    const result = await conn.writeFile(path, Buffer.from('new\n'), { backup: true });
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(result.backupPath).toMatch(/multipath\.conf\.\S+\.bak$/);
    expect(readFileSync(result.backupPath as string, 'utf8')).toBe('old\n');
  });

  test('reads: content and stat, null for absent, no content for a directory', async () => {
    const path = join(dir, 'r.txt');
    writeFileSync(path, 'x');
    const [file, absent, folder] = await conn.readFiles([path, join(dir, 'absent'), dir]);
    expect(file?.content?.toString()).toBe('x');
    expect(file?.stat).toMatchObject({ isFile: true, size: 1 });
    expect(absent).toBeNull();
    expect(folder).toMatchObject({ content: null, stat: { isDirectory: true } });
  });

  test('a write into a missing folder is the task failure, naming the path', async () => {
    await expect(conn.writeFile(join(dir, 'no/such/x'), Buffer.from('x'))).rejects.toBeInstanceOf(TaskError);
  });
});
