/**
 * The association pages in real Chromium: the Sichuan administrator opens the report, sorts and
 * filters it, sees the chart (chart.js fetched only on this page), downloads the CSV and sets a
 * training plan through the form, after which the report measures the lawyer against it.
 * Screenshots go to test-results/ (not committed).
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { lectureProgress } from '../../server/db/schema/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;
/** the current calendar year in Shanghai: the demo's training year */
const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  // 李明 completed the demo lecture this year for 50 minutes of credit.
  await server.deps.db.insert(lectureProgress).values({ userId: server.demo!.users.lawyer, lectureId: server.demo!.lectureId, creditMinutes: 50, completedAt: new Date(), intervals: [] });
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('admin report page', () => {
  test('report, chart on demand, CSV link, and a plan set through the form', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });

    await page.goto(`${server.baseUrl}/login?next=%2Fcourses`);
    await page.locator('input[name="login"]').fill('admin-sc');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/courses$/);
    await page.locator('[data-testid="course-list"] li').first().waitFor();
    // The catalog never loads chart.js.
    expect(scripts.some((s) => s.includes('chart'))).toBe(false);

    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.sichuan}&year=${year}`);
    await page.locator('[data-testid="report-table"]').waitFor();
    expect(await page.locator('#report-heading').textContent()).toBe(`四川省律师协会 · ${year} 年度学时报表`);
    const rows = page.locator('[data-testid="report-table"] tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('李明');
    expect(await rows.first().locator('td').nth(3).textContent()).toBe('50');
    expect(await page.locator('[data-testid="total-lawyers"]').textContent()).toBe('1');
    // No plan yet: not planned — its own state, never "met" (issue 8).
    expect(await page.locator('[data-testid="total-met"]').textContent()).toContain('0 / 0');
    expect(await page.locator('[data-testid="total-not-planned"]').textContent()).toContain('1');
    expect(await rows.first().getAttribute('data-met')).toBe('not-planned');
    expect(await rows.first().textContent()).toContain('未纳入计划');

    // The chart arrives as its own chunk and draws on the canvas.
    await expect.poll(() => scripts.some((s) => /chart/.test(s))).toBe(true);
    await expect
      .poll(() => page.locator('[data-testid="firm-chart"]').evaluate((canvas: HTMLCanvasElement) => canvas.width > 0 && canvas.getContext('2d') !== null))
      .toBe(true);

    const csvHref = await page.locator('[data-testid="report-csv"]').getAttribute('href');
    expect(csvHref).toBe(`/api/organizations/${server.demo!.sichuan}/report.csv?year=${year}`);
    const csv = await page.evaluate(async (href) => {
      const res = await fetch(href!);
      return { status: res.status, disposition: res.headers.get('content-disposition'), bytes: [...new Uint8Array(await res.arrayBuffer()).slice(0, 3)] };
    }, csvHref);
    expect(csv.status).toBe(200);
    expect(csv.disposition).toMatch(/^attachment;/);
    expect(csv.bytes).toEqual([0xef, 0xbb, 0xbf]);

    // A plan of 2 学时 (90 minutes, typed in 学时) for Mianyang: 李明 (50 minutes) does not meet it.
    await page.locator('#plan-name').fill('县域律师年度培训');
    await page.locator('#plan-hours').fill('2');
    await page.locator('#plan-targets').selectOption([server.demo!.mianyang]);
    await page.locator('[data-testid="plan-form"] button[type="submit"]').click();
    await expect.poll(() => page.locator('[data-testid="plans"] li').count()).toBe(1);
    expect(await page.locator('[data-testid="plans"] li').first().textContent()).toContain('绵阳市律师协会');
    await expect.poll(() => page.locator('[data-testid="total-met"]').textContent()).toContain('0 / 1');
    expect(await page.locator('[data-testid="report-table"] tbody tr td').nth(5).textContent()).toBe('90');
    expect(await page.locator('[data-testid="report-table"] tbody tr td').nth(6).textContent()).toBe('2');

    // The filter keeps those who have not met the plan.
    await page.getByLabel('只看未达标').check();
    expect(await rows.count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/admin-report.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the Sichuan administrator asking for Gansu in the URL gets Sichuan, never Gansu', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login?next=%2Fcourses`);
    await page.locator('input[name="login"]').fill('admin-sc');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/courses$/);
    // An id outside the tree falls back to the administrator's own root, never to Gansu.
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.gansu}&year=${year}`);
    await page.locator('[data-testid="report"]').waitFor();
    expect(await page.locator('#report-heading').textContent()).toContain('四川省律师协会');
    await context.close();
  });

  test('organizations and staff: the Sichuan administrator builds a firm, makes a trainer with a one-time password, reads the audit log and closes the firm', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${server.baseUrl}/login?next=%2Fcourses`);
    await page.locator('input[name="login"]').fill('admin-sc');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/courses$/);

    // A new firm under Mianyang: the form offers only firms under a city.
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.mianyang}&year=${year}`);
    const create = page.locator('[data-testid="create-organization"]');
    await create.waitFor();
    expect(await create.locator('#org-kind').count()).toBe(0);
    await create.locator('#org-name').fill('绵阳游仙新华律师事务所');
    await create.locator('#org-region').fill('511302'); // Nanchong's code: refused with the reason
    await create.locator('button[type="submit"]').click();
    await expect.poll(() => create.locator('[role="alert"]').textContent()).toContain('前 4 位相同');
    await create.locator('#org-region').fill('510704');
    await create.locator('button[type="submit"]').click();
    // the page moves to the new firm, which the tree now lists
    await page.waitForURL((url) => url.searchParams.get('org') !== server.demo!.mianyang);
    const firmId = new URL(page.url()).searchParams.get('org')!;
    await expect.poll(() => page.locator('[data-testid="organization-tree"] summary .current').textContent()).toBe('绵阳游仙新华律师事务所');

    // A staff account with the trainer role; the one-time password is shown once.
    const staff = page.locator('[data-testid="create-staff"]');
    await staff.locator('#staff-login').fill('yx-trainer');
    await staff.locator('#staff-name').fill('郑讲师');
    await staff.locator('#staff-role').selectOption('trainer');
    await staff.locator('button[type="submit"]').click();
    const otp = page.locator('[data-testid="staff-initial-password"]');
    await otp.waitFor();
    const initialPassword = await otp.inputValue();
    expect(initialPassword).toMatch(/^[a-z2-9]{12}$/);
    const row = page.locator('[data-testid="staff-list"] li[data-login="yx-trainer"]');
    await expect.poll(() => row.locator('.role[data-role="trainer"]').count()).toBe(1);
    expect(await row.textContent()).toContain('待首次登录改密码');

    // The audit log lists what was just done, newest first.
    const audit = page.locator('[data-testid="audit-log"] li');
    await expect.poll(() => audit.evaluateAll((items) => items.map((li) => li.getAttribute('data-action')))).toEqual(['role.granted', 'staff.created', 'organization.created']);
    expect(await audit.first().textContent()).toContain('陈主任');

    // The new trainer signs in with it, must replace it, and trains for the firm.
    const trainer = createTestClient(server.baseUrl);
    await trainer.login('yx-trainer', initialPassword);
    expect(await trainer.me()).toMatchObject({ passwordChangeRequired: true, roles: [{ organizationId: firmId, role: 'trainer' }] });

    // Closing the firm marks it in the tree; the staff form goes away.
    await page.locator('[data-testid="close-organization"]').click();
    await page.locator('[data-testid="organization-closed"]').waitFor();
    expect(await page.locator('[data-testid="closed-badge"]').count()).toBe(1);
    expect(await page.locator('[data-testid="create-staff"]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/admin-organizations.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
