/**
 * Pairing (结对帮扶) in real Chromium, "a mentor seeing a mentee": the Sichuan administrator pairs
 * a senior Mianyang lawyer with 李明 on /admin; the mentor signs in, finds 结对帮扶 in the nav,
 * opens 李明's progress (the numbers of 李明's own requirement) and recommends a course; 李明
 * then sees the recommendation on /me.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { lectureProgress, users } from '../../server/db/schema/index.ts';
import { launchBrowser, logInAsDemo, submitLogin } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SENIOR = '15107201010000077';
const PASSWORD = 'pairing-e2e-1';

let server: TestServer;
let browser: Browser;

/** Today in Beijing: the pair starts today, so it is active now. */
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
  const db = server.deps.db;
  const demo = server.demo!;
  const senior = await new AuthService(new AuthRepository(db), { attemptsPerMinute: 10 }).createUser({ login: SENIOR, name: '周律师', password: PASSWORD, organizationId: demo.mianyangCityFirm, licenseNo: SENIOR });
  await db.update(users).set({ practiceStartedOn: '2010-03-01' }).where(eq(users.id, senior.id));
  await db.update(users).set({ practiceStartedOn: '2025-09-01' }).where(eq(users.id, demo.users.lawyer));
  // 李明 has 90 minutes this year
  await db.insert(lectureProgress).values({ userId: demo.users.lawyer, lectureId: demo.lectureId, creditMinutes: 90, completedAt: new Date(), coveredSeconds: 60, intervals: [] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('结对帮扶: a mentor seeing a mentee', () => {
  test('admin-sc pairs them on /admin; the mentor sees 李明’s progress and recommends a course; 李明 sees it on /me', async () => {
    const demo = server.demo!;
    const errors: string[] = [];
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      return { context, page };
    };

    // the administrator records the pair
    const admin = await open();
    await logInAsDemo(admin.page, server.baseUrl, 'admin-sc');
    await admin.page.goto(`${server.baseUrl}/admin?org=${demo.mianyang}`);
    const panel = admin.page.locator('[data-testid="pairing-panel"]');
    await panel.waitFor();
    const form = panel.locator('[data-testid="pair-form"]');
    await form.locator('input[name="mentor"]').fill(SENIOR);
    await form.locator('input[name="mentee"]').fill('lawyer');
    await form.locator('input[name="startsOn"]').fill(today);
    await form.locator('button[type="submit"]').click();
    expect(await panel.locator('[data-testid="pair-created"]').textContent()).toContain('周律师 → 李明');
    await panel.locator('[data-testid="pair"][data-status="active"]').waitFor();
    await admin.context.close();

    // the mentor signs in: 结对帮扶 is in the nav
    const mentor = await open();
    await mentor.page.goto(`${server.baseUrl}/login`);
    await submitLogin(mentor.page, SENIOR, PASSWORD);
    await mentor.page.waitForURL(/\/courses$/);
    await mentor.page.locator('[data-testid="nav-mentoring"]').click();
    await mentor.page.waitForURL(/\/mentoring$/);
    const pair = mentor.page.locator('[data-testid="mentoring-pair"]');
    await pair.locator(`[data-testid="mentee"][data-user-id="${demo.users.lawyer}"] button`).click();
    const progress = pair.locator('[data-testid="mentee-progress"]');
    await progress.waitFor();
    const lawyer = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    const own = await lawyer.myRequirement();
    expect(own.creditMinutes).toBeGreaterThanOrEqual(90);
    expect(await progress.getAttribute('data-credit-minutes')).toBe(String(own.creditMinutes));
    expect(await progress.locator('[data-testid="mentee-credit"]').textContent()).toContain(`${own.creditMinutes} 分钟`);

    // … and recommends the demo course
    const recommend = pair.locator('[data-testid="recommend-form"]');
    const select = recommend.locator('select[name="courseId"]');
    await select.locator(`option[value="${demo.courseId}"]`).waitFor({ state: 'attached' });
    await select.selectOption(demo.courseId);
    await recommend.locator('input[name="note"]').fill('先学这门');
    await recommend.locator('button[type="submit"]').click();
    await recommend.locator('[data-testid="recommended"]').waitFor();
    await progress.locator('[data-testid="mentee-recommendation"]').waitFor();
    await mentor.context.close();

    // 李明 sees the recommendation on /me; no 结对帮扶 link for the mentee
    const mentee = await open();
    await logInAsDemo(mentee.page, server.baseUrl, 'lawyer');
    await mentee.page.goto(`${server.baseUrl}/me`);
    const card = mentee.page.locator('[data-testid="recommendations"]');
    const item = card.locator(`[data-testid="recommendation"][data-course-id="${demo.courseId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('先学这门');
    expect(await item.textContent()).toContain('周律师');
    expect(await mentee.page.locator('[data-testid="nav-mentoring"]').count()).toBe(0);
    await mentee.context.close();
    expect(errors).toEqual([]);
  });
});
