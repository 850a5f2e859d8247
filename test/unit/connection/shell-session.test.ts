import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { ShellSession } from '../../../src/connection/shell-session.js';
import { sh } from '../../../src/remote-command.js';

const children: ChildProcessWithoutNullStreams[] = [];

function openSession(): { session: ShellSession; child: ChildProcessWithoutNullStreams } {
  const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const session = new ShellSession(child.stdin, child.stdout, child.stderr, (why) => new Error(`broken: ${why}`));
  child.on('close', () => session.fail('the shell exited'));
  return { session, child };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const dir = mkdtempSync(join(tmpdir(), 'sshplay-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ShellSession over a real /bin/sh', () => {
  test('stdout and stderr are separated, with the exit code', async () => {
    const { session } = openSession();
    const [r] = await session.run([{ script: 'echo out; echo err >&2; exit 0' }]);
    expect(r).toEqual({ rc: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  test('exit codes are data; `exit 3` does not end the session', async () => {
    const { session } = openSession();
    expect(await session.run([{ script: 'exit 3' }])).toEqual([{ rc: 3, stdout: '', stderr: '' }]);
    expect(await session.run([{ argv: ['false'] }])).toEqual([{ rc: 1, stdout: '', stderr: '' }]);
    expect(await session.run([{ argv: ['echo', 'still here'] }])).toEqual([
      { rc: 0, stdout: 'still here\n', stderr: '' },
    ]);
  });

  test('output without a trailing newline', async () => {
    const { session } = openSession();
    const [r] = await session.run([{ script: "printf abc; printf 'e1' >&2" }]);
    expect(r).toEqual({ rc: 0, stdout: 'abc', stderr: 'e1' });
  });

  test('several commands in one run: results in order, one write', async () => {
    const { session } = openSession();
    const results = await session.run([
      { argv: ['echo', 'one'] },
      { script: 'echo two >&2; exit 7' },
      { argv: ['printf', '%s', 'three'] },
    ]);
    expect(results).toEqual([
      { rc: 0, stdout: 'one\n', stderr: '' },
      { rc: 7, stdout: '', stderr: 'two\n' },
      { rc: 0, stdout: 'three', stderr: '' },
    ]);
    expect(session.commands).toBe(3);
  });

  test('concurrent runs resolve with their own results', async () => {
    const { session } = openSession();
    const [a, b] = await Promise.all([session.run([{ argv: ['echo', 'a'] }]), session.run([{ argv: ['echo', 'b'] }])]);
    expect(a?.[0]?.stdout).toBe('a\n');
    expect(b?.[0]?.stdout).toBe('b\n');
  });

  test('an empty run resolves at once', async () => {
    const { session } = openSession();
    expect(await session.run([])).toEqual([]);
  });

  test('commands cannot read the protocol: stdin is /dev/null', async () => {
    const { session } = openSession();
    const [r, next] = await session.run([{ argv: ['cat'] }, { argv: ['echo', 'next'] }]);
    expect(r).toEqual({ rc: 0, stdout: '', stderr: '' });
    expect(next?.stdout).toBe('next\n');
  });

  test('a plain C locale', async () => {
    const { session } = openSession();
    const [r] = await session.run([{ script: 'echo "$LC_ALL $LANG"' }]);
    expect(r?.stdout).toBe('C C\n');
  });

  test('state of one command (cd, variables) does not leak into the next: each runs in a subshell', async () => {
    const { session } = openSession();
    const [, r] = await session.run([{ script: 'cd /; X=1' }, { script: 'echo "[$X]"' }]);
    expect(r?.stdout).toBe('[]\n');
  });

  describe('chain mode', () => {
    test('after a failure, the rest is skipped with rc -1', async () => {
      const { session } = openSession();
      const results = await session.run(
        [{ argv: ['echo', 'a'] }, { script: 'echo bad >&2; exit 2' }, { script: `touch ${join(dir, 'skipped')}` }],
        undefined,
        [[0], [0], [0]],
      );
      expect(results).toEqual([
        { rc: 0, stdout: 'a\n', stderr: '' },
        { rc: 2, stdout: '', stderr: 'bad\n' },
        { rc: -1, stdout: '', stderr: '' },
      ]);
      expect(existsSync(join(dir, 'skipped'))).toBe(false);
    });

    test('ok codes such as [0, 15] let the chain go on', async () => {
      const { session } = openSession();
      const results = await session.run([{ script: 'exit 15' }, { argv: ['echo', 'ran'] }], undefined, [[0, 15], [0]]);
      expect(results.map((r) => r.rc)).toEqual([15, 0]);
      expect(results[1]?.stdout).toBe('ran\n');
    });

    test('an exit code outside the ok codes stops it', async () => {
      const { session } = openSession();
      const results = await session.run([{ script: 'exit 1' }, { argv: ['echo', 'ran'] }], undefined, [[0, 15], [0]]);
      expect(results.map((r) => r.rc)).toEqual([1, -1]);
    });

    test('missing chain entries default to [0]', async () => {
      const { session } = openSession();
      const results = await session.run(
        [{ script: 'exit 0' }, { script: 'exit 4' }, { argv: ['true'] }],
        undefined,
        [],
      );
      expect(results.map((r) => r.rc)).toEqual([0, 4, -1]);
    });

    test('a chain does not affect the next run', async () => {
      const { session } = openSession();
      await session.run([{ script: 'exit 1' }], undefined, [[0]]);
      const [r] = await session.run([{ argv: ['echo', 'fresh'] }], undefined, [[0]]);
      expect(r?.rc).toBe(0);
    });
  });

  test('binary-ish output: control bytes pass, the session keeps working', async () => {
    const { session } = openSession();
    const [r] = await session.run([{ script: "printf '\\001\\002\\033[0m\\000tab\\there\\r\\n'" }]);
    expect(r?.stdout).toBe('\u0001\u0002\u001b[0m\u0000tab\there\r\n');
    const [r2] = await session.run([{ script: "printf '\\377\\376x'" }]);
    expect(r2?.stdout.endsWith('x')).toBe(true);
    expect(r2?.rc).toBe(0);
    const [r3] = await session.run([{ argv: ['echo', 'ok'] }]);
    expect(r3?.stdout).toBe('ok\n');
  });

  test('output that imitates a marker does not confuse the protocol', async () => {
    const { session } = openSession();
    const [r] = await session.run([
      { script: "printf '__SSHPLAY_00__.1:0\\n__SSHPLAY_x__.1\\n' ; printf '__SSHPLAY_00__.1\\n' >&2" },
    ]);
    expect(r).toEqual({ rc: 0, stdout: '__SSHPLAY_00__.1:0\n__SSHPLAY_x__.1\n', stderr: '__SSHPLAY_00__.1\n' });
  });

  test('large output arriving in many chunks', async () => {
    const { session } = openSession();
    const [r] = await session.run([{ script: 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done' }]);
    const lines = r?.stdout.split('\n') ?? [];
    expect(lines).toHaveLength(20001);
    expect(lines[19999]).toBe('line 19999');
  });

  describe('hostile values through the sh template never execute', () => {
    const marker = join(dir, 'pwned-XYZ');
    const hostile = [
      `$(touch ${marker})`,
      `; touch ${marker}`,
      `; rm -rf /nonexistent`,
      `\`touch ${marker}\``,
      `x\ntouch ${marker}`,
      `'; touch ${marker}; echo '`,
      `"; touch ${marker}; echo "`,
      `$(touch ${marker})'"\`touch ${marker}\``,
      `| touch ${marker}`,
      `&& touch ${marker} #`,
      `\${IFS}touch\${IFS}${marker}`,
      '-n',
      '',
      '*',
    ];
    test.each(hostile)('%j', async (value) => {
      const { session } = openSession();
      const [r] = await session.run([sh`printf '%s' ${value}`]);
      expect(r).toEqual({ rc: 0, stdout: value, stderr: '' });
      expect(existsSync(marker)).toBe(false);
    });

    test('an array becomes several words, each inert', async () => {
      const { session } = openSession();
      const [r] = await session.run([sh`printf '<%s>' ${hostile}`]);
      expect(r?.stdout).toBe(hostile.map((h) => `<${h}>`).join(''));
      expect(existsSync(marker)).toBe(false);
    });

    test('argv commands are quoted word by word too', async () => {
      const { session } = openSession();
      const [r] = await session.run([{ argv: ['printf', '%s|', ...hostile] }]);
      expect(r?.stdout).toBe(hostile.map((h) => `${h}|`).join(''));
      expect(existsSync(marker)).toBe(false);
    });
  });

  test('a timeout breaks the session: this and later runs reject', async () => {
    const { session } = openSession();
    await expect(session.run([{ argv: ['sleep', '5'] }], 200)).rejects.toThrow(
      'broken: a command ran longer than 0.2s (--timeout)',
    );
    await expect(session.run([{ argv: ['true'] }])).rejects.toThrow(/broken/);
  });

  test('the shell dying rejects pending commands with the owner error', async () => {
    const { session, child } = openSession();
    const pending = session.run([{ argv: ['sleep', '5'] }]);
    child.kill('SIGKILL');
    await expect(pending).rejects.toThrow('broken: the shell exited');
  });

  test('close ends the shell cleanly', async () => {
    const { session, child } = openSession();
    await session.run([{ argv: ['true'] }]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    session.close();
    expect(await exited).toBe(0);
  });
});
