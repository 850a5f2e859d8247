/**
 * One rule for a test whose prerequisite (root, sshd, a built CLI, a container engine, ansible-vault...)
 * is missing on this machine:
 * - under CI (CI=true, as .ci/run sets) it FAILS, with one line naming what is missing: a CI run that
 *   did not exercise a suite must not pass;
 * - elsewhere it is skipped, and the run's summary (test/support/skip-summary.ts) lists every such
 *   skip once, loudly, so a green local run cannot hide what it did not run.
 * Every conditional skip in test/ goes through `describeNeeding` / `itNeeding`.
 */
import { appendFileSync } from 'node:fs';
import { describe, inject, it } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** File the skipped suites are appended to (one line each); read by the global teardown. */
    sshplaySkipLog: string;
  }
}

/** True when the run is a CI run: missing prerequisites fail instead of skipping. */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/** The first missing prerequisite among several checks (each returns what is missing, or null). */
export function firstMissing(...checks: (string | null | (() => string | null))[]): string | null {
  for (const c of checks) {
    const missing = typeof c === 'function' ? c() : c;
    if (missing) return missing;
  }
  return null;
}

/** The line a CI run fails with. */
export function missingLine(name: string, missing: string): string {
  return `prerequisite missing for "${name}": ${missing}`;
}

function recordSkip(name: string, missing: string): void {
  let log: string | undefined;
  try {
    log = inject('sshplaySkipLog');
  } catch {
    log = undefined;
  }
  const line = `${name}: ${missing}\n`;
  if (log) appendFileSync(log, line);
  else process.stderr.write(`SKIPPED ${line}`);
}

type SuiteBody = () => void;

/**
 * `describe(name, body)` when nothing is missing. Otherwise, under CI: a suite with one test that fails
 * naming what is missing (the body, which would start fleets, never runs); elsewhere: a skipped suite,
 * recorded for the summary.
 */
export function describeNeeding(missing: string | null): (name: string, body: SuiteBody) => void {
  if (missing === null) return (name, body) => describe(name, body);
  if (inCI()) {
    return (name) =>
      describe(name, () => {
        it('has its prerequisites', () => {
          throw new Error(missingLine(name, missing));
        });
      });
  }
  return (name, body) => {
    recordSkip(name, missing);
    describe.skip(`${name} (SKIPPED: ${missing})`, body);
  };
}

/** The same rule for one test. */
export function itNeeding(
  missing: string | null,
): (name: string, fn: () => unknown | Promise<unknown>, timeout?: number) => void {
  if (missing === null) return (name, fn, timeout) => it(name, fn, timeout);
  if (inCI()) {
    return (name) =>
      it(name, () => {
        throw new Error(missingLine(name, missing));
      });
  }
  return (name, fn) => {
    recordSkip(name, missing);
    it.skip(`${name} (SKIPPED: ${missing})`, fn);
  };
}
