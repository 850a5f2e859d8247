import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ansiCWord,
  firstDifference,
  parseArgvLog,
  readFloorScript,
  type TraceEntry,
  workFloorScript,
} from '../../../bench/trace.js';

const SIM_LIB = join(import.meta.dirname, '../../target/sim/lib/sim-lib.sh');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bench-trace-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bash = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8' });

describe('the sim argv log (calls.argv)', () => {
  it('records each call with its exit status and arguments that bash reads back as the same argv', () => {
    const args = ['-m', 'node', '-p', '192.168.130.101:3260,1', '-v', 'two words', "it's", '$HOME', 'tab\there'];
    const script = `. ${SIM_LIB}; SIM_LOG=${dir}/calls.log; SIM_ARGV_LOG=${dir}/calls.argv; sim_log iscsiadm "$@"; exit 7`;
    spawnSync('bash', ['-c', script, 'tool', ...args]);
    const [call] = parseArgvLog(readFileSync(join(dir, 'calls.argv'), 'utf8'));
    expect(call?.rc).toBe(7);
    // the replay's way: the line, minus its time and status, as bash words
    const words = execFileSync('bash', ['-c', `eval "set -- $1"; printf '%s\\0' "$@"`, 'replay', call?.argv ?? ''], {
      encoding: 'utf8',
    });
    expect(words.split('\0').slice(0, -1)).toEqual(['iscsiadm', ...args]);
    // the readable log keeps its old form (tests grep it)
    expect(readFileSync(join(dir, 'calls.log'), 'utf8')).toMatch(
      /^\d+ iscsiadm -m node -p 192\.168\.130\.101:3260,1 -v two words/,
    );
  });

  it('logs nothing for calls the simulation makes itself (SIM_NOLOG=1)', () => {
    bash(`. ${SIM_LIB}; SIM_LOG=${dir}/calls.log; SIM_ARGV_LOG=${dir}/calls.argv; SIM_NOLOG=1 sim_log x; exit 0`);
    expect(() => readFileSync(join(dir, 'calls.argv'), 'utf8')).toThrow();
  });
});

describe('parseArgvLog', () => {
  it('orders calls by their start, and names the line it cannot read', () => {
    const calls = parseArgvLog('200 0 b\n100 3 a\\ b\n');
    expect(calls.map((c) => [c.argv, c.rc])).toEqual([
      ['a\\ b', 3],
      ['b', 0],
    ]);
    expect(() => parseArgvLog('100 0 a\nnot a call\n')).toThrow(/calls\.argv line 2/);
  });
});

describe('readFloorScript', () => {
  const entries: TraceEntry[] = [
    { t: 1, host: 'h', kind: 'read', scripts: ["echo 'one'", 'exit 3'], rcs: [0, 3] },
    { t: 2, host: 'h', kind: 'readFiles', paths: ['/etc/a b', '/etc/c'] },
    { t: 3, host: 'h', kind: 'run', scripts: ['echo two'], rcs: [0] },
  ];

  it("runs every command in its own subshell (an exit ends only that one), then reads the run's files", () => {
    const out = bash(readFloorScript(entries));
    expect(out.stdout).toBe('one\ntwo\n');
    expect(out.status).toBe(0);
    expect(readFloorScript(entries)).toContain("cat -- '/etc/a b' '/etc/c'");
  });

  it('refuses a run that wrote a file: it is no read floor', () => {
    expect(() => readFloorScript([{ t: 1, host: 'h', kind: 'write', path: '/x', content: '' }])).toThrow(
      /h: a read-only run wrote \/x/,
    );
  });
});

describe('workFloorScript', () => {
  const write = (t: number, path: string, text: string, mode?: number): TraceEntry => ({
    t,
    host: 'h',
    kind: 'write',
    path,
    content: Buffer.from(text).toString('base64'),
    mode,
  });

  it('replays writes and calls in the order they happened, each call ending as it did', () => {
    const f = join(dir, 'boot file');
    const script = workFloorScript(
      [
        { t: 10, rc: 0, argv: `test -x ${join(dir, 'boot\\ file')}` },
        { t: 30, rc: 1, argv: 'false' },
      ],
      [write(5, f, "#!/bin/sh\necho 'hi' \\ there\n", 0o755)],
    );
    const out = bash(script);
    expect(out.status, out.stderr).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe("#!/bin/sh\necho 'hi' \\ there\n");
    expect(statSync(f).mode & 0o777).toBe(0o755);
  });

  it('stops at the first call that does not end as it did in the run (set -e)', () => {
    const marker = join(dir, 'after');
    const script = workFloorScript(
      [
        { t: 1, rc: 0, argv: 'false' },
        { t: 2, rc: 0, argv: `touch ${marker}` },
      ],
      [],
    );
    expect(bash(script).status).not.toBe(0);
    expect(() => statSync(marker)).toThrow();
  });

  it('gives an existing file the mode asked for, and a new one its mode without a process', () => {
    const old = join(dir, 'old');
    writeFileSync(old, 'x', { mode: 0o644 });
    const fresh = join(dir, 'fresh');
    const out = bash(workFloorScript([], [write(1, old, 'y', 0o600), write(2, fresh, 'z', 0o600)]));
    expect(out.status, out.stderr).toBe(0);
    expect([statSync(old).mode & 0o777, statSync(fresh).mode & 0o777]).toEqual([0o600, 0o600]);
    expect(readFileSync(old, 'utf8')).toBe('y');
  });
});

describe('ansiCWord and firstDifference', () => {
  it('quotes any bytes so that bash prints them back unchanged', () => {
    const bytes = Buffer.from([0x41, 0x27, 0x5c, 0x0a, 0xff, 0x30, 0x31]);
    const out = spawnSync('bash', ['-c', `printf '%s' ${ansiCWord(bytes)}`]);
    expect(Buffer.compare(out.stdout, bytes)).toBe(0);
  });

  it('names the first call that differs, argv or exit status', () => {
    const a = [{ t: 1, rc: 0, argv: 'x' }];
    expect(firstDifference(a, [{ t: 9, rc: 0, argv: 'x' }])).toBeNull();
    expect(firstDifference(a, [{ t: 1, rc: 2, argv: 'x' }])).toMatch(
      /call 1 of 1: expected x \(exit 0\), got x \(exit 2\)/,
    );
    expect(firstDifference(a, [])).toMatch(/got nothing/);
  });
});
