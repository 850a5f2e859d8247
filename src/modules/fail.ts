/**
 * fail: fails the host with a message (usually under `when`).
 *
 *   - fail: { msg: "ipoib_interfaces must list ib0 and ib1" }
 *     when: ipoib_interfaces | length < 2
 */
import type { Module } from './types.js';

export const fail: Module<{ msg: string }> = {
  name: 'fail',
  summary: 'fail the host with a message',
  local: true,
  freeForm: 'msg',
  schema: { msg: { type: 'str', default: 'Failed as requested from task' } },
  async plan(_ctx, a) {
    return { changes: [], failed: a.msg };
  },
};
