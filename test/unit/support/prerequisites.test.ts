/**
 * The rule for missing prerequisites (test/support/prerequisites.ts), through a real vitest run of
 * test/fixtures/prerequisites: under CI=true the suite and the test fail, each with one line naming what
 * is missing, and no body runs; without CI both are skipped and the summary lists them loudly.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inCI } from '../../support/prerequisites.js';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURE = join(ROOT, 'test/fixtures/prerequisites');

function vitest(ci: string | undefined): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.CI;
  delete env.VITEST;
  if (ci !== undefined) env.CI = ci;
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', FIXTURE],
      { env, cwd: FIXTURE, timeout: 60_000 },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
      },
    );
  });
}

describe('a missing prerequisite', () => {
  it('CI is on for CI=true/1/yes, off when unset, empty, 0 or false', () => {
    expect([inCI({ CI: 'true' }), inCI({ CI: '1' }), inCI({ CI: 'yes' })]).toEqual([true, true, true]);
    expect([inCI({}), inCI({ CI: '' }), inCI({ CI: '0' }), inCI({ CI: 'false' })]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('under CI=true fails the run, naming what is missing, without running the bodies', async () => {
    const r = await vitest('true');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(
      'prerequisite missing for "a suite that needs a frobnicator": /usr/sbin/frobnicator (install frob)',
    );
    expect(r.out).toContain(
      'prerequisite missing for "a test that needs ansible-vault": ansible-vault (install ansible-core)',
    );
    expect(r.out).not.toMatch(/SUITE_BODY_RAN|TEST_BODY_RAN/);
    expect(r.out).toMatch(/2 failed \| 1 passed/);
    expect(r.out).not.toContain('SKIPPED');
  });

  it('outside CI skips, and the summary lists every skip once, loudly', async () => {
    const r = await vitest(undefined);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('2 suite(s) or test(s) SKIPPED');
    expect(r.out).toContain('!!!   a suite that needs a frobnicator: /usr/sbin/frobnicator (install frob)');
    expect(r.out).toContain('!!!   a test that needs ansible-vault: ansible-vault (install ansible-core)');
    expect(r.out.match(/!!! {3}a suite that needs a frobnicator/g)).toHaveLength(1);
  });
});
