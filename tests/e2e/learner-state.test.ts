/**
 * Learner state in real Chromium (issue 11, item 3): 李明 watched the first 15 s of a 40 s lecture;
 * the catalog's card shows his progress, "继续学习" on /courses and /me points at that lecture, and
 * following it lands in the player at the resume point. The filters narrow the list (category,
 * organizer, required for me), kept in the URL.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { signedInClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { grantAllowance, startFromFullTolerance } from '../helpers/playback-time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;
let courseId = '';
let otherCourseId = '';
let lectureId = '';

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const demo = server.demo!;
  const catalog = new CatalogRepository(server.deps.db);
  const course = await catalog.insertCourse({
    organizationId: demo.sichuan,
    title: '县域律师执业风险防范',
    summary: '',
    category: 'practice_management',
    audience: ['county_lawyers'],
    status: 'published',
    createdBy: demo.users.trainer,
    publishedAt: new Date(),
  });
  courseId = course.id;
  lectureId = await createReadyLecture(server, { seconds: 40, courseId, title: '风险识别' });
  const other = await catalog.insertCourse({ organizationId: demo.national, title: '刑事辩护要点', summary: '', category: 'criminal', status: 'published', createdBy: demo.users.trainer, publishedAt: new Date() });
  otherCourseId = other.id;
  await createReadyLecture(server, { seconds: 40, courseId: otherCourseId, title: '证据' });

  // 李明 watched 0–15 s through the player's own API, and Sichuan requires the course this year
  const lawyer = await signedInClient(server.baseUrl, 'lawyer', 'lectern-demo');
  await startFromFullTolerance(server.deps.db);
  const session = await lawyer.openSession(lectureId);
  await grantAllowance(server.deps.db, session.sessionId, 30);
  const answer = await lawyer.sendHeartbeat(session.sessionId, { seq: 0, intervals: [[0, 15]], playbackRate: 1, visible: true, position: 15 });
  expect(answer.acceptedSeconds).toBe(15);
  const year = (await lawyer.myRequirement()).year;
  const adminSc = await signedInClient(server.baseUrl, 'admin-sc', 'lectern-demo');
  await adminSc.request('POST', `/api/organizations/${demo.sichuan}/plans`, { body: { year, name: '四川年度必修', requiredMinutes: 0, requiredCourseIds: [courseId] } });

  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openAs(login: string, path: string, viewport = { width: 1366, height: 900 }): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(path)}`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('lectern-demo');
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
  return { page, errors, close: () => context.close() };
}

const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
const cardIds = (page: Page) => page.locator('[data-testid="course-list"] > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-course')));

describe('learner state', () => {
  // before the player opens the lecture again (it may report a few more seconds when it closes)
  test('the course page shows each lecture’s progress; /me offers the same lecture', async () => {
    const { page, errors, close } = await openAs('lawyer', `/courses/${courseId}`);
    const lecture = page.locator(`li[data-lecture="${lectureId}"]`);
    await lecture.waitFor();
    expect(await lecture.getAttribute('data-percent')).toBe('37');
    expect(squash(await lecture.textContent())).toContain('已学 37%');
    expect(await page.locator('[data-testid="course-continue"]').getAttribute('data-lecture')).toBe(lectureId);
    expect(squash(await page.locator('[data-field="trainer"]').textContent())).toMatch(/^主讲：.+/);
    await page.screenshot({ path: `${SHOTS}/learner-course.png`, fullPage: true });

    await page.goto(`${server.baseUrl}/me`);
    const entry = page.locator('[data-testid="continue"]');
    await entry.waitFor();
    expect(await entry.getAttribute('data-lecture')).toBe(lectureId);
    expect(await page.locator('[data-testid="continue-link"]').getAttribute('href')).toBe(`/lectures/${lectureId}`);
    expect(errors).toEqual([]);
    await close();
  });

  test('the card shows the progress, 继续学习 leads to the lecture at the resume point', { timeout: 180_000 }, async () => {
    const { page, errors, close } = await openAs('lawyer', '/courses', { width: 390, height: 844 });
    const card = page.locator(`[data-testid="course-list"] > li[data-course="${courseId}"]`);
    await card.waitFor();
    expect(await card.getAttribute('data-percent')).toBe('37');
    expect(await card.getAttribute('data-completed')).toBe('false');
    const cardText = squash(await card.textContent());
    expect(cardText).toContain('已学 37%');
    expect(cardText).toContain('已完成 0/1 讲');
    expect(cardText).toContain('必修');
    expect(squash(await card.locator('[data-field="organizer"]').textContent())).toMatch(/^主办：.+/);
    expect(squash(await card.locator('[data-field="trainer"]').textContent())).toMatch(/^主讲：.+/);
    // a course he has not touched shows no bar
    const other = page.locator(`[data-testid="course-list"] > li[data-course="${otherCourseId}"]`);
    expect(await other.locator('[role="progressbar"]').count()).toBe(0);

    const entry = page.locator('[data-testid="continue"]');
    expect(await entry.getAttribute('data-lecture')).toBe(lectureId);
    expect(await entry.getAttribute('data-resume-at')).toBe('15');
    expect(squash(await entry.textContent())).toContain('继续学习');
    expect(squash(await page.locator('[data-testid="continue-link"]').textContent())).toContain('从 0:15 继续');
    await page.screenshot({ path: `${SHOTS}/learner-courses-phone.png`, fullPage: true });

    await page.locator('[data-testid="continue-link"]').click();
    await page.waitForURL(new RegExp(`/lectures/${lectureId}$`));
    // the player starts where he stopped, not at 0
    await page.waitForFunction(() => {
      const media = document.querySelector<HTMLMediaElement>('video, audio');
      return !!media && media.readyState >= 1 && !media.seeking && media.currentTime >= 14;
    }, undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    await close();
  });

  test('filters narrow the list and live in the URL', async () => {
    const { page, errors, close } = await openAs('lawyer', '/courses');
    await page.locator(`[data-testid="course-list"] > li[data-course="${courseId}"]`).waitFor();
    const everything = await cardIds(page);
    expect(everything).toEqual(expect.arrayContaining([courseId, otherCourseId]));

    await page.locator('#course-category').selectOption('criminal');
    await page.waitForURL((url) => url.searchParams.get('category') === 'criminal');
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="course-list"] > li[data-course="${id}"]`), courseId);
    const criminal = await cardIds(page);
    expect(criminal).toContain(otherCourseId);
    expect(criminal).not.toContain(courseId);

    // organizer: Sichuan, combined with the category, finds nothing; alone, the Sichuan course
    await page.locator('#course-organizer').selectOption(server.demo!.sichuan);
    await page.waitForURL((url) => url.searchParams.get('organizer') === server.demo!.sichuan);
    await page.locator('.notice').waitFor();
    await page.locator('#course-category').selectOption('');
    await page.waitForURL((url) => !url.searchParams.has('category'));
    await page.locator(`[data-testid="course-list"] > li[data-course="${courseId}"]`).waitFor();
    expect(await cardIds(page)).toEqual([courseId]);

    // required for me: only the course Sichuan's plan requires
    await page.goto(`${server.baseUrl}/courses`);
    await page.locator(`[data-testid="course-list"] > li[data-course="${otherCourseId}"]`).waitFor();
    await page.locator('input[name="required"]').check();
    await page.waitForURL((url) => url.searchParams.get('required') === '1');
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="course-list"] > li[data-course="${id}"]`), otherCourseId);
    expect(await cardIds(page)).toEqual([courseId]);
    expect(squash(await page.locator('[data-testid="course-total"]').textContent())).toBe('共 1 门课程');
    await page.screenshot({ path: `${SHOTS}/learner-filters.png`, fullPage: true });

    // a reload keeps the filter
    await page.reload();
    await page.locator(`[data-testid="course-list"] > li[data-course="${courseId}"]`).waitFor();
    expect(await page.locator('input[name="required"]').isChecked()).toBe(true);
    expect(errors).toEqual([]);
    await close();
  });
});
