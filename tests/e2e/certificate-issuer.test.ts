/**
 * Trust and identity in real Chromium (issue 11, item 5): /verify/<code> names the issuing
 * association, its signer and shows its seal image (loaded, not a broken image); the shell shows
 * the configured site name, footer, help link and the ICP number linked to beian.miit.gov.cn; the
 * login page says what to type; an unmapped server error shows no English in the Chinese page.
 * Screenshots go to test-results/.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { launchBrowser } from '../helpers/browser.ts';
import { signedInClient } from '../helpers/http.ts';
import { certificateApi } from '../../web/src/routes/admin/certificate-api.ts';
import { sealPng } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
const SITE = { SITE_NAME: '四川律师在线学院', SITE_FOOTER: '四川省律师协会 主办', SITE_ICP: '蜀ICP备12345678号-1', SITE_HELP_URL: '/help' };
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true, env: SITE });
  const demo = server.demo!;
  await server.deps.db.execute(sql`
    INSERT INTO certificates (serial, code, user_id, course_id, holder_name, course_title, credit_minutes)
    VALUES ('LC-2026-900101', 'SEALCHECK2', ${demo.users.lawyer}, ${demo.courseId}, '李明', '刑事辩护实务', 60)`);
  const admin = await signedInClient(server.baseUrl, 'admin', 'lectern-demo');
  await admin.expectStatus(200, certificateApi(admin).saveSigner(demo.national, { signerName: '王俊峰', signerTitle: '会长' }));
  await admin.expectStatus(200, certificateApi(admin).uploadSeal(demo.national, sealPng(160).toString('base64')));
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('trust and identity', () => {
  test('/verify names the association, the signer, and shows the seal; the shell carries the site identity', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.baseUrl}/verify/SEALCHECK2`);
    const valid = page.locator('[data-verify="valid"]');
    await valid.waitFor();
    await expect.poll(() => valid.locator('[data-field="issuer-name"]').textContent()).toBe('中华全国律师协会');
    expect(await valid.locator('[data-field="signer"]').textContent()).toContain('王俊峰（会长）');
    const seal = valid.locator('[data-testid="issuer-seal"]');
    // loaded: the browser decoded the image (a broken link has naturalWidth 0)
    await expect.poll(() => seal.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(160);
    expect(await seal.getAttribute('alt')).toBe('中华全国律师协会的印章');

    await expect.poll(() => page.locator('[data-testid="site-name"]').textContent()).toContain(SITE.SITE_NAME);
    expect(await page.title()).toContain(SITE.SITE_NAME);
    const footer = page.locator('[data-testid="site-footer"]');
    expect(await footer.textContent()).toContain(SITE.SITE_FOOTER);
    const icp = page.locator('[data-testid="site-icp"]');
    expect(await icp.textContent()).toBe(SITE.SITE_ICP);
    expect(await icp.getAttribute('href')).toBe('https://beian.miit.gov.cn/');
    expect(await footer.locator('a', { hasText: '帮助' }).getAttribute('href')).toBe('/help');
    await page.screenshot({ path: `${SHOTS}/verify-issuer-phone.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the login page says what to type, in Chinese first and in English', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    await page.goto(`${server.baseUrl}/login`);
    const help = page.locator('[data-testid="login-help"]');
    await help.waitFor();
    const zh = await help.textContent();
    expect(zh).toContain('执业证号');
    expect(zh).toContain('管理员为您开设的账号');
    expect(zh).toContain('初始密码');
    expect(await page.locator('input[name="login"]').getAttribute('aria-describedby')).toContain('login-help');
    await page.screenshot({ path: `${SHOTS}/login-help-desktop.png` });
    await page.locator('#locale-switch').selectOption('en');
    await expect.poll(() => help.textContent()).toContain('licence number');
    expect(await help.textContent()).toContain('one-time password');
    await page.close();
  });

  test('an error code without a catalog entry shows the Chinese generic sentence and the code, not the server’s English', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    // the login answers an error no catalog knows, with an English message that must not show
    await page.route('**/api/auth/login', (route) => route.fulfill({ status: 418, contentType: 'application/json', body: JSON.stringify({ error: 'boom', message: 'boom: the kettle exploded' }) }));
    await page.goto(`${server.baseUrl}/login`);
    await page.locator('input[name="login"]').fill('15107202110000001');
    await page.locator('input[name="password"]').fill('whatever-password');
    await page.locator('form button[type="submit"]').click();
    const alert = page.locator('#login-error');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('操作没有完成');
    expect(text).toContain('boom');
    expect(text).not.toContain('kettle');
    await page.close();
  });
});
