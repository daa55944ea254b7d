/**
 * The trainer page in real Chromium: a trainer creates a course, adds lectures, uploads a real
 * clip with tus-js-client, watches it transcode (a worker runs beside the test server), sets the
 * credit minutes; a bad file shows its failure reason in the page's language and keeps the course
 * from being published until it is hidden.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { MediaWorkspace } from '../helpers/media.ts';
import { startWorker, type Worker } from '../../transcoder/worker.ts';
import { REJECTION_REASONS } from '../../transcoder/errors.ts';
import { eq } from 'drizzle-orm';
import { courses, lectures } from '../../server/db/schema/index.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;
let worker: Worker;
let media: MediaWorkspace;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  worker = startWorker({ db: server.deps.db, storage: server.deps.storage, config: server.deps.config, pollMs: 200, logger: { info() {}, warn() {}, error() {} } });
  browser = await launchBrowser();
  media = await MediaWorkspace.create();
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
  await media?.dispose();
});

const logIn = (page: Page, login: string) => logInAsDemo(page, server.baseUrl, login);

describe('trainer page', () => {
  test('create a course, upload a lecture, watch it transcode, set credit, publish; a bad file shows its reason', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await logIn(page, 'trainer');
    await page.goto(`${server.baseUrl}/teach`);
    await page.getByText('县域律师刑事辩护实务').waitFor();

    // a new draft course
    await page.getByRole('button', { name: '+ 新建课程' }).click();
    await page.locator('input[name="title"]').fill('婚姻家事案件实务');
    await page.locator('textarea[name="summary"]').fill('离婚财产分割与子女抚养');
    await page.locator('select[name="category"]').selectOption('civil_commercial');
    await page.getByRole('button', { name: '创建草稿' }).click();
    const course = page.locator('article.course', { hasText: '婚姻家事案件实务' });
    await course.waitFor();
    expect(await course.locator('.course-status').textContent()).toBe('草稿');
    expect(await course.getByRole('button', { name: '发布', exact: true }).isDisabled()).toBe(true);

    // two lectures
    for (const title of ['第一讲：财产分割', '第二讲：错误的文件']) {
      await course.getByPlaceholder('新讲座的标题').fill(title);
      await course.getByRole('button', { name: '+ 添加讲座' }).click();
      await course.locator('li.lecture', { hasText: title }).waitFor();
    }
    const first = course.locator('li.lecture', { hasText: '第一讲：财产分割' });
    const second = course.locator('li.lecture', { hasText: '第二讲：错误的文件' });
    expect(await first.getAttribute('data-status')).toBe('uploading');

    // upload a real clip; it goes through tus, the worker transcodes it, the page polls
    await first.locator('input[name="recording"]').setInputFiles(await media.video({ seconds: 5, width: 640, height: 360 }));
    await expect.poll(() => first.getAttribute('data-status'), { timeout: 120_000, interval: 500 }).toBe('ready');
    await page.screenshot({ path: `${SHOTS}/teach-ready.png`, fullPage: true });

    // credit minutes: never more than the recording (5 s, so at most 1 minute), said in Chinese
    await first.locator('input[type="number"]').fill('3');
    await first.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => first.textContent()).toContain('学时分钟数不能超过讲座时长');
    await first.locator('input[type="number"]').fill('1');
    await first.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => first.locator('.meta').textContent()).toContain('学时 1 分钟');

    // a text file named .mp4 fails with its reason in Chinese…
    await second.locator('input[name="recording"]').setInputFiles(await media.textAsMp4());
    await expect.poll(() => second.getAttribute('data-status'), { timeout: 60_000, interval: 500 }).toBe('failed');
    expect(await second.locator('[role="alert"]').textContent()).toContain(REJECTION_REASONS.not_media['zh-CN']);

    // publishing is refused while a lecture has failed: the page names it; hiding it lets the course go out
    expect(await course.getByRole('button', { name: '发布', exact: true }).isDisabled()).toBe(true);
    expect(await course.getByTestId('publish-blocked').textContent()).toContain('第二讲：错误的文件');
    await course.getByRole('button', { name: '隐藏未就绪的讲座并发布' }).click();
    await expect.poll(() => course.locator('.course-status').textContent()).toBe('已发布');
    await second.getByTestId('hidden-badge').waitFor();

    // …and in English after switching the language
    await page.evaluate(async () => {
      localStorage.setItem('lectern.locale', 'en');
    });
    await page.reload();
    const failedEn = page.locator('li.lecture', { hasText: '第二讲：错误的文件' });
    await failedEn.waitFor();
    expect(await failedEn.locator('[role="alert"]').textContent()).toContain(REJECTION_REASONS.not_media.en);
    await page.screenshot({ path: `${SHOTS}/teach-en.png`, fullPage: true });

    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  test('replace the recording of a published lecture: the rule is shown first, a new version plays, the course stays out', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await logIn(page, 'trainer');
    await page.goto(`${server.baseUrl}/teach`);
    const course = page.locator('article.course', { hasText: '婚姻家事案件实务' });
    const first = course.locator('li.lecture', { hasText: '第一讲：财产分割' });
    await first.waitFor();
    expect(await first.getAttribute('data-status')).toBe('ready');
    const lectureId = (await first.getAttribute('data-lecture-id'))!;
    const [before] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));

    // the credit rule for a replaced recording is shown before a file can be chosen
    await first.getByRole('button', { name: '更换录像' }).click();
    const rule = first.getByTestId('replace-rule');
    await rule.waitFor();
    expect((await rule.textContent())!.length).toBeGreaterThan(20);
    await first.locator('input[name="recording"]').setInputFiles(await media.video({ seconds: 8, width: 640, height: 360 }));

    // a new version is transcoded and published; the course never went back to draft
    await expect
      .poll(async () => (await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId)))[0]!.mediaVersion, { timeout: 120_000, interval: 500 })
      .toBe(before!.mediaVersion + 1);
    await expect.poll(() => first.getAttribute('data-status'), { timeout: 120_000, interval: 500 }).toBe('ready');
    const [after] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
    expect(after!.packagePrefix).not.toBe(before!.packagePrefix);
    expect(after!.durationSeconds!).toBeGreaterThan(before!.durationSeconds! + 2);
    const [row] = await server.deps.db.select().from(courses).where(eq(courses.id, before!.courseId));
    expect(row!.status).toBe('published');
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);
});
