import { describe, expect, it } from 'vitest';
import { sharedContent } from '../../../src/facts/shared-content.js';

describe('sharedContent', () => {
  it('gives hosts that would write the same content one shared buffer', () => {
    const a = sharedContent(Buffer.from('node.startup = automatic\n'));
    const b = sharedContent(Buffer.from('node.startup = automatic\n'));
    expect(b).toBe(a);
    expect(b.toString()).toBe('node.startup = automatic\n');
  });

  it('keeps different contents apart', () => {
    const a = sharedContent(Buffer.from('InitiatorName=iqn.a\n'));
    const b = sharedContent(Buffer.from('InitiatorName=iqn.b\n'));
    expect(b).not.toBe(a);
    expect([a.toString(), b.toString()]).toEqual(['InitiatorName=iqn.a\n', 'InitiatorName=iqn.b\n']);
  });

  it('keeps a copy of its own size, not a view holding a larger pooled buffer', () => {
    const pooled = Buffer.from('x'.repeat(100)).subarray(10, 20); // small Buffers share an 8 KB pool
    const kept = sharedContent(pooled);
    expect(kept.buffer.byteLength).toBe(10);
    expect(kept.equals(pooled)).toBe(true);
  });
});
