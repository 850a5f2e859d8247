import { describe, expect, test } from 'vitest';
import type { RunResult } from '../../../src/connection/types.js';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { validateArgs } from '../../../src/modules/args.js';
import { MODULES } from '../../../src/modules/index.js';
import type { Module, PlanContext } from '../../../src/modules/types.js';
import { ReadOnlyFakeConnection } from './fake-context.js';

/**
 * The structural check-mode guarantee: every module plans against a connection whose writing methods
 * throw. Each module gets arguments under which it has something to change, so the plan is not a noop
 * that trivially did not write.
 */
const wantChange: Record<string, Record<string, unknown>> = {
  copy: { dest: '/etc/a', content: 'new\n', mode: '0600', owner: 'root' },
  template: { src: 't.hbs', dest: '/etc/a', mode: '0600' },
  file: { path: '/mnt/iser', state: 'directory', mode: '0755' },
  lineinfile: { path: '/etc/a', regexp: '^k=', line: 'k=2' },
  command: { argv: ['dracut', '--force'], creates: '/boot/x.img' },
  shell: { cmd: 'echo hi > /etc/a', removes: '/etc/a' },
  service: { name: 'multipathd', state: 'restarted', enabled: true },
  assert: { that: ['true'] },
  set_fact: { x: 1 },
  fail: { msg: 'no' },
  debug: { msg: 'hi' },
};

/** A connection that answers any read (an existing file, rc 0) and throws on any write. */
class LenientReadOnlyConnection extends ReadOnlyFakeConnection {
  override async read(cmds: readonly unknown[]): Promise<RunResult[]> {
    return cmds.map(() => ({ rc: 0, stdout: 'root:x:0:0::/root:/bin/sh\n', stderr: '' }));
  }
}

describe('planning never writes', () => {
  test.each(Object.entries(wantChange))('%s', async (name, raw) => {
    const module = MODULES.get(name) as Module<Record<string, unknown>> | undefined;
    expect(module, `module ${name}`).toBeDefined();
    if (!module) return;
    const conn = new LenientReadOnlyConnection({
      files: { '/etc/a': { content: 'k=1\n', mode: 0o644 }, '/boot/y': 'x' },
    });
    const ctx: PlanContext = {
      host: 'h',
      vars: {},
      facts: new HostFacts(conn),
      check: true,
      readLocal: async (path) => ({ path, content: Buffer.from('local') }),
      renderTemplate: async () => 'rendered\n',
    };
    const args = module.anyArgs ? raw : validateArgs(module.name, module.schema, raw);
    const plan = await module.plan(ctx, args);
    expect(conn.writeAttempts).toBe(0);
    if (!module.local) expect(plan.changes.length, `${name} should want a change here`).toBeGreaterThan(0);
  });

  test('the fake itself fails on a write (so the test above could fail)', async () => {
    const conn = new ReadOnlyFakeConnection();
    expect(() => conn.run([{ argv: ['true'] }])).toThrow(/write during planning/);
    expect(() => conn.writeFile('/x')).toThrow(/write during planning/);
    expect(conn.writeAttempts).toBe(2);
  });
});
