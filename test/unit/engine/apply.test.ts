/**
 * applyChanges, the only code that changes a host, on a LocalConnection (a real /bin/sh, the atomic
 * write scripts used over SSH) in a temporary folder: writes and their cache invalidation, command
 * chains that stop at the first failure, ok codes, backups.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ArrayApiError } from '../../../src/connection/array-api-error.js';
import { LocalConnection } from '../../../src/connection/local.js';
import type { ApiChangeRequest, Connection, RemoteFile, WriteOptions } from '../../../src/connection/types.js';
import { applyChanges } from '../../../src/engine/apply.js';
import { HostFacts } from '../../../src/facts/host-facts.js';
import type { Change } from '../../../src/modules/types.js';

const write = (path: string, text: string, more: Partial<Extract<Change, { kind: 'write' }>> = {}): Change => ({
  kind: 'write',
  path,
  content: Buffer.from(text),
  ...more,
});
const exec = (script: string, okCodes?: number[]): Change => ({
  kind: 'exec',
  cmd: { script },
  ...(okCodes ? { okCodes } : {}),
});

describe('applyChanges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshplay-apply-'));
  let conn: LocalConnection;
  beforeAll(() => {
    conn = LocalConnection.open('localhost');
  });
  afterAll(async () => {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const at = (f: string) => join(dir, f);

  test('a write lands with its mode, and the facts cache forgets the old content', async () => {
    const facts = new HostFacts(conn);
    writeFileSync(at('a.conf'), 'old\n');
    expect((await facts.file(at('a.conf')))?.content?.toString()).toBe('old\n');
    const applied = await applyChanges(conn, facts, [write(at('a.conf'), 'new\n', { mode: 0o600 })]);
    expect(applied).toEqual({ runs: [], backups: [] });
    expect(readFileSync(at('a.conf'), 'utf8')).toBe('new\n');
    expect(statSync(at('a.conf')).mode & 0o777).toBe(0o600);
    expect((await facts.file(at('a.conf')))?.content?.toString()).toBe('new\n');
  });

  test('backup: the old file is kept beside the new one and reported', async () => {
    writeFileSync(at('b.conf'), 'before\n');
    const applied = await applyChanges(conn, new HostFacts(conn), [write(at('b.conf'), 'after\n', { backup: true })]);
    expect(applied.backups).toHaveLength(1);
    expect(readFileSync(applied.backups[0] as string, 'utf8')).toBe('before\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('b.conf.'))).toHaveLength(1);
  });

  test('consecutive commands run in order as one chain; output and codes come back per command', async () => {
    const applied = await applyChanges(conn, new HostFacts(conn), [
      exec(`echo one > '${at('c1')}'; echo out`),
      exec(`echo err >&2; test -e '${at('c1')}'`),
    ]);
    expect(applied.failed).toBeUndefined();
    expect(applied.runs.map((r) => [r.rc, r.stdout, r.stderr])).toEqual([
      [0, 'out\n', ''],
      [0, '', 'err\n'],
    ]);
  });

  test('a failed command stops the chain: later ones do not run (rc -1), later writes do not happen', async () => {
    const applied = await applyChanges(conn, new HostFacts(conn), [
      exec('echo partial; echo broke >&2; exit 3'),
      exec(`touch '${at('never-run')}'`),
      write(at('never-written'), 'x'),
    ]);
    expect(applied.runs.map((r) => r.rc)).toEqual([3, -1]);
    expect(applied.failed).toBe('command failed (rc=3): echo partial; echo broke >&2; exit 3: broke');
    expect(existsSync(at('never-run'))).toBe(false);
    expect(existsSync(at('never-written'))).toBe(false);
  });

  test("a command's ok codes count as success (iscsiadm's 15: session exists) and the chain goes on", async () => {
    const applied = await applyChanges(conn, new HostFacts(conn), [
      exec('exit 15', [0, 15]),
      exec(`touch '${at('went-on')}'`),
    ]);
    expect(applied.failed).toBeUndefined();
    expect(applied.runs.map((r) => r.rc)).toEqual([15, 0]);
    expect(existsSync(at('went-on'))).toBe(true);
  });

  test('writes and commands interleave in the order planned', async () => {
    const applied = await applyChanges(conn, new HostFacts(conn), [
      write(at('order'), 'first\n'),
      exec(`cat '${at('order')}'; echo second >> '${at('order')}'`),
      write(at('order2'), 'third\n'),
    ]);
    expect(applied.runs[0]?.stdout).toBe('first\n');
    expect(readFileSync(at('order'), 'utf8')).toBe('first\nsecond\n');
    expect(readFileSync(at('order2'), 'utf8')).toBe('third\n');
  });
});

describe('applyChanges on a REST API target (an E-Series array)', () => {
  type ArrayConn = LocalConnection & { apiChange(r: ApiChangeRequest): Promise<unknown>; requests: ApiChangeRequest[] };
  /** An array connection: records each request, refuses the one at `refuse` with the array's message. */
  const fakeArray = (refuse?: string): ArrayConn => {
    const conn = LocalConnection.open('array') as ArrayConn;
    conn.requests = [];
    conn.apiChange = async (request) => {
      if (request.path === refuse) throw new ArrayApiError(422, `the array refused ${request.path}: name in use`);
      conn.requests.push(request);
      return {};
    };
    return conn;
  };
  const api = (path: string, body?: unknown): Change => ({ kind: 'api', method: 'POST', path, body });

  test('requests go out in order; the facts cache forgets the array state after each', async () => {
    const conn = fakeArray();
    const facts = new HostFacts(conn);
    let forgotten = 0;
    facts.invalidateApi = () => {
      forgotten++;
    };
    const applied = await applyChanges(conn, facts, [api('hosts', { name: 'h1' }), api('volume-mappings', { lun: 1 })]);
    expect(applied.failed).toBeUndefined();
    expect(conn.requests.map((r) => r.path)).toEqual(['hosts', 'volume-mappings']);
    expect(forgotten).toBe(2);
    await conn.close();
  });

  test("the array's refusal fails the task with its message, and the changes after it are not sent", async () => {
    const conn = fakeArray('hosts');
    const applied = await applyChanges(conn, new HostFacts(conn), [api('hosts'), api('volume-mappings')]);
    expect(applied.failed).toBe('the array refused hosts: name in use');
    expect(conn.requests).toEqual([]);
    await conn.close();
  });

  test('a transport error is not a task failure: it propagates (the host is unreachable, not failed)', async () => {
    const conn = LocalConnection.open('array') as LocalConnection & {
      apiChange?: (r: ApiChangeRequest) => Promise<unknown>;
    };
    conn.apiChange = async () => {
      throw new Error('socket hang up');
    };
    await expect(applyChanges(conn, new HostFacts(conn), [api('hosts')])).rejects.toThrow('socket hang up');
    await conn.close();
  });

  test('an api change on a host without a REST API is a bug, said as such', async () => {
    const conn = LocalConnection.open('plain');
    await expect(applyChanges(conn, new HostFacts(conn), [api('hosts')])).rejects.toThrow(/has no REST API/);
    await conn.close();
  });

  describe('a write and the facts: what it was planned against goes with it, what the host gave back stays', () => {
    /** A host that records what it is asked, and gives back every written file as SftpFiles does. */
    const recording = (readBack: boolean) => {
      const disk = new Map<string, RemoteFile>();
      const calls: string[] = [];
      const options: (WriteOptions | undefined)[] = [];
      const conn: Connection = {
        host: 'h',
        stats: { execChannels: 0, commands: 0, roundTrips: 0, sftpOps: 0 },
        read: async () => [],
        run: async (cmds) => {
          calls.push(`run ${cmds.length}`);
          return cmds.map(() => ({ rc: 0, stdout: '', stderr: '' }));
        },
        readFiles: async (paths) => {
          calls.push(`read ${paths.join(',')}`);
          return paths.map((p) => disk.get(p) ?? null);
        },
        writeFile: async (path, content, o) => {
          calls.push(`write ${path}`);
          options.push(o);
          const stat = {
            mode: o?.mode ?? 0o644,
            uid: 0,
            gid: 0,
            size: content.length,
            isFile: true,
            isDirectory: false,
            isSymlink: false,
          };
          disk.set(path, { stat, content });
          return readBack ? { written: { stat, content } } : {};
        },
        close: async () => undefined,
      };
      return { conn, calls, options, disk };
    };

    test('the held file is passed as current; the file given back is what the next read finds, without a read', async () => {
      const { conn, calls, options } = recording(true);
      const facts = new HostFacts(conn);
      expect(await facts.file('/etc/a')).toBeNull();
      await applyChanges(conn, facts, [write('/etc/a', 'one\n', { mode: 0o600 })]);
      expect(options[0]?.current).toBeNull();
      const after = await facts.file('/etc/a');
      expect(after?.content?.toString()).toBe('one\n');
      expect(after?.stat.mode).toBe(0o600);
      expect(calls).toEqual(['read /etc/a', 'write /etc/a']);
    });

    test('a file not held is left for the write to read (current undefined); one not given back is read again', async () => {
      const { conn, calls, options } = recording(false);
      const facts = new HostFacts(conn);
      await applyChanges(conn, facts, [write('/etc/b', 'two\n')]);
      expect(options[0]).not.toHaveProperty('current', null);
      expect(options[0]?.current).toBeUndefined();
      expect((await facts.file('/etc/b'))?.content?.toString()).toBe('two\n');
      expect(calls).toEqual(['write /etc/b', 'read /etc/b']);
    });

    test("after the task's own commands, the held file may be stale: the write is not given it", async () => {
      const { conn, options } = recording(true);
      const facts = new HostFacts(conn);
      await facts.file('/etc/c');
      await applyChanges(conn, facts, [exec('touch /etc/c'), write('/etc/c', 'three\n')]);
      expect(options[0]?.current).toBeUndefined();
    });
  });
});
