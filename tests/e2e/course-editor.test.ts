/**
 * The course editor in real Chromium (issue 11 item 1): a trainer edits a draft course's fields
 * and credit rules, renames and reorders its lectures, previews it as a learner (the player plays
 * and reports, and nothing is credited), is refused publishing while a lecture has failed (the page
 * says which, the API answers 409 unready_lectures), hides it and publishes; learners then see only
 * the ready lectures, in the new order.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { createTestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { courses, heartbeats, lectureProgress, lectures, playbackSessions } from '../../server/db/schema/index.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;
let courseId: string;
let lectureIds: string[];

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const trainer = createTestClient(server.baseUrl);
  await trainer.login('trainer', 'lectern-demo');
  courseId = (await teachApi(trainer).createCourse({ title: '证据规则实务', summary: '旧简介', category: 'criminal', organizationId: server.demo!.national })).id;
  lectureIds = [];
  for (const title of ['第一讲：取证', '第二讲：质证']) lectureIds.push(await createReadyLecture(server, { courseId, seconds: 20, title }));
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const logIn = (page: Page, login: string) => logInAsDemo(page, server.baseUrl, login);

const lectureTitles = (page: Page) => page.locator('article.course', { hasText: '证据规则' }).locator('li.lecture .title').allTextContents();

describe('course editor', () => {
  test('edit and reorder; preview earns nothing; publish refused with a failed lecture until it is hidden', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await logIn(page, 'trainer');
    await page.goto(`${server.baseUrl}/teach`);
    const course = page.locator('article.course', { hasText: '证据规则实务' });
    await course.waitFor();

    // edit the fields and the rules
    await course.getByRole('button', { name: '编辑课程' }).click();
    const editor = course.getByTestId('course-editor');
    await editor.locator('input[name="edit-title"]').fill('证据规则实务（修订）');
    await editor.locator('textarea[name="edit-summary"]').fill('新简介：电子证据');
    await editor.locator('select[name="edit-category"]').selectOption('civil_commercial');
    await editor.locator('input[name="edit-rate"]').fill('1.5');
    await editor.locator('input[name="edit-visible"]').uncheck();
    await editor.getByRole('button', { name: '保存修改' }).click();
    const edited = page.locator('article.course', { hasText: '证据规则实务（修订）' });
    await edited.locator('h2', { hasText: '证据规则实务（修订）' }).waitFor();
    await editor.waitFor({ state: 'detached' });
    const [row] = await server.deps.db.select().from(courses).where(eq(courses.id, courseId));
    expect(row).toMatchObject({ title: '证据规则实务（修订）', summary: '新简介：电子证据', category: 'civil_commercial', maxPlaybackRate: 1.5, requireVisible: false });

    // rename the second lecture, then move it up
    const second = edited.locator(`li.lecture[data-lecture-id="${lectureIds[1]}"]`);
    await second.getByRole('button', { name: '重命名' }).click();
    await second.locator('input[name="lecture-title"]').fill('第二讲：质证与认证');
    await second.getByRole('button', { name: '保存' }).first().click();
    await expect.poll(() => lectureTitles(page)).toEqual(['第一讲：取证', '第二讲：质证与认证']);
    await edited.getByRole('button', { name: '把“第二讲：质证与认证”上移一位' }).click();
    await expect.poll(() => lectureTitles(page)).toEqual(['第二讲：质证与认证', '第一讲：取证']);
    const order = await server.deps.db.select({ id: lectures.id, position: lectures.position }).from(lectures).where(eq(lectures.courseId, courseId));
    expect(order.sort((a, b) => a.position - b.position).map((l) => l.id)).toEqual([lectureIds[1], lectureIds[0]]);
    await page.screenshot({ path: `${SHOTS}/course-editor.png`, fullPage: true });

    // preview as a learner: the course page, then the player, which plays and reports — for nothing
    await edited.getByTestId('preview').click();
    await page.waitForURL(new RegExp(`/courses/${courseId}$`));
    await page.locator(`a[href="/lectures/${lectureIds[1]}"]`).first().click();
    await page.locator('[data-preview="true"]').waitFor();
    const trainerId = server.demo!.users.trainer;
    await expect
      .poll(
        async () => {
          const rows = await server.deps.db
            .select({ id: heartbeats.id })
            .from(heartbeats)
            .innerJoin(playbackSessions, eq(playbackSessions.id, heartbeats.sessionId))
            .where(eq(playbackSessions.userId, trainerId));
          return rows.length;
        },
        { timeout: 90_000, interval: 500 },
      )
      .toBeGreaterThan(0);
    const sessions = await server.deps.db.select().from(playbackSessions).where(eq(playbackSessions.userId, trainerId));
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s) => s.preview && s.acceptedSeconds === 0)).toBe(true);
    const progress = await server.deps.db.select().from(lectureProgress).where(eq(lectureProgress.userId, trainerId));
    expect(progress.every((p) => p.coveredSeconds === 0 && p.completedAt === null && p.creditMinutes === 0)).toBe(true);
    const credits = (await page.evaluate(async () => (await fetch('/api/me/credits')).json())) as { lectures?: { completedAt: string | null }[] };
    expect((credits.lectures ?? []).filter((l) => l.completedAt)).toEqual([]);

    // a third lecture whose file was not media: publishing is refused and the page says why
    await page.goto(`${server.baseUrl}/teach`);
    await edited.getByPlaceholder('新讲座的标题').fill('第三讲：坏文件');
    await edited.getByRole('button', { name: '+ 添加讲座' }).click();
    const bad = edited.locator('li.lecture', { hasText: '第三讲：坏文件' });
    await bad.waitFor();
    expect(await bad.locator('.status').textContent()).toBe('等待上传');
    const [badRow] = await server.deps.db.select({ id: lectures.id }).from(lectures).where(eq(lectures.title, '第三讲：坏文件'));
    await server.deps.db
      .update(lectures)
      .set({ status: 'failed', failureCode: 'not_media', failureReasonZh: '文件不是音视频。', failureReasonEn: 'The file is not audio or video.' })
      .where(eq(lectures.id, badRow!.id));
    await page.reload();
    await bad.waitFor();
    const blocked = edited.getByTestId('publish-blocked');
    await blocked.waitFor();
    expect(await blocked.textContent()).toContain('“第三讲：坏文件”');
    expect(await edited.getByRole('button', { name: '发布', exact: true }).isDisabled()).toBe(true);
    const refused = await page.evaluate(async (id) => {
      const res = await fetch(`/api/courses/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'published' }) });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    }, courseId);
    expect(refused).toEqual({ status: 409, error: 'unready_lectures' });
    await page.screenshot({ path: `${SHOTS}/course-editor-blocked.png`, fullPage: true });

    // hide it and publish, in one step
    await blocked.getByRole('button', { name: '隐藏未就绪的讲座并发布' }).click();
    await expect.poll(() => edited.locator('.course-status').textContent()).toBe('已发布');
    await bad.getByTestId('hidden-badge').waitFor();

    // a lawyer sees the ready lectures only, in the new order, and never "处理失败"
    const lawyerContext = await browser.newContext({ locale: 'zh-CN' });
    const lawyerPage = await lawyerContext.newPage();
    await logIn(lawyerPage, 'lawyer');
    await lawyerPage.goto(`${server.baseUrl}/courses/${courseId}`);
    await lawyerPage.getByText('第二讲：质证与认证').first().waitFor();
    const text = (await lawyerPage.locator('main').textContent()) ?? '';
    expect(text).not.toContain('第三讲：坏文件');
    expect(text).not.toContain('处理失败');
    expect(text.indexOf('第二讲：质证与认证')).toBeLessThan(text.indexOf('第一讲：取证'));
    await lawyerContext.close();

    expect(errors).toEqual([]);
    await context.close();
  });
});
