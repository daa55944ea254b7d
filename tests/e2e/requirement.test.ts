/**
 * "My learning" in real Chromium shows what the year requires (issue 8): Sichuan's rules ask
 * 40 学时, a Sichuan plan requires the demo course; 李明 sees the target, what is credited and what
 * remains in 学时 with the minutes beside them, the required course still to do (a link to it) and
 * the deadline. 王芳, whom no plan covers, reads that nothing is required yet — never "met".
 * The Sichuan administrator sets rules and a plan in 学时 through the forms.
 */
import { mkdir } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { lectureProgress, users } from '../../server/db/schema/index.ts';
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
  const demo = server.demo!;
  // 李明 practised all year and completed the demo lecture for 50 minutes of credit.
  await server.deps.db.update(users).set({ practiceStartedOn: '2015-09-01' }).where(eq(users.id, demo.users.lawyer));
  await server.deps.db.insert(lectureProgress).values({ userId: demo.users.lawyer, lectureId: demo.lectureId, creditMinutes: 50, completedAt: new Date(), intervals: [] });
  const adminSc = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', 'lectern-demo');
  await adminSc.setRequirementRules(demo.sichuan, { annualClassHours: 40, proRating: [{ minMonthsPractised: 6, classHours: 40 }, { minMonthsPractised: 2, classHours: 20 }], partTimeClassHours: 24, exemptFromAge: 65 });
  await adminSc.request('POST', `/api/organizations/${demo.sichuan}/plans`, { body: { year, name: '四川年度继续教育', requiredMinutes: 0, requiredCourseIds: [demo.courseId] } });
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openAs(login: string, path: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 800, height: 1000 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(path)}`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('lectern-demo');
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => url.pathname === path);
  return { page, errors, close: () => context.close() };
}

const text = async (page: Page, testId: string) => ((await page.locator(`[data-testid="${testId}"]`).textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('my requirement on /me', () => {
  test('李明: target, credited and remaining in 学时 with minutes, the required course to do, the deadline', async () => {
    const { page, errors, close } = await openAs('lawyer', '/me');
    const card = page.locator('[data-testid="requirement"]');
    await card.waitFor();
    expect(await card.getAttribute('data-planned')).toBe('true');
    expect(await text(page, 'requirement-target')).toBe('40 学时 1800 分钟');
    expect(await text(page, 'requirement-credited')).toBe('1.11 学时 50 分钟');
    expect(await text(page, 'requirement-remaining')).toBe('38.89 学时 1750 分钟');
    expect(await text(page, 'requirement-met')).toBe('尚未达标');
    const course = page.locator('[data-testid="requirement-courses"] a');
    expect(await course.count()).toBe(1);
    expect(await course.getAttribute('href')).toBe(`/courses/${server.demo!.courseId}`);
    expect(await text(page, 'requirement-deadline')).toBe(`截止时间：${year}年12月31日`);
    expect(await page.locator('body').textContent()).not.toContain('学分');
    await page.screenshot({ path: `${SHOTS}/me-requirement.png`, fullPage: true });

    // the link leads to the course
    await course.click();
    await page.waitForURL(new RegExp(`/courses/${server.demo!.courseId}$`));
    expect(errors).toEqual([]);
    await close();
  });

  test('王芳 (no plan covers her): nothing required yet, never "met"', async () => {
    const { page, errors, close } = await openAs('lawyer2', '/me');
    const card = page.locator('[data-testid="requirement"]');
    await card.waitFor();
    expect(await card.getAttribute('data-planned')).toBe('false');
    expect(await text(page, 'requirement-not-planned')).toContain('还没有被纳入任何培训计划');
    expect(await page.locator('[data-testid="requirement-met"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await close();
  });
});

describe('the administrator types 学时', () => {
  test('rules and a plan in 学时; the report shows the not planned apart', async () => {
    const { page, errors, close } = await openAs('admin-sc', '/courses');
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.mianyang}&year=${year}`);
    await page.locator('[data-testid="report-table"]').waitFor();
    // Mianyang inherits Sichuan's rules; it sets its own: 30 学时 a year, no pro-rating
    const rules = page.locator('[data-testid="requirement-rules"]');
    await rules.locator('text=四川省律师协会').first().waitFor();
    await rules.locator('[data-testid="rules-inherit"]').uncheck();
    await rules.locator('#rules-annual').fill('30');
    // Sichuan's steps (40 and 20 学时) came along; 40 is more than 30 a year: remove them
    while ((await rules.getByRole('button', { name: '删除这一档' }).count()) > 0) await rules.getByRole('button', { name: '删除这一档' }).first().click();
    await rules.locator('button[type="submit"]').click();
    await rules.locator('[role="status"]').waitFor();
    expect(await rules.textContent()).toContain('绵阳市律师协会');
    // 李明's row: 30 学时 = 1350 minutes
    const row = page.locator('[data-testid="report-table"] tr[data-lawyer="15107202110000001"]');
    await expect.poll(async () => (await row.locator('td').nth(5).textContent())?.trim()).toBe('1350');
    expect((await row.locator('td').nth(6).textContent())?.trim()).toBe('30');

    // a plan of 2 学时 elective: typed in 学时, sent in minutes
    await page.locator('#plan-name').fill('选修专项');
    await page.locator('#plan-hours').fill('0');
    await page.locator('#plan-elective').fill('2');
    expect(await text(page, 'plan-minutes')).toContain('= 0 分钟');
    await page.locator('[data-testid="plan-form"] button[type="submit"]').click();
    await page.locator('[data-testid="plans"] li', { hasText: '选修专项' }).waitFor();
    expect(await page.locator('[data-testid="plans"] li', { hasText: '选修专项' }).textContent()).toContain('2 学时（90 分钟）');
    expect(errors).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/admin-requirement.png`, fullPage: true });
    await close();
  });
});
