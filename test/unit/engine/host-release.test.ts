/**
 * A fleet larger than its forks: a host's connection and read cache are let go when it finishes a play (past the
 * first `forks` hosts, which stay open), so the controller holds connections in proportion to forks, not to the
 * fleet; what the run must keep (check mode's would-be files, set_fact values, counters) survives the reconnect,
 * and so does what was read (nothing changes a host while it waits for its next play): it is not read again.
 */
import { describe, expect, test } from 'vitest';
import type { Connection } from '../../../src/connection/types.js';
import { ConnectionError } from '../../../src/errors.js';
import { runLocal } from './local-run.js';

const PLAYBOOK = `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ dir }}/f", content: "one\\n" }
    - set_fact: { mark: "{{ inventory_hostname }}-marked" }
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ dir }}/f", content: "two\\n" }
    - debug: { msg: "{{ mark }}" }
`;

describe('connections released between plays', () => {
  test('at most twice the forks open; released hosts reconnect with their would-be files and facts', async () => {
    const hosts = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
    const opens: Record<string, number> = {};
    let open = 0;
    let mostOpen = 0;
    const run = await runLocal(PLAYBOOK, {
      hosts,
      forks: 2,
      check: true,
      diff: true,
      opened: (host: string, conn: Connection) => {
        opens[host] = (opens[host] ?? 0) + 1;
        open++;
        mostOpen = Math.max(mostOpen, open);
        const close = conn.close.bind(conn);
        conn.close = async () => {
          open--;
          conn.close = async () => undefined;
          await close();
        };
        return conn;
      },
    });
    expect(run.summary.failed).toEqual([]);
    // the first two hosts to finish a play stay open; the others reconnect for the second play
    expect(opens).toEqual({ h1: 1, h2: 1, h3: 2, h4: 2, h5: 2, h6: 2 });
    expect(mostOpen).toBeLessThanOrEqual(4);
    for (const host of hosts) {
      const [second] = run.resultsOf(host, 'copy').slice(1);
      // check mode: the second play's diff is against what the first play would have written
      expect(second?.diff).toContain('-one');
      expect(second?.diff).toContain('+two');
      expect(run.resultsOf(host, 'debug')[0]?.msg).toBe(`${host}-marked`);
    }
    // counters add up over a host's connections (a local connection counts its shell as one channel)
    expect(run.summary.connectionStats.h3?.execChannels).toBe(2);
    expect(run.summary.connectionStats.h1?.execChannels).toBe(1);
    // and say how many connections each host opened: a host let go after a play reconnects at the next
    expect(run.summary.connectionStats.h1?.opened).toBe(1);
    expect(run.summary.connectionStats.h3?.opened).toBe(2);
  });

  test('a fleet within its forks never reconnects', async () => {
    const opens: Record<string, number> = {};
    await runLocal(PLAYBOOK, {
      hosts: ['h1', 'h2', 'h3'],
      forks: 3,
      check: true,
      opened: (host: string, conn: Connection) => {
        opens[host] = (opens[host] ?? 0) + 1;
        return conn;
      },
    });
    expect(opens).toEqual({ h1: 1, h2: 1, h3: 1 });
  });

  test('a released host is not read again for what it read before; what a play changed is read afresh', async () => {
    const BOTH_READ = `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ dir }}/same", content: "kept\\n" }
    - copy: { dest: "{{ dir }}/f", content: "one\\n" }
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ dir }}/same", content: "kept\\n" }
    - copy: { dest: "{{ dir }}/f", content: "two\\n" }
`;
    const reads: Record<string, string[]> = {};
    const opens: Record<string, number> = {};
    const run = await runLocal(BOTH_READ, {
      hosts: ['h1', 'h2', 'h3', 'h4'],
      forks: 1,
      diff: true,
      // `same` is already as the playbook wants it: read, never written
      files: Object.fromEntries(['h1', 'h2', 'h3', 'h4'].map((h) => [`${h}/same`, 'kept\n'])),
      opened: (host: string, conn: Connection) => {
        opens[host] = (opens[host] ?? 0) + 1;
        const readFiles = conn.readFiles.bind(conn);
        conn.readFiles = (paths) => {
          reads[host] = [...(reads[host] ?? []), ...paths.map((p) => p.replace(/.*\//, ''))];
          return readFiles(paths);
        };
        return conn;
      },
    });
    expect(run.summary.failed).toEqual([]);
    for (const host of ['h2', 'h3', 'h4']) {
      expect(opens[host], host).toBe(2);
      // `same` was read once for both plays; `f`, written by the first play, is read again by the second
      expect(
        reads[host]?.filter((p) => p === 'same'),
        host,
      ).toEqual(['same']);
      expect(reads[host]?.filter((p) => p === 'f').length, host).toBeGreaterThanOrEqual(2);
      const [first, second] = run.resultsOf(host, 'copy').filter((r) => r.diff?.includes('f'));
      expect(first?.status).toBe('changed');
      expect(second?.diff).toContain('-one');
      expect(second?.diff).toContain('+two');
    }
  });

  test('a reconnect that times out is tried once more; a first connect that times out is not', async () => {
    const attempts: Record<string, number> = {};
    const run = await runLocal(PLAYBOOK, {
      hosts: ['h1', 'h2', 'h3', 'h4'],
      forks: 1,
      check: true,
      opened: (host: string, conn: Connection) => {
        const n = (attempts[host] ?? 0) + 1;
        attempts[host] = n;
        // h3's reconnect (its second connect) times out once; h4 never answers at all
        if ((host === 'h3' && n === 2) || host === 'h4') {
          void conn.close();
          throw new ConnectionError(host, 'no answer within 10s (connect timeout)', { timedOut: true });
        }
        return conn;
      },
    });
    expect(run.summary.unreachable).toEqual(['h4']);
    expect(attempts).toEqual({ h1: 1, h2: 2, h3: 3, h4: 1 });
    expect(run.resultsOf('h3', 'debug')[0]?.msg).toBe('h3-marked');
  });
});
