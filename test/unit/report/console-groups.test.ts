import { describe, expect, test } from 'vitest';
import { type EngineEvent, emptyStats } from '../../../src/engine/events.js';
import { ConsoleReporter } from '../../../src/report/console.js';
import type { LiveArea } from '../../../src/report/console-options.js';
import { hostList } from '../../../src/report/host-list.js';
import { defaultLoopLabel } from '../../../src/report/loop-label.js';
import { templateOf } from '../../../src/report/result-template.js';

type Result = Extract<EngineEvent, { type: 'task_result' }>;
const result = (host: string, extra: Partial<Result> = {}): EngineEvent => ({
  type: 'task_result',
  play: 'p',
  task: 't',
  host,
  status: 'ok',
  handler: false,
  durationMs: 1,
  ...extra,
});
const start = (host: string, task = 't'): EngineEvent => ({
  type: 'task_start',
  play: 'p',
  task,
  host,
  handler: false,
});
const recap = (hosts: string[], interrupted = false): EngineEvent => ({
  type: 'recap',
  stats: Object.fromEntries(hosts.map((h) => [h, { ...emptyStats(), ok: 2, changed: 1 }])),
  notStarted: {},
  durationMs: 10,
  interrupted,
});

function run(events: EngineEvent[], options: { live?: LiveArea; resumeHint?: string } = {}): string[] {
  const lines: string[] = [];
  const r = new ConsoleReporter({
    verbosity: 0,
    color: false,
    profile: false,
    out: (t) => lines.push(...t.split('\n')),
    ...options,
  });
  for (const e of events) r.emit(e);
  r.close();
  return lines;
}

const play = (hosts: string[], name = 'p'): EngineEvent => ({ type: 'play_start', play: name, hosts, check: true });
const diffFor = (guid: string) =>
  `--- /etc/rc.local\tbefore\n+++ /etc/rc.local\tafter\n@@ -1,1 +1,2 @@\n touch /var/lock\n+opensm -B -g ${guid} -p 15\n`;

describe('host lists', () => {
  test('consecutive numbered names become a range; others stay', () => {
    expect(hostList(['host1', 'host2', 'host3', 'host5', 'db', 'host01'])).toBe('host[1:3], host5, db, host01');
    expect(hostList(['a1', 'a2'])).toBe('a1, a2');
  });
});

describe('loop labels', () => {
  test('a mapping shows its naming field, a registered result the item it was for, long text is cut', () => {
    expect(defaultLoopLabel({ name: 'ib0', address: '192.168.130.11/24' })).toBe('ib0');
    expect(defaultLoopLabel({ changed: false, stdout: 'x'.repeat(500), item: { wwid: '3600a0' } })).toBe('3600a0');
    expect(defaultLoopLabel({ a: 'x'.repeat(100) }).length).toBe(60);
  });
  test('loop_control.label (rendered by the engine) is shown instead of the item', () => {
    const lines = run([result('h1', { item: { name: 'ib0', big: 'y'.repeat(300) }, label: 'port ib0' })]);
    expect(lines).toEqual(['ok: [h1] t (item=port ib0)']);
  });
});

