/**
 * Issue 22.8: a task's commands carry, in their round trip, the reads the next tasks want (taken after the
 * commands, so the order of side effects and reads is kept), and a loop of commands whose plans read
 * nothing sends every item in one round trip, each item on its own (a failed item does not stop the next,
 * as in Ansible). Run on LocalConnections; every request a host gets is recorded in order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { LocalConnection } from '../../../src/connection/local.js';
import type { Chain, ReadsAfter } from '../../../src/connection/types.js';
import { type Cmd, shellText } from '../../../src/remote-command.js';
import { runLocal } from './local-run.js';

type Request =
  | { kind: 'read' | 'run'; cmds: string[] }
  | { kind: 'readFiles'; paths: string[] }
  | { kind: 'runThenRead'; chains: string[][]; reads: string[]; paths: string[] };

let requests: Request[] = [];

beforeEach(() => {
  requests = [];
  const proto = LocalConnection.prototype;
  const read = proto.read;
  const run = proto.run;
  const readFiles = proto.readFiles;
  const runThenRead = proto.runThenRead;
  vi.spyOn(proto, 'read').mockImplementation(function (this: LocalConnection, cmds: readonly Cmd[], o) {
    requests.push({ kind: 'read', cmds: cmds.map(shellText) });
    return read.call(this, cmds, o);
  });
  vi.spyOn(proto, 'run').mockImplementation(function (this: LocalConnection, cmds: readonly Cmd[], o) {
    requests.push({ kind: 'run', cmds: cmds.map(shellText) });
    return run.call(this, cmds, o);
  });
  vi.spyOn(proto, 'readFiles').mockImplementation(function (this: LocalConnection, paths: readonly string[]) {
    requests.push({ kind: 'readFiles', paths: [...paths] });
    return readFiles.call(this, paths);
  });
  if (!runThenRead) return; // a build without it: the tests' other checks still tell
  vi.spyOn(proto as Required<LocalConnection>, 'runThenRead').mockImplementation(function (
    this: LocalConnection,
    chains: readonly Chain[],
    reads: ReadsAfter,
    o,
  ) {
    const texts = chains.map((c) => c.cmds.map(shellText));
    requests.push({ kind: 'runThenRead', chains: texts, reads: reads.cmds.map(shellText), paths: [...reads.paths] });
    return runThenRead.call(this, chains, reads, o);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('reads after commands, in their round trip', () => {
  test('a file a command changes is read after it, in the same round trip, and the next task plans from that', async () => {
    const yaml = `
- hosts: h1
  gather_facts: false
  tasks:
    - name: change
      command: { argv: [sh, -c, "echo after > {{dir}}/f.txt"] }
    - name: read it
      slurp: { src: "{{dir}}/f.txt" }
      register: seen
    - name: show
      debug: { msg: "{{ seen.content | b64decode }}" }
`;
    const again = await runLocal(yaml, { hosts: ['h1'], files: { 'h1/f.txt': 'before\n' } });
    expect(again.summary.stats.h1).toMatchObject({ failed: 0 });
    expect(again.resultsOf('h1', 'show')[0]?.msg).toBe('after\n');
    const file = join(again.dir('h1'), 'f.txt');
    // the play's read-ahead read the file before the command ('before'); the command's round trip read it
    // again after the command; no other request read it
    const fileReads = requests.flatMap((r, i) =>
      (r.kind === 'readFiles' && r.paths.includes(file)) || (r.kind === 'runThenRead' && r.paths.includes(file))
        ? [{ i, kind: r.kind }]
        : [],
    );
    const command = requests.findIndex((r) => r.kind === 'runThenRead' && r.chains[0]?.[0]?.includes('echo after'));
    expect(command).toBeGreaterThanOrEqual(0);
    expect(fileReads).toEqual([
      { i: expect.any(Number), kind: 'readFiles' },
      { i: command, kind: 'runThenRead' },
    ]);
    expect(fileReads[0]?.i).toBeLessThan(command);
    expect(requests.filter((r) => r.kind === 'run')).toEqual([]);
    // the engine's own gathering (os-release, then its commands: 2), the play's read-ahead (1), the command
    // with the slurp's read after it (1); before issue 22.8 the read was a round trip of its own (5)
    expect(again.summary.connectionStats.h1?.roundTrips).toBe(4);
  });
});

describe('a loop of commands in one round trip', () => {
  test('three items, the second fails: all three run in one round trip, each judged on its own, the task fails', async () => {
    const run = await runLocal(
      `
- hosts: h1
  gather_facts: false
  tasks:
    - name: each
      command: { argv: [sh, -c, "echo {{item}} >> {{dir}}/log; [ {{item}} != b ]"] }
      loop: [a, b, c]
      changed_when: item == 'c'
    - name: not reached
      debug: { msg: "no" }
`,
      { hosts: ['h1'] },
    );
    const items = run.resultsOf('h1', 'each');
    expect(items.map((r) => r.status)).toEqual(['ok', 'failed', 'changed']);
    expect(items.map((r) => r.rc)).toEqual([0, 1, 0]);
    expect(run.summary.stats.h1).toMatchObject({ failed: 1 });
    expect(run.resultsOf('h1', 'not reached')).toEqual([]);
    expect(readFileSync(join(run.dir('h1'), 'log'), 'utf8')).toBe('a\nb\nc\n');
    const trips = requests.filter((r) => r.kind === 'runThenRead' || r.kind === 'run');
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ kind: 'runThenRead' });
    expect((trips[0] as { chains: string[][] }).chains).toHaveLength(3);
    // the engine's own gathering (2), then the loop's one round trip: nothing is read ahead (no task reads)
    expect(run.summary.connectionStats.h1?.roundTrips).toBe(3);
  });

  test('a loop whose items read the host (creates:) runs item by item', async () => {
    const run = await runLocal(
      `
- hosts: h1
  gather_facts: false
  tasks:
    - name: each
      command: { argv: [sh, -c, "echo {{item}} >> {{dir}}/log; touch {{dir}}/made"], creates: "{{dir}}/made" }
      loop: [a, b]
`,
      { hosts: ['h1'] },
    );
    // the second item's plan reads what the first one's command made: it is planned after it ran
    expect(run.resultsOf('h1', 'each').map((r) => r.status)).toEqual(['changed', 'ok']);
    expect(readFileSync(join(run.dir('h1'), 'log'), 'utf8')).toBe('a\n');
    expect(requests.filter((r) => r.kind === 'runThenRead' && r.chains.length > 1)).toEqual([]);
  });
});
