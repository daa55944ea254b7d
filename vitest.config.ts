import { defineConfig } from 'vitest/config';

// One run covers unit, integration (HTTP + database + storage) and e2e (Chromium) tests.
// With DATABASE_URL set (CI), integration tests use a fresh PostgreSQL database per file;
// repository tests also run on PGlite in the same run.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    allowOnly: false,
  },
});
