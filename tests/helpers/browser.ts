/**
 * Real Chromium for e2e tests and benchmarks: the system /usr/bin/chromium driven by
 * playwright-core (no browser download). CHROMIUM_PATH overrides the binary.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** Fills and submits the login form already on the page (no navigation, no wait). */
export async function submitLogin(page: Page, login: string, password: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
}

/** Opens /login, logs a demo user in (password lectern-demo) and waits for the catalog. */
export async function logInAsDemo(page: Page, baseUrl: string, login: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await submitLogin(page, login, 'lectern-demo');
  await page.waitForURL(/\/courses$/);
}

/**
 * Logs a demo user in without loading the app (a first visit's bytes must not include it): a JSON
 * page of the site, then the login call from it, so the cookie is the site's. Answers the status.
 */
export async function logInWithoutApp(page: Page, baseUrl: string, login: string): Promise<number> {
  await page.goto(`${baseUrl}/api/health/live`);
  return page.evaluate(
    async (body) => (await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
    JSON.stringify({ login, password: 'lectern-demo' }),
  );
}
