import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Lists, once and loudly, every suite skipped for a missing prerequisite (under CI=true they fail).
    globalSetup: ['test/support/skip-summary.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // e2e suites start real sshd fleets; running files one at a time keeps the 2-core machine honest.
    fileParallelism: false,
    coverage: { provider: 'v8', include: ['src/**'], reporter: ['text-summary'] },
  },
});
