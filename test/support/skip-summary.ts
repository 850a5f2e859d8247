/**
 * vitest globalSetup: gives the test files a log for the suites they skipped for a missing prerequisite
 * (test/support/prerequisites.ts) and prints that list once, loudly, when the run ends. Under CI nothing
 * is ever skipped this way (a missing prerequisite fails the suite instead).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'sshplay-skips-'));
  const log = join(dir, 'skipped.log');
  project.provide('sshplaySkipLog', log);
  return () => {
    let lines: string[] = [];
    try {
      lines = [
        ...new Set(
          readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l !== ''),
        ),
      ];
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    if (lines.length === 0) return;
    const bar = '!'.repeat(100);
    process.stderr.write(
      `\n${bar}\n!!! ${lines.length} suite(s) or test(s) SKIPPED: a prerequisite is missing on this machine ` +
        `(under CI=true they fail):\n${lines.map((l) => `!!!   ${l}`).join('\n')}\n${bar}\n\n`,
    );
  };
}
