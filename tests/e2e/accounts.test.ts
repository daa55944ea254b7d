/**
 * The account lifecycle in real Chromium (docs/accounts.md): a lawyer imported by roster signs in
 * with the one-time password, is held on the change-password page until a new one is saved, then
 * reaches the catalog; the Sichuan administrator resets a password (shown once) and disables and
 * re-enables a lawyer from the report. Screenshots go to test-results/ (not committed).
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, submitLogin } from '../helpers/browser.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;
let adminSc: TestClient;
/** the current calendar year in Shanghai: the demo's training year */
const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  adminSc = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', 'lectern-demo');
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const logIn = submitLogin;

/** What GET /api/me answers for the page's own session. */
const meOf = (page: Page) => page.evaluate(async () => (await fetch('/api/me')).json() as Promise<{ login: string; passwordChangeRequired: boolean }>);

describe('accounts', () => {
  test('a roster-imported lawyer must replace the one-time password before reaching the catalog', async () => {
    const csv = ['执业证号,姓名,律师事务所', '15107202310000701,冯七,三台县明理律师事务所'].join('\r\n');
    const imported = await adminSc.request<{ accounts: { login: string; initialPassword: string }[] }>('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { body: { csv } });
    const { login, initialPassword } = imported.accounts[0]!;

    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${server.baseUrl}/login`);
    await logIn(page, login, initialPassword);
    await page.waitForURL(/\/password$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('修改密码');
    expect(await page.locator('[data-testid="password-required"]').textContent()).toContain('一次性密码');
    expect((await meOf(page)).passwordChangeRequired).toBe(true);
    await page.screenshot({ path: `${SHOTS}/accounts-must-change-zh.png`, fullPage: true });

    // Other pages send the lawyer back, by link and by address.
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的学习' }).click();
    await page.waitForURL(/\/password\?next=%2Fme$/);
    await page.goto(`${server.baseUrl}/courses`);
    await page.waitForURL(/\/password$/);
    expect(await page.locator('[data-testid="course-list"]').count()).toBe(0);

    // A wrong one-time password and a new password equal to the login are refused, with reasons.
    const form = page.locator('[data-testid="password-form"]');
    await form.locator('input[name="currentPassword"]').fill('not-the-one-time');
    await form.locator('input[name="newPassword"]').fill('feng-qi-2027');
    await form.locator('input[name="confirmPassword"]').fill('feng-qi-2027');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#password-error').textContent()).toBe('当前密码不正确。');
    await form.locator('input[name="currentPassword"]').fill(initialPassword);
    await form.locator('input[name="newPassword"]').fill(login);
    await form.locator('input[name="confirmPassword"]').fill(login);
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#password-error').textContent()).toBe('新密码不能与账号相同。');
    expect(page.url()).toMatch(/\/password$/);

    await form.locator('input[name="newPassword"]').fill('feng-qi-2027');
    await form.locator('input[name="confirmPassword"]').fill('feng-qi-2027');
    await form.locator('button[type="submit"]').click();
    await page.waitForURL(/\/courses$/);
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    expect((await meOf(page)).passwordChangeRequired).toBe(false);
    // Free to move now.
    await page.goto(`${server.baseUrl}/me`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('我的学习');
    expect(page.url()).toMatch(/\/me$/);

    // The new password is the one that works.
    const check = createTestClient(server.baseUrl);
    await check.login(login, 'feng-qi-2027');
    expect((await errorOf(check.login(login, initialPassword))).status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the administrator resets a password (shown once) and disables and re-enables a lawyer from the report', async () => {
    const licenseNo = '15107202310000702';
    await server.app.services.auth.createUser({ login: licenseNo, name: '陈八', password: 'chen-ba-2027', organizationId: server.demo!.santaiFirm, licenseNo });
    const lawyer = createTestClient(server.baseUrl);
    await lawyer.login(licenseNo, 'chen-ba-2027');

    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'zh-CN' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });

    await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(`/admin?org=${server.demo!.sichuan}&year=${year}`)}`);
    await logIn(page, 'admin-sc', 'lectern-demo');
    await page.locator('[data-testid="report-table"]').waitFor();
    const row = page.locator(`tr[data-lawyer="${licenseNo}"]`);
    await row.waitFor();

    // Reset: confirm, then the one-time password, once, with a copy button.
    await row.locator('[data-testid="reset-password"]').click();
    const result = page.locator('[data-testid="reset-result"]');
    await result.waitFor();
    expect(dialogs.at(-1)).toContain('陈八');
    expect(await result.textContent()).toContain('只显示这一次');
    const oneTime = await page.locator('[data-testid="one-time-password"]').inputValue();
    expect(oneTime).toMatch(/^[a-z2-9]{12}$/);
    await result.getByRole('button', { name: '复制' }).click();
    await expect.poll(() => result.getByRole('button', { name: '已复制' }).count()).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(oneTime);
    await page.screenshot({ path: `${SHOTS}/accounts-reset.png`, fullPage: true });
    // The lawyer's session ended; the one-time password works and must be changed.
    expect((await errorOf(lawyer.me())).status).toBe(401);
    const fresh = createTestClient(server.baseUrl);
    await fresh.login(licenseNo, oneTime);
    expect((await fresh.me()).passwordChangeRequired).toBe(true);
    await result.getByRole('button', { name: '我已告知本人，关闭' }).click();
    expect(await result.count()).toBe(0);

    // Disable: the row leaves the report; the login stops working.
    const lawyersBefore = Number(await page.locator('[data-testid="total-lawyers"]').textContent());
    await row.locator('[data-testid="disable-account"]').click();
    await expect.poll(() => row.count()).toBe(0);
    expect(dialogs.at(-1)).toContain('停用');
    expect(await page.locator('[data-testid="account-changed"]').textContent()).toContain('已停用 陈八');
    expect(Number(await page.locator('[data-testid="total-lawyers"]').textContent())).toBe(lawyersBefore - 1);
    expect((await errorOf(fresh.me())).status).toBe(401);
    expect((await errorOf(createTestClient(server.baseUrl).login(licenseNo, oneTime))).status).toBe(401);

    // Include disabled lawyers: the row is back, flagged, and can be re-enabled.
    await page.locator('[data-testid="include-disabled"]').check();
    await row.waitFor();
    expect(await row.locator('[data-testid="disabled-badge"]').textContent()).toBe('已停用');
    expect(await page.locator('[data-testid="report-csv"]').getAttribute('href')).toContain('includeDisabled=true');
    await page.screenshot({ path: `${SHOTS}/accounts-disabled.png`, fullPage: true });
    await row.locator('[data-testid="enable-account"]').click();
    await expect.poll(() => row.locator('[data-testid="disabled-badge"]').count()).toBe(0);
    expect(await page.locator('[data-testid="account-changed"]').textContent()).toContain('已重新启用 陈八');
    await createTestClient(server.baseUrl).login(licenseNo, oneTime);
    expect(errors).toEqual([]);
    await context.close();
  });
});
