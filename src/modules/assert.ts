/**
 * assert: every expression in `that` must hold, or the host fails with `fail_msg`.
 *
 *   - assert:
 *       that: ["sessions.stdout_lines | length == 4"]
 *       fail_msg: "expected one session per portal"
 */
import { evaluateCondition } from '../template/expression.js';
import type { Module } from './types.js';

export interface AssertArgs {
  that: string[];
  fail_msg?: string;
  success_msg?: string;
  quiet: boolean;
}

export const assert: Module<AssertArgs> = {
  name: 'assert',
  summary: 'check conditions (the expression language of when); fail the host with fail_msg',
  local: true,
  schema: {
    that: { type: 'list', required: true },
    fail_msg: { type: 'str', aliases: ['msg'] },
    success_msg: { type: 'str' },
    quiet: { type: 'bool', default: false },
  },
  async plan(ctx, a) {
    for (const condition of a.that) {
      const expr = String(condition);
      if (!evaluateCondition(expr, ctx.vars)) {
        return { changes: [], failed: a.fail_msg ?? `assertion failed: ${expr}`, result: { assertion: expr } };
      }
    }
    return {
      changes: [],
      noop: a.success_msg ?? 'all assertions passed',
      result: { msg: a.success_msg ?? 'All assertions passed' },
    };
  },
};
