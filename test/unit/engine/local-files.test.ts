/** The controller's files a run reads: once while unchanged, again once edited or replaced. */
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalFiles } from '../../../src/engine/local-files.js';

const base = mkdtempSync(join(tmpdir(), 'sshplay-local-files-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A LocalFiles that counts its reads from disk. */
function counted() {
  const reads: string[] = [];
  const files = new LocalFiles((path) => {
    reads.push(path);
    return readFile(path);
  });
  return { files, reads };
}

describe('local files', () => {
  test('a file is read from disk once while unchanged, and again after it was edited or replaced', async () => {
    const path = join(base, 't.conf');
    writeFileSync(path, 'one\n');
    const { files, reads } = counted();
    expect((await files.read(path))?.toString()).toBe('one\n');
    expect((await files.read(path))?.toString()).toBe('one\n');
    expect(reads).toHaveLength(1);

    // same size, a later modification time: read again
    writeFileSync(path, 'two\n');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect((await files.read(path))?.toString()).toBe('two\n');
    expect(reads).toHaveLength(2);

    // replaced by another file (another inode), as editors and `git checkout` do
    writeFileSync(join(base, 't.new'), 'three, longer\n');
    renameSync(join(base, 't.new'), path);
    expect((await files.read(path))?.toString()).toBe('three, longer\n');
    expect(reads).toHaveLength(3);
  });

  test('nothing there, a directory, or an unreadable file is null, and no read is kept for it', async () => {
    mkdirSync(join(base, 'dir'));
    const failing = new LocalFiles(() => Promise.reject(new Error('EACCES')));
    writeFileSync(join(base, 'secret'), 'x');
    const { files, reads } = counted();
    expect(await files.read(join(base, 'missing'))).toBeNull();
    expect(await files.read(join(base, 'dir'))).toBeNull();
    expect(reads).toEqual([]);
    expect(await failing.read(join(base, 'secret'))).toBeNull();
  });

  test('hosts asking for a file together share one read from disk', async () => {
    const path = join(base, 'shared.conf');
    writeFileSync(path, 'shared\n');
    const { files, reads } = counted();
    const contents = await Promise.all(Array.from({ length: 20 }, () => files.read(path)));
    expect(contents.map((c) => c?.toString())).toEqual(Array(20).fill('shared\n'));
    expect(reads).toEqual([path]);
  });

  test('a read that failed is not kept: the next one asks the disk again', async () => {
    const path = join(base, 'flaky');
    writeFileSync(path, 'x');
    let calls = 0;
    const flaky = new LocalFiles((p) => (++calls === 1 ? Promise.reject(new Error('EMFILE')) : readFile(p)));
    expect(await flaky.read(path)).toBeNull();
    expect((await flaky.read(path))?.toString()).toBe('x');
    expect(calls).toBe(2);
  });
});
