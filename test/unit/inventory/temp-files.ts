import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ConfigError } from '../../../src/errors.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/inventory');

const root = mkdtempSync(join(tmpdir(), 'sshplay-inventory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let cases = 0;
/** Writes files (paths may hold folders) into a fresh folder and returns that folder. */
export function writeFiles(files: Record<string, string>): string {
  const dir = join(root, `case${++cases}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The ConfigError a promise or function fails with (the test fails if it throws nothing or something else). */
export async function configError(run: () => unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
