/** Where a task's templates and files are found: its role first, then beside the playbook, as Ansible looks. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { planContext } from '../../../src/engine/plan-context.js';
import type { HostFacts } from '../../../src/facts/host-facts.js';
import type { Play, Role } from '../../../src/playbook/types.js';

const base = mkdtempSync(join(tmpdir(), 'sshplay-plan-context-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const put = (path: string, text: string) => {
  mkdirSync(join(base, path, '..'), { recursive: true });
  writeFileSync(join(base, path), text);
};

describe('plan context', () => {
  const play = { baseDir: base } as Play;
  const role = { name: 'r', dir: join(base, 'roles/r'), defaults: {}, vars: {} } as Role;
  const context = (withRole?: Role) =>
    planContext({ play, host: 'h1', vars: { who: 'h1' }, facts: {} as HostFacts, check: false, role: withRole });

  test("a role's templates/ win over the playbook's; a template renders with the host's variables", async () => {
    put('templates/t.conf', 'play {{ who }}\n');
    put('roles/r/templates/t.conf', 'role {{ who }}\n');
    expect(await context(role).renderTemplate('t.conf')).toBe('role h1\n');
    expect(await context().renderTemplate('t.conf')).toBe('play h1\n');
  });

  test('files/ beside the playbook; a missing file names every place looked in', async () => {
    put('files/f.txt', 'content');
    const found = await context().readLocal('f.txt', 'file');
    expect(found.path).toBe(join(base, 'files/f.txt'));
    await expect(context().readLocal('nope.txt', 'file')).rejects.toThrow(/file 'nope\.txt' not found \(looked in /);
  });

  test('a template that does not render names its file and line', async () => {
    put('templates/bad.conf', 'ok\n{{ missing }}\n');
    await expect(context().renderTemplate('bad.conf')).rejects.toThrow(/templates\/bad\.conf:2: undefined variable/);
  });
});
