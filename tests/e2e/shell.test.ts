/**
 * The web shell in real Chromium against the full app (real database, demo accounts): login
 * through the form, the catalog, the language switch, role navigation, the redirect to /login
 * and back, the public certificate page. Screenshots go to test-results/ (not committed).
 * web/dist is built (when stale) by tests/global-setup.ts.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, submitLogin } from '../helpers/browser.ts';
import { createTestClient, settle } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh "phone" (360 px wide, its own cookies and local storage). */
async function phone(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
  const page = await context.newPage();
  // Uncaught exceptions in the page fail the test (checked at its end).
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

const logIn = submitLogin;

describe('web shell', () => {
  test('a lawyer logs in through the form, sees the catalog, and switches to English', async () => {
    const { context, page, errors } = await phone();
    await page.goto(`${server.baseUrl}/`);
    // Not signed in: / → /courses → /login.
    await page.waitForURL(/\/login$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => page.locator('h1').textContent()).toBe('登录讲坛');
    expect(await page.locator('form button[type="submit"]').count()).toBe(1);

    await logIn(page, 'lawyer', 'lectern-demo');
    await page.waitForURL(/\/courses$/);
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe('课程目录');
    // Learner navigation only: no 授课, no 管理.
    const nav = page.getByRole('navigation', { name: '主导航' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['课程', '我的学习']);
    const firstCourse = await page.locator('[data-testid="course-list"] li a').first().textContent();
    expect(firstCourse).toBeTruthy();
    await page.screenshot({ path: `${SHOTS}/shell-catalog-zh.png`, fullPage: true });

    await page.getByLabel('语言').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.locator('h1').textContent()).toBe('Course catalog');
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link').allTextContents()).toEqual([
      'Courses',
      'My learning',
    ]);
    expect(await page.title()).toContain('Course catalog');
    await page.screenshot({ path: `${SHOTS}/shell-catalog-en.png`, fullPage: true });

    // The choice persists across a reload, and the course page follows it.
    await page.reload();
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.locator('[data-testid="course-list"] li a').first().click();
    await page.waitForURL(/\/courses\/[^/]+$/);
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('Lectures');
    expect(await page.locator('article h1').textContent()).toBe(firstCourse);
    await expect.poll(() => page.title()).toBe(`${firstCourse} · Lectern 讲坛`);
    await page.screenshot({ path: `${SHOTS}/shell-course-en.png`, fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('catalog search and category filter live in the URL', async () => {
    const { context, page, errors } = await phone();
    await page.goto(`${server.baseUrl}/login`);
    await logIn(page, 'lawyer', 'lectern-demo');
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    const title = (await page.locator('[data-testid="course-list"] li a').first().textContent()) ?? '';

    await page.getByLabel('搜索课程').fill('没有这样的课程');
    await page.getByRole('button', { name: '搜索' }).click();
    await page.waitForURL(/\/courses\?q=/);
    await expect.poll(() => page.getByText('没有找到符合条件的课程。').count()).toBe(1);

    await page.goBack();
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    expect(await page.getByLabel('搜索课程').inputValue()).toBe('');

    await page.getByLabel('分类').selectOption('criminal');
    await page.waitForURL(/category=criminal/);
    await expect.poll(() => page.locator('[data-testid="course-list"] li a').first().textContent()).toBe(title);
    // A reload keeps the filter.
    await page.reload();
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    expect(await page.getByLabel('分类').inputValue()).toBe('criminal');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a wrong password shows the 401 message; a protected page returns after login', async () => {
    const { context, page, errors } = await phone();
    await page.goto(`${server.baseUrl}/admin`);
    await page.waitForURL(/\/login\?next=%2Fadmin$/);

    await logIn(page, 'admin', 'not-the-password');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('账号或密码不正确。');
    expect(page.url()).toMatch(/\/login\?next=%2Fadmin$/);

    await logIn(page, 'admin', 'lectern-demo');
    await page.waitForURL(/\/admin$/);
    await page.locator('[data-testid="organization-tree"]').waitFor();
    // The national administrator's tree holds both provinces.
    const tree = await page.locator('[data-testid="organization-tree"]').textContent();
    expect(tree).toContain('四川');
    expect(tree).toContain('甘肃');
    // Admin navigation: 管理 is there.
    expect(await page.getByRole('navigation', { name: '主导航' }).getByRole('link').allTextContents()).toContain('管理');
    await page.screenshot({ path: `${SHOTS}/shell-admin.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the trainer sees 授课 and lands on /teach after login', async () => {
    const { context, page, errors } = await phone();
    await page.goto(`${server.baseUrl}/login?next=%2Fteach`);
    await logIn(page, 'trainer', 'lectern-demo');
    await page.waitForURL(/\/teach$/);
    const links = await page.getByRole('navigation', { name: '主导航' }).getByRole('link').allTextContents();
    expect(links).toContain('授课');
    expect(links).not.toContain('管理');
    await page.locator('main h1').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a next that would leave the site (/%09/evil.example, issue 7) lands on the catalog after login', async () => {
    const { context, page, errors } = await phone();
    // Any other host answers a stand-in page, so leaving the site shows up as a URL, not a DNS error.
    const site = new URL(server.baseUrl).host;
    await context.route((url) => url.host !== site, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>evil</h1>' }));
    await page.goto(`${server.baseUrl}/login?next=/%09/evil.example`);
    await logIn(page, 'lawyer', 'lectern-demo');
    await page.waitForURL((url) => url.host !== site || url.pathname === '/courses');
    expect(new URL(page.url()).host).toBe(site);
    expect(new URL(page.url()).pathname).toBe('/courses');
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  test('/verify/:code is public and an unknown path shows the not-found page', async () => {
    const { context, page, errors } = await phone();
    await page.goto(`${server.baseUrl}/verify/ABCD-1234`);
    await page.locator('h1').waitFor();
    expect(page.url()).toMatch(/\/verify\/ABCD-1234$/);
    expect(await page.locator('h1').textContent()).toBe('证书验证');

    await page.goto(`${server.baseUrl}/no/such/page`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('页面不存在');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('too many tries: the form says to wait, not that the password is wrong', async () => {
    // Use up this login's tries over HTTP (same address as the browser), then try once in the form.
    const client = createTestClient(server.baseUrl);
    let last = 0;
    for (let i = 0; i < 12 && last !== 429; i++) {
      const tried = await settle(client.login('someone-else', 'wrong'));
      last = tried.ok ? 200 : tried.status;
    }
    expect(last).toBe(429);
    const { context, page, errors } = await phone();
    await page.goto(`${server.baseUrl}/login`);
    await logIn(page, 'someone-else', 'wrong');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('登录尝试次数过多，请稍等一分钟后再试。');
    expect(errors).toEqual([]);
    await context.close();
  });
});
