/**
 * eseries_sessions: the document's check from the array side (Storage Array > iSER > View/End Sessions): every host
 * has at least `min_sessions` iSCSI/iSER sessions the array sees from its initiator IQN. Reads only; fails naming the
 * hosts without enough sessions (under --check it only says so: the run's logins have not happened).
 *
 *   - eseries_sessions:
 *       hosts: "{{ eseries_hosts }}"      # [{name, iqn}]
 *       min_sessions: 1
 */
import { arraySessions } from '../facts/santricity.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesSessionsArgs {
  hosts: { name?: unknown; iqn?: unknown }[];
  min_sessions: number;
}

export const eseriesSessions: Module<EseriesSessionsArgs> = defineModule({
  name: 'eseries_sessions',
  arrayApi: true,
  summary: 'checks from the array that each host has iSER sessions (reads only)',
  schema: {
    hosts: { type: 'list', required: true },
    min_sessions: { type: 'int', default: 1 },
  },
  facts: (_a: EseriesSessionsArgs) => ({ sessions: arraySessions.of() }),
  async plan(ctx, a, read) {
    const hosts = a.hosts.map((h, i) => {
      if (typeof h?.iqn !== 'string' || h.iqn === '')
        throw new Error(`hosts[${i}]: iqn must be the host's initiator IQN`);
      return { name: typeof h.name === 'string' ? h.name : h.iqn, iqn: h.iqn.toLowerCase() };
    });
    const sessions = await read.sessions();
    const counts = hosts.map((h) => ({
      ...h,
      sessions: sessions.filter((s) => s.initiatorIqn.toLowerCase() === h.iqn).length,
    }));
    const short = counts.filter((c) => c.sessions < a.min_sessions);
    const result = { sessions: Object.fromEntries(counts.map((c) => [c.name, c.sessions])) };
    // under --check the hosts' logins of this run did not happen: reported, not failed (as eseries_luns does)
    if (short.length > 0 && ctx.check)
      return {
        changes: [],
        result,
        noop: `check mode: the array sees fewer than ${a.min_sessions} session(s) from ${short.map((c) => c.name).join(', ')} yet`,
      };
    if (short.length > 0)
      return {
        changes: [],
        result,
        failed: `the array sees fewer than ${a.min_sessions} session(s) from ${short.map((c) => `${c.name} (${c.iqn}: ${c.sessions})`).join(', ')}`,
      };
    return { changes: [], result, noop: counts.map((c) => `${c.name}: ${c.sessions} session(s)`).join(', ') };
  },
});