describe('results grouped across hosts', () => {
  test('the same outcome on several hosts is one line naming them all', () => {
    const hosts = ['host1', 'host2', 'host3', 'host4'];
    const lines = run([play(hosts), ...hosts.map((h) => start(h)), ...hosts.map((h) => result(h)), recap(hosts)]);
    expect(lines).toContain('ok: [host[1:4]] t');
    expect(lines.filter((l) => l.startsWith('ok:'))).toHaveLength(1);
  });

  test('a task prints only once every host has gone past it, in task order', () => {
    const lines = run([play(['h1', 'h2']), start('h1'), result('h1'), start('h1', 'u'), result('h1', { task: 'u' })]);
    expect(lines.filter((l) => l.startsWith('ok:'))).toEqual([]);
    const after = run([
      play(['h1', 'h2']),
      start('h1'),
      result('h1'),
      start('h1', 'u'),
      result('h1', { task: 'u' }),
      start('h2'),
      result('h2'),
      start('h2', 'u'),
      result('h2', { task: 'u' }),
      recap(['h1', 'h2']),
    ]);
    expect(after.filter((l) => l.startsWith('ok:'))).toEqual(['ok: [h1, h2] t', 'ok: [h1, h2] u']);
  });

  test('an identical diff on several hosts prints once with the list of hosts', () => {
    const hosts = ['host1', 'host2', 'host3'];
    const diff = diffFor('0xaa');
    const lines = run([
      play(hosts),
      ...hosts.map((h) => start(h)),
      ...hosts.map((h) => result(h, { status: 'changed', diff, commands: ['write /etc/rc.local'] })),
      recap(hosts),
    ]);
    expect(lines.filter((l) => l.startsWith('+opensm'))).toEqual(['+opensm -B -g 0xaa -p 15']);
    expect(lines).toContain('changed: [host[1:3]] t');
  });

  test("diffs that differ in a host's own values print once, and every host's values are shown", () => {
    const hosts = ['host1', 'host2', 'host3', 'host4', 'host5', 'host6'];
    const lines = run([
      play(hosts),
      ...hosts.map((h) => start(h)),
      ...hosts.map((h, i) =>
        result(h, { status: 'changed', diff: diffFor(`0x${i}f`), commands: ['write /etc/rc.local'] }),
      ),
      recap(hosts),
    ]);
    expect(lines.filter((l) => l.startsWith('+opensm'))).toEqual(['+opensm -B -g «1» -p 15']);
    expect(lines).toContain('    «1» stand for:');
    expect(lines).toContain(
      '      [host1] 0x0f | [host2] 0x1f | [host3] 0x2f | [host4] 0x3f | [host5] 0x4f | [host6] 0x5f',
    );
  });

  test('diffs of different shapes are each printed whole', () => {
    const lines = run([
      play(['h1', 'h2']),
      start('h1'),
      start('h2'),
      result('h1', { status: 'changed', diff: diffFor('0x1') }),
      result('h2', { status: 'changed', diff: `${diffFor('0x2')}+another line\n+and one more\n` }),
      recap(['h1', 'h2']),
    ]);
    expect(lines.filter((l) => l.startsWith('+opensm'))).toEqual([
      '+opensm -B -g 0x1 -p 15',
      '+opensm -B -g 0x2 -p 15',
    ]);
  });

  test('templates refuse texts that do not line up or differ in too many words', () => {
    expect(templateOf(['a b c', 'a b'])).toBeUndefined();
    expect(templateOf(['1 2 3 4 5 6 7', 'a b c d e f g'])).toBeUndefined();
    expect(templateOf(['x=1 y', 'x=2 y'])).toEqual({ template: 'x=«1» y', values: [['1'], ['2']] });
  });
});

describe('plays, recap and live line', () => {
  test('plays with no host left are one line, not one per play', () => {
    const lines = run([play(['h1']), play([], 'b'), play([], 'c'), play([], 'd'), recap(['h1'])]);
    expect(lines).toContain('skipping 3 plays (no host left): b ... d');
    expect(lines.filter((l) => l.startsWith('PLAY ['))).toHaveLength(1);
  });

  test('the recap ends with totals; an interrupted run says how to resume', () => {
    const lines = run([recap(['h1', 'h2'], true)], { resumeHint: 'To resume: run it again' });
    expect(lines).toContain(
      'TOTAL 2 hosts: 0 unchanged, 2 changed, 0 failed, 0 unreachable; tasks ok=4 changed=2 failed=0 skipped=0 rescued=0 ignored=0',
    );
    expect(lines).toContain('To resume: run it again');
  });

  test('the live line shows done/total', () => {
    const drawn: string[] = [];
    const live = Object.assign((t: string) => drawn.push(t), { clear() {}, done() {} });
    run([play(['h1', 'h2', 'h3']), start('h1'), start('h2'), start('h3'), result('h1')], { live });
    expect(drawn.at(-1)).toContain('done 1/3');
  });
});

describe('a task held until every host has gone past it', () => {
  test('hosts run in waves (forks): the first task prints once, before the second, only when the last wave passed it', () => {
    const hosts = Array.from({ length: 6 }, (_, i) => `w${i + 1}`);
    const events: EngineEvent[] = [play(hosts)];
    // Waves of two hosts, each running both tasks before the next wave starts.
    for (let i = 0; i < hosts.length; i += 2) {
      for (const task of ['t', 'u'])
        for (const h of hosts.slice(i, i + 2)) events.push(start(h, task), result(h, { task, status: 'changed' }));
    }
    const cut = events.length - 8;
    const early = run(events.slice(0, cut));
    expect(early.some((l) => l.endsWith('] t'))).toBe(false);
    const lines = run([...events, recap(hosts)]);
    const first = lines.findIndex((l) => l.endsWith('] t'));
    const second = lines.findIndex((l) => l.endsWith('] u'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThan(first);
    expect(lines.filter((l) => l.endsWith('] t'))).toEqual(['changed: [w[1:6]] t']);
  });
});

describe('results held for the rest of the fleet', () => {
  test('a held loop result prints its label though the item (a whole registered result) is not kept', () => {
    const big = { item: 'disk1', stdout: 'x'.repeat(10_000) };
    const lines = run([
      play(['a', 'b']),
      start('a'),
      result('a', { status: 'changed', item: big, stdout: 'y'.repeat(10_000) }),
      start('b'),
      result('b', { status: 'changed', item: big }),
      recap(['a', 'b']),
    ]);
    const line = lines.find((l) => l.startsWith('changed:'));
    expect(line).toContain('disk1');
    expect(lines.join('\n')).not.toContain('yyyy');
  });
});
