/**
 * Runs once before the test files: builds the web app when its build is missing or stale, so
 * the Chromium tests serve the current pages (one build, not one per test file).
 */
// @ts-expect-error plain ESM helper without types
import { buildWeb, webBuildIsStale } from '../scripts/ensure-web-build.mjs';

export default function setup(): void {
  if ((webBuildIsStale as () => boolean)()) (buildWeb as () => void)();
}
