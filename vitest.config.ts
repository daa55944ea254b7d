import { existsSync } from 'node:fs';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { configDefaults, defineConfig } from 'vitest/config';

// One run covers unit, integration (HTTP + database + storage) and e2e (Chromium) tests.
// With DATABASE_URL set (CI), integration tests use a fresh PostgreSQL database per file;
// repository tests also run on PGlite in the same run.

// Browser tests need the system Chromium (no browser is downloaded). Without it they are left
// out, and the run says so: `apt-get install chromium` (CI installs it in .ci/run).
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserTests = ['tests/e2e/shell.test.ts', 'tests/e2e/player.test.ts', 'tests/e2e/admin.test.ts', 'tests/e2e/admin-roster.test.ts', 'tests/e2e/teach.test.ts', 'tests/e2e/hls-playback.test.ts', 'tests/e2e/evidence.test.ts', 'tests/e2e/requirement.test.ts', 'tests/e2e/certificate-issuer.test.ts', 'tests/e2e/learner-state.test.ts', 'tests/e2e/in-person.test.ts'];
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(`[tests] skipped: no Chromium at ${chromiumPath}, so the browser tests (${browserTests.join(', ')}) do not run. Install it with apt-get install chromium, or set CHROMIUM_PATH.`);
}

export default defineConfig({
  // Runes modules (web/src/lib/managers/*.svelte.ts) are compiled as the browser gets them, so the
  // unit tests exercise the same reactive code in Node (docs/web.md, "Managers").
  plugins: [svelte({ configFile: false, dynamicCompileOptions: () => ({ generate: 'client' }) })],
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(hasChromium ? [] : browserTests)],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    allowOnly: false,
  },
});
