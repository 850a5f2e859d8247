import { describe, expect, it } from 'vitest';
import { frozenTargets } from '../../../bench/frozen-host.js';
import { scaleReport, scaleTargets } from '../../../bench/scale-section.js';
import { startupTargets } from '../../../bench/startup.js';
import { boundTarget, floorTarget, ratioTarget, targetsTable, verdictWord } from '../../../bench/targets.js';

describe('bench targets', () => {
  it('a ratio target is met on the median ratio, and says so when nothing was measured', () => {
    expect(ratioTarget('x', { value: 1.2, low: 1, high: 1.5 }, 1.2).met).toBe(true);
    const over = ratioTarget('x', { value: 1.21, low: 1, high: 1.5 }, 1.2);
    expect([over.met, over.measured, over.bound, verdictWord(over)]).toEqual([
      false,
      '1.21x [1.00-1.50]',
      '<= 1.2x',
      '**not met**',
    ]);
    const none = ratioTarget('x', null, 1.2);
    expect([none.met, none.measured, verdictWord(none)]).toEqual([null, 'n/a', 'not measured']);
  });

  it('a ratio to a floor under 1 is not met: the floor is no lower bound, or the noise is above the margin', () => {
    const under = floorTarget('x', { value: 0.98, low: 0.98, high: 0.98 }, 1.2);
    expect([under.met, verdictWord(under)]).toEqual([false, '**not met**']);
    expect(under.measured).toBe('0.98x [0.98-0.98], under its floor: not a lower bound, or noise above the margin');
    expect(floorTarget('x', { value: 1, low: 0.9, high: 1.1 }, 1.2).met).toBe(true);
    expect(floorTarget('x', { value: 1.25, low: 1, high: 1.5 }, 1.2).met).toBe(false);
    expect(floorTarget('x', null, 1.2).met).toBeNull();
  });

  it('a bound target prints figure and bound in one unit; NaN is not measured', () => {
    const t = boundTarget('detected', 19.96, 20, (s) => `${s.toFixed(1)} s`);
    expect(t).toEqual({ what: 'detected', measured: '20.0 s', bound: '<= 20.0 s', met: true });
    expect(boundTarget('d', 20.01, 20, String).met).toBe(false);
    expect(boundTarget('d', Number.NaN, 20, String).met).toBeNull();
  });

  it('start-up: the installed command over node -e 0, medians', () => {
    const [version, list] = startupTargets({
      runs: 3,
      ms: {
        'node -e 0': [40, 41, 90],
        'sshplay --version (installed)': [140, 141, 500],
        'sshplay run --list-tasks playbooks/iser.yml': [300, 292, 291],
        'npx --no-install sshplay --version': [900, 900, 900],
      },
    });
    expect([version?.measured, version?.met]).toEqual(['+100 ms', true]);
    expect([list?.measured, list?.met]).toEqual(['+251 ms', false]);
    expect(startupTargets(null).map((t) => t.met)).toEqual([null, null]);
  });

  it('frozen host: detection within 20 s, the others within 1.2x of a run without it', () => {
    const m = (othersDone: number, detected: number) => ({ othersDone, wall: othersDone + 1, detected });
    const f = { hosts: 20, runs: 2, frozen: 'host20', plain: [m(10, Number.NaN), m(12, Number.NaN)] };
    const [detected, others] = frozenTargets(20, { ...f, withFrozen: [m(13, 18), m(13.2, 21)] });
    expect([detected?.measured, detected?.met]).toEqual(['19.5 s', true]);
    expect([others?.what, others?.measured, others?.met]).toEqual([
      "frozen host: the 19 others' finish / a run without it",
      '1.19x [1.08-1.32]',
      true,
    ]);
    const slow = frozenTargets(20, { ...f, withFrozen: [m(75, 74), m(76, 74)] });
    expect(slow.map((t) => t.met)).toEqual([false, false]);
    expect(frozenTargets(4, null).map((t) => [t.what, t.met])).toEqual([
      ['frozen host among 4 hosts: declared unreachable after it froze', null],
      ["frozen host: the 3 others' finish / a run without it", null],
    ]);
  });

  it('scale: peak memory of the large run against the small one, and CPU per host', () => {
    const run = (hosts: number, cpuMs: number, rssKb: number) => ({
      hosts,
      forks: 100,
      seconds: 1,
      cpuMs,
      rssKb,
      heapKb: rssKb / 4,
      externalKb: rssKb / 8,
      connectionsPerHost: 1,
    });
    const s = { realHosts: 100, startSeconds: 1, loadBefore: '', loadAfter: '' };
    const [mem, cpu] = scaleTargets(2000, { ...s, runs: [run(200, 12_800, 150_000), run(2000, 96_000, 585_000)] });
    expect([mem?.what, mem?.measured, mem?.met]).toEqual([
      '--check over 2000 hosts: peak memory / at 200 hosts, same forks',
      '3.90x',
      false,
    ]);
    expect([cpu?.measured, cpu?.met]).toEqual(['0.75x', true]);
    expect(scaleTargets(2000, { ...s, runs: [run(200, 1, 1)] }).map((t) => t.met)).toEqual([null, null]);
  });

  it('scale: the connections each host opened, and what a reconnect would cost were it all of the CPU growth', () => {
    const run = (hosts: number, cpuMs: number, connectionsPerHost: number) => ({
      hosts,
      forks: 100,
      seconds: 1,
      cpuMs,
      rssKb: 1024,
      heapKb: 256,
      externalKb: 128,
      connectionsPerHost,
    });
    const s = { realHosts: 100, startSeconds: 1, loadBefore: '', loadAfter: '' };
    const { body } = scaleReport(2000, { ...s, runs: [run(200, 16_000, 6.5), run(2000, 204_000, 11.45)] }, 1);
    expect(body).toContain('| 200 | 100 | 1.0 s | 16.0 s | 80.0 ms | 6.50 |');
    expect(body).toContain('6.50 connections per host at 200 hosts,\n11.45 at 2000. CPU per host differs by 22.0 ms');
    expect(body).toContain('each would cost 4.4 ms of controller CPU');
    expect(scaleReport(200, { ...s, runs: [run(200, 16_000, 6.5)] }, 1).body).not.toContain('reconnect at the next');
  });

  it('prints one table row per target with its verdict', () => {
    const table = targetsTable([ratioTarget('a / b', null, 1.3), boundTarget('c', 1, 2, (x) => `${x} s`)]);
    expect(table.split('\n')).toEqual([
      '| target | measured | bound | verdict |',
      '|---|---|---|---|',
      '| a / b | n/a | <= 1.3x | not measured |',
      '| c | 1 s | <= 2 s | met |',
    ]);
  });
});
