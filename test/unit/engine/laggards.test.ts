/**
 * Laggards.untilOnlySuspectsLeft probes the hosts still working while others wait for them, at most one
 * round per probe interval: a round at every host finishing would cost O(hosts²) per play.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { PROBE_INTERVAL_MS } from '../../../src/connection/silence-watch.js';
import type { HostSession } from '../../../src/engine/host-session.js';
import { Laggards } from '../../../src/engine/laggards.js';
import type { RunContext } from '../../../src/engine/run-context.js';

interface FakeHost {
  suspect: boolean;
  probes: number;
  finish: () => void;
}

/** `count` hosts working, each finished by the test; their sessions count the probes they are asked. */
function fleet(count: number) {
  const hosts = new Map<string, FakeHost>();
  const working = new Map<string, Promise<void>>();
  const watchers = new Set<(s: HostSession) => void>();
  for (let i = 0; i < count; i++) {
    const name = `h${i}`;
    let finish = () => {};
    const work = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const host: FakeHost = { suspect: false, probes: 0, finish };
    hosts.set(name, host);
    working.set(
      name,
      work.then(() => {
        working.delete(name);
      }),
    );
  }
  const sessions = {
    session: (name: string) => {
      const host = hosts.get(name) as FakeHost;
      return {
        get suspect() {
          return host.suspect;
        },
        probe: () => {
          host.probes++;
        },
      };
    },
    watchSuspects: (watcher: (s: HostSession) => void) => {
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },
  };
  const laggards = new Laggards({ sessions } as unknown as RunContext);
  const probes = () => [...hosts.values()].reduce((sum, h) => sum + h.probes, 0);
  const suspectChanged = () => {
    for (const w of watchers) w({} as HostSession);
  };
  return { hosts, working, laggards, probes, suspectChanged, watchers };
}

/** Lets every pending promise callback and microtask run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('Laggards.untilOnlySuspectsLeft', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('hosts finishing one after another cost one probe round per interval, not one per host finishing', async () => {
    const f = fleet(200);
    const done = f.laggards.untilOnlySuspectsLeft(f.working, () => true);
    expect(f.probes()).toBe(200); // the first round, every host working
    for (const [name, host] of f.hosts) {
      if (name === 'h199') break;
      host.finish();
      await settle();
    }
    // 199 hosts finished within the interval: no further round yet (before: 199 rounds, ~20,000 probes)
    expect(f.probes()).toBe(200);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(PROBE_INTERVAL_MS);
    // the deferred round asks the one host still working
    expect(f.probes()).toBe(201);
    expect(f.hosts.get('h199')?.probes).toBe(2);
    f.hosts.get('h199')?.finish();
    await settle();
    await expect(done).resolves.toEqual([]);
    // settled: no timer is left to keep the process up
    expect(vi.getTimerCount()).toBe(0);
    expect(f.watchers.size).toBe(0);
  });

  test('a host still working while others wait is probed again about once an interval', async () => {
    const f = fleet(3);
    const done = f.laggards.untilOnlySuspectsLeft(f.working, () => true);
    f.hosts.get('h0')?.finish();
    f.hosts.get('h1')?.finish();
    await settle();
    const frozen = f.hosts.get('h2') as FakeHost;
    expect(frozen.probes).toBe(1);
    for (let second = 1; second <= 3; second++) {
      vi.advanceTimersByTime(PROBE_INTERVAL_MS);
      // a suspect change wakes the check; the deferred round made at the interval
      f.suspectChanged();
      expect(frozen.probes).toBeGreaterThanOrEqual(second);
      expect(frozen.probes).toBeLessThanOrEqual(second + 1);
    }
    frozen.suspect = true;
    f.suspectChanged();
    await expect(done).resolves.toEqual(['h2']);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('nobody probed while no one would go on without the hosts still working', async () => {
    const f = fleet(5);
    const done = f.laggards.untilOnlySuspectsLeft(f.working, () => false);
    f.hosts.get('h0')?.finish();
    await settle();
    f.hosts.get('h1')!.suspect = true;
    f.suspectChanged();
    expect(f.probes()).toBe(0);
    for (const h of f.hosts.values()) h.finish();
    await settle();
    await expect(done).resolves.toEqual([]);
  });
});
