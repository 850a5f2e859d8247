import { describe, expect, it } from 'vitest';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { ReadOnlyFakeConnection } from '../modules/fake-context.js';

describe('HostFacts.api (an E-Series array through its REST API)', () => {
  it('caches a resource until a change invalidates it, but asks a read-only procedure (sessions) each time', async () => {
    let sessions = 0;
    const asked: string[] = [];
    const conn = new ReadOnlyFakeConnection({
      api: (path, query) => {
        asked.push(query === undefined ? path : `${path} ${JSON.stringify(query)}`);
        if (path === 'symbol/getIscsiSessions') return { returnCode: 'ok', sessions: Array(sessions).fill({}) };
        return [{ id: 'h1' }];
      },
    });
    const facts = new HostFacts(conn);
    await facts.api('hosts');
    await facts.api('hosts');
    expect(asked).toEqual(['hosts']);
    const before = (await facts.api('symbol/getIscsiSessions', { type: 'all' })) as { sessions: unknown[] };
    // Another host logs in between two reads: the second read must see it.
    sessions = 2;
    const after = (await facts.api('symbol/getIscsiSessions', { type: 'all' })) as { sessions: unknown[] };
    expect([before.sessions.length, after.sessions.length]).toEqual([0, 2]);
    facts.invalidateApi();
    await facts.api('hosts');
    expect(asked.filter((a) => a === 'hosts')).toHaveLength(2);
  });

  it('a host without a REST API is told which connection array modules need', async () => {
    const conn = new ReadOnlyFakeConnection({});
    (conn as { apiRead?: unknown }).apiRead = undefined;
    await expect(new HostFacts(conn).api('hosts')).rejects.toThrow(
      /array modules need ansible_connection: eseries_api/,
    );
  });
});
