/**
 * Issue 19.2: a module's reads are the facts it declares. `wants` (what the engine reads ahead) and `reads`
 * come from the same declaration as what its plan reads (src/modules/define-module.ts), and planWith (every
 * module test) fails a plan that reads anything its module does not declare. Here: that every module of the
 * registry declares, that the check can fail, and reads that used to be missing from wants.
 */
import { describe, expect, test } from 'vitest';
import { requestKey } from '../../../src/facts/fact.js';
import { validateArgs } from '../../../src/modules/args.js';
import { copy } from '../../../src/modules/copy.js';
import { file } from '../../../src/modules/file.js';
import { MODULES } from '../../../src/modules/index.js';
import type { Module } from '../../../src/modules/types.js';
import { planWith } from './fake-context.js';

const keys = (module: Module<never>, raw: Record<string, unknown>, kind: 'wants' | 'reads') =>
  (module[kind]?.(validateArgs(module.name, module.schema, raw) as never, {}) ?? []).map(requestKey);

describe('modules plan from the facts they declare', () => {
  test('every module that reads a host or an array declares its facts (defineModule); local ones read nothing', () => {
    for (const [name, module] of MODULES) {
      if (module.local) expect(module.reads, name).toBeUndefined();
      else {
        expect(typeof module.reads, `${name} declares reads`).toBe('function');
        expect(typeof module.wants, `${name} has wants derived from them`).toBe('function');
      }
    }
  });

  test('a plan that reads what its module does not declare fails its test', async () => {
    const sneaky: Module<{ path: string }> = {
      name: 'sneaky',
      summary: 'reads a file it never declared',
      schema: { path: { type: 'str', required: true } },
      reads: () => [],
      async plan(ctx, a) {
        await ctx.facts.file(a.path);
        return { changes: [] };
      },
    };
    await expect(planWith(sneaky, { path: '/etc/a' }, { files: { '/etc/a': 'x' } })).rejects.toThrow(
      /sneaky read what it does not declare: file \/etc\/a/,
    );
  });

  test("an owner or group given by name is read ahead with the file (getent was read at the task's turn)", async () => {
    const raw = { dest: '/etc/a', content: 'x\n', owner: 'root', group: 'wheel' };
    expect(keys(copy as Module<never>, raw, 'wants')).toEqual([
      'file /etc/a',
      'command getent passwd root',
      'command getent group wheel',
    ]);
    const plan = await planWith(copy, raw, {
      files: { '/etc/a': 'x\n' },
      commands: {
        'getent passwd root': { stdout: 'root:x:0:0::/root:/bin/sh\n' },
        'getent group wheel': { stdout: 'wheel:x:10:\n' },
      },
    });
    expect(plan.changes[0]).toMatchObject({ kind: 'write', uid: 0, gid: 10 });
    // a number needs no read
    expect(keys(file as Module<never>, { path: '/mnt/x', owner: '0', group: '0' }, 'wants')).toEqual(['file /mnt/x']);
  });

  test("an array's state is declared but read at its task's turn: each change to the array makes earlier reads stale", () => {
    const mapping = MODULES.get('eseries_lun_mapping') as Module<never>;
    const raw = { volume_name: 'v', target: 'h', lun: 1 };
    expect(keys(mapping, raw, 'wants')).toEqual([]);
    expect(keys(mapping, raw, 'reads')).toEqual([
      'api volumes',
      'api thin-volumes',
      'api hosts',
      'api volume-mappings',
      'api symbol/getIscsiSessions {"type":"all"}',
      'api host-groups',
    ]);
  });
});
