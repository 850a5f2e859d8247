import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import { HostFacts } from '../../../src/facts/host-facts.js';

/** A prefetch of files and commands on a host with a shell: one round trip (a real /bin/sh here). */
describe('HostFacts prefetch through the shell', () => {
  const dir = mkdtempSync(join(tmpdir(), "sshplay facts 'q'-"));
  let conn: LocalConnection;
  beforeAll(() => {
    conn = LocalConnection.open('localhost');
  });
  afterAll(async () => {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('files and commands in one round trip, each file byte-exact, a missing one null', async () => {
    const binary = join(dir, 'binary file');
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 39, 34, 0x80, 0xfe, 10]);
    writeFileSync(binary, bytes, { mode: 0o640 });
    const text = join(dir, 'multipath.conf');
    writeFileSync(text, 'defaults {\n}\n');
    const facts = new HostFacts(conn);
    const before = conn.stats.roundTrips;
    const echo = { argv: ['echo', 'hello'] };
    await facts.prefetch([
      { kind: 'file', path: binary },
      { kind: 'command', cmd: echo },
      { kind: 'file', path: join(dir, 'absent') },
      { kind: 'file', path: text },
    ]);
    expect(conn.stats.roundTrips - before).toBe(1);
    const got = await facts.file(binary);
    expect(got?.content).toEqual(bytes);
    expect(got?.stat).toMatchObject({ size: bytes.length, isFile: true });
    expect((got?.stat.mode ?? 0) & 0o777).toBe(0o640);
    expect(await facts.file(join(dir, 'absent'))).toBeNull();
    expect((await facts.file(text))?.content?.toString()).toBe('defaults {\n}\n');
    expect((await facts.command(echo)).stdout).toBe('hello\n');
    // everything came from that one trip
    expect(conn.stats.roundTrips - before).toBe(1);
  });

  test("an unreadable file is that file's error, naming it; the other reads stand", async () => {
    // /proc/self/mem exists and stats as a regular file, but reading it from offset 0 fails (EIO), even for root
    const unreadable = '/proc/self/mem';
    const ok = join(dir, 'ok');
    writeFileSync(ok, 'fine\n');
    const facts = new HostFacts(conn);
    const echo = { argv: ['echo', 'still'] };
    await facts.prefetch([
      { kind: 'file', path: unreadable },
      { kind: 'file', path: ok },
      { kind: 'command', cmd: echo },
    ]);
    await expect(facts.file(unreadable)).rejects.toThrow(`reading ${unreadable}`);
    expect((await facts.file(ok))?.content?.toString()).toBe('fine\n');
    expect((await facts.command(echo)).stdout).toBe('still\n');
  });

  test('a file check mode would have written is not read', async () => {
    const wouldBe = join(dir, 'would-be');
    const facts = new HostFacts(conn);
    facts.simulateWrite(wouldBe, Buffer.from('new\n'));
    const before = conn.stats.roundTrips;
    await facts.prefetch([{ kind: 'file', path: wouldBe }]);
    expect(conn.stats.roundTrips - before).toBe(0);
    expect((await facts.file(wouldBe))?.content?.toString()).toBe('new\n');
  });
});
