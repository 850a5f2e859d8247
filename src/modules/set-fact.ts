/**
 * set_fact: sets host variables for the rest of the run (any keys).
 *
 *   - set_fact: { opensm_guids: "{{ ibstat.stdout_lines }}" }
 */
import type { Module } from './types.js';

export const setFact: Module<Record<string, unknown>> = {
  name: 'set_fact',
  summary: 'set host variables for the rest of the run',
  local: true,
  schema: {},
  anyArgs: true,
  async plan(_ctx, a) {
    return { changes: [], noop: `set ${Object.keys(a).join(', ')}`, result: { ansible_facts: a } };
  },
};
