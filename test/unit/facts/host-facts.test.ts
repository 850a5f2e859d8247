import { describe, expect, test } from 'vitest';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { ReadOnlyFakeConnection } from '../modules/fake-context.js';

const SESSIONS = { argv: ['iscsiadm', '-m', 'session'] };

function facts() {
  const conn = new ReadOnlyFakeConnection({
    files: { '/etc/foo': 'x' },
    commands: { 'iscsiadm -m session': { stdout: 's' }, 'cat /etc/foo': { stdout: 'x' } },
  });
  return { conn, facts: new HostFacts(conn) };
}

describe('HostFacts cache', () => {
  test('a prefetched read is not read again', async () => {
    const { conn, facts: f } = facts();
    await f.prefetch([
      { kind: 'command', cmd: SESSIONS },
      { kind: 'file', path: '/etc/foo' },
    ]);
    await f.command(SESSIONS);
    await f.file('/etc/foo');
    expect(conn.reads).toEqual(['iscsiadm -m session']);
    expect(conn.fileReads).toEqual(['/etc/foo']);
  });

  test('a write drops the file, but keeps module facts', async () => {
    const { conn, facts: f } = facts();
    await f.prefetch([
      { kind: 'command', cmd: SESSIONS },
      { kind: 'file', path: '/etc/foo' },
    ]);
    f.invalidateFile('/etc/foo');
    await f.command(SESSIONS);
    await f.file('/etc/foo');
    expect(conn.reads).toEqual(['iscsiadm -m session']);
    expect(conn.fileReads).toEqual(['/etc/foo', '/etc/foo']);
  });

  test('after a command changed the host everything is read again', async () => {
    const { conn, facts: f } = facts();
    await f.prefetch([{ kind: 'command', cmd: SESSIONS }]);
    f.invalidateAll();
    await f.command(SESSIONS);
    expect(conn.reads).toEqual(['iscsiadm -m session', 'iscsiadm -m session']);
  });

  test('a failed read that nobody awaits is not an unhandled rejection', async () => {
    const conn = new ReadOnlyFakeConnection({});
    const f = new HostFacts(conn);
    // No canned output: the fake's read throws. prefetch rejects where awaited; the cached promises stay quiet.
    await expect(f.prefetch([{ kind: 'command', cmd: SESSIONS }])).rejects.toThrow('no canned output');
  });

  test("check mode's would-be file is kept as its own copy, not a view of a larger buffer", async () => {
    const { facts: f } = facts();
    const pooled = Buffer.from('would be\n'); // a small Buffer.from is a slice of Node's shared 8 KiB pool
    f.simulateWrite('/etc/foo', pooled);
    pooled.write('changed!!');
    const kept = (await f.file('/etc/foo'))?.content;
    expect(kept?.toString()).toBe('would be\n');
    expect(kept?.buffer.byteLength).toBe(kept?.length);
  });

  test('would-be files passed in outlive the cache: a new cache for a reconnected host still sees them', async () => {
    const { conn } = facts();
    const wouldBe = new Map();
    new HostFacts(conn, wouldBe).simulateWrite('/etc/foo', Buffer.from('new\n'));
    expect((await new HostFacts(conn, wouldBe).file('/etc/foo'))?.content?.toString()).toBe('new\n');
    expect(conn.fileReads).toEqual([]);
  });
});
