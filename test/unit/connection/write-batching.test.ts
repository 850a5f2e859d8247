import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { batchWritesPerTurn, isCorkable } from '../../../src/connection/write-batching.js';

/** A stream that records each batch the kernel would get: one entry per _write or _writev call. */
function recorder() {
  const batches: string[][] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      batches.push([String(chunk)]);
      done();
    },
    writev(chunks, done) {
      batches.push(chunks.map((c) => String(c.chunk)));
      done();
    },
  });
  return { stream, batches };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('batchWritesPerTurn', () => {
  it('hands the writes of one turn to the transport together, in order', async () => {
    const { stream, batches } = recorder();
    batchWritesPerTurn(stream);
    stream.write('a');
    stream.write('b');
    stream.write('c');
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('writes made after the turn go in their own batch, with what their turn wrote', async () => {
    const { stream, batches } = recorder();
    batchWritesPerTurn(stream);
    stream.write('1');
    await turn();
    stream.write('2');
    await Promise.resolve();
    stream.write('3'); // a promise reaction of the same turn
    await turn();
    expect(batches).toEqual([['1'], ['2', '3']]);
  });

  it('an unbatched stream sends each write on its own (what ssh2 does without it)', async () => {
    const { stream, batches } = recorder();
    stream.write('a');
    stream.write('b');
    await turn();
    expect(batches[0]).toEqual(['a']);
    expect(batches.flat()).toEqual(['a', 'b']);
  });

  it('knows a corkable transport', () => {
    expect(isCorkable(recorder().stream)).toBe(true);
    expect(isCorkable({ write: () => true })).toBe(false);
    expect(isCorkable(undefined)).toBe(false);
  });
});
