/** What a run makes of the controller's files, made once per stamp, shared while under way, failures dropped. */
import { describe, expect, test } from 'vitest';
import { StampedFiles } from '../../../src/stamped-files.js';

/** A promise and the hands that settle it. */
function deferred<V>() {
  let resolve!: (v: V) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('stamped files', () => {
  test('one value per stamp, shared while under way; another stamp makes it again', async () => {
    const files = new StampedFiles<string>();
    let made = 0;
    const make = () => Promise.resolve(`value ${++made}`);
    const [a, b] = await Promise.all([files.get('/f', 's1', make), files.get('/f', 's1', make)]);
    expect([a, b]).toEqual(['value 1', 'value 1']);
    expect(await files.get('/f', 's2', make)).toBe('value 2');
    expect(await files.get('/other', 's2', make)).toBe('value 3');
    expect(made).toBe(3);
  });

  test('a failure is dropped, so the next caller makes the value again', async () => {
    const files = new StampedFiles<string>();
    await expect(files.get('/f', 's1', () => Promise.reject(new Error('EMFILE')))).rejects.toThrow('EMFILE');
    expect(await files.get('/f', 's1', () => Promise.resolve('again'))).toBe('again');
  });

  test('a late failure of an older stamp does not drop the value that replaced it', async () => {
    const files = new StampedFiles<string>();
    const old = deferred<string>();
    const first = files.get('/f', 'old', () => old.promise);
    const newer = files.get('/f', 'new', () => Promise.resolve('new content'));
    old.reject(new Error('file replaced while read'));
    await expect(first).rejects.toThrow('file replaced while read');
    let madeAgain = false;
    const kept = await files.get('/f', 'new', () => {
      madeAgain = true;
      return Promise.resolve('made again');
    });
    expect(kept).toBe('new content');
    expect(madeAgain).toBe(false);
    expect(await newer).toBe('new content');
  });
});
