/**
 * Handouts in real Chromium (issue 11, "handout download"): a trainer attaches a PDF to a course
 * and another to one lecture in /teach (with a Word file added and deleted again, after the
 * confirmation), a lawyer sees "讲义 · PDF · size" on the course page and the lecture's handout
 * under the player, and downloads the PDF: the saved bytes are the uploaded ones.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { createTestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { ooxml, tinyPdf } from '../helpers/handouts.ts';
import { formatBytes } from '../../web/src/lib/format.ts';

let server: TestServer;
let browser: Browser;
let courseId: string;
let lectureId: string;
let coursePdf: Buffer;
let lecturePdf: Buffer;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const trainer = createTestClient(server.baseUrl);
  await trainer.login('trainer', 'lectern-demo');
  courseId = (await teachApi(trainer).createCourse({ title: '电子证据实务', category: 'criminal', organizationId: server.demo!.national })).id;
  lectureId = await createReadyLecture(server, { courseId, seconds: 20, title: '第一讲：电子数据取证' });
  await trainer.expectStatus(200, teachApi(trainer).updateCourse(courseId, { status: 'published' }));
  coursePdf = await tinyPdf('电子证据实务 讲义', 4);
  lecturePdf = await tinyPdf('第一讲 讲义', 1);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const logIn = (page: Page, login: string) => logInAsDemo(page, server.baseUrl, login);

describe('handouts', () => {
  test('a trainer attaches PDFs in /teach; a lawyer sees their type and size and downloads one', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await logIn(page, 'trainer');
    await page.goto(`${server.baseUrl}/teach`);
    const course = page.locator('article.course', { hasText: '电子证据实务' });
    await course.waitFor();

    // the course's own handout
    const courseHandouts = course.getByTestId('course-handouts');
    await courseHandouts.getByTestId('add-handout').click();
    await courseHandouts.locator('input[type="file"]').setInputFiles({ name: '电子证据实务讲义.pdf', mimeType: 'application/pdf', buffer: coursePdf });
    const courseItem = courseHandouts.locator('li[data-handout]', { hasText: '电子证据实务讲义' });
    await courseItem.waitFor();
    expect(await courseItem.textContent()).toContain(`PDF · ${formatBytes(coursePdf.length)}`);

    // one lecture's: a Word file added, then deleted after the confirmation; a PDF that stays
    const lecture = course.locator('li.lecture', { hasText: '第一讲：电子数据取证' });
    const lectureHandouts = lecture.getByTestId('lecture-handouts');
    await lectureHandouts.getByTestId('add-handout').click();
    await lectureHandouts.locator('input[type="file"]').setInputFiles({ name: '案例汇编.docx', mimeType: 'application/octet-stream', buffer: ooxml('word') });
    const docx = lectureHandouts.locator('li[data-handout]', { hasText: '案例汇编' });
    await docx.waitFor();
    expect(await docx.textContent()).toContain('DOCX');
    page.once('dialog', (dialog) => void dialog.accept());
    await docx.getByRole('button', { name: '删除讲义“案例汇编”' }).click();
    await docx.waitFor({ state: 'detached' });
    await lectureHandouts.getByTestId('add-handout').click();
    await lectureHandouts.locator('input[type="file"]').setInputFiles({ name: '第一讲讲义.pdf', mimeType: 'application/pdf', buffer: lecturePdf });
    await lectureHandouts.locator('li[data-handout]', { hasText: '第一讲讲义' }).waitFor();

    // a file that is not a document: the reason in Chinese, nothing added
    await lectureHandouts.getByTestId('add-handout').click();
    await lectureHandouts.locator('input[type="file"]').setInputFiles({ name: '不是讲义.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') });
    await expect.poll(() => lectureHandouts.locator('[role="alert"]').textContent()).toContain('讲义只能是 PDF');
    expect(await lectureHandouts.locator('li[data-handout]').count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();

    // the lawyer: the course page lists both with type and size, and the PDF downloads whole
    const lawyerContext = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
    const lawyerPage = await lawyerContext.newPage();
    lawyerPage.on('pageerror', (error) => errors.push(error.message));
    await logIn(lawyerPage, 'lawyer');
    await lawyerPage.goto(`${server.baseUrl}/courses/${courseId}`);
    const listed = lawyerPage.locator('li[data-handout]', { hasText: '电子证据实务讲义' });
    await listed.waitFor();
    expect(await listed.textContent()).toContain(`讲义 · PDF · ${formatBytes(coursePdf.length)}`);
    const lectureListed = lawyerPage.locator(`li[data-lecture="${lectureId}"] li[data-handout]`);
    expect(await lectureListed.textContent()).toContain(`讲义 · PDF · ${formatBytes(lecturePdf.length)}`);
    expect(await lawyerPage.locator('main').textContent()).not.toContain('案例汇编');

    const [download] = await Promise.all([lawyerPage.waitForEvent('download'), listed.getByRole('link', { name: '电子证据实务讲义' }).click()]);
    expect(download.suggestedFilename()).toBe('电子证据实务讲义.pdf');
    const saved = await download.path();
    expect((await readFile(saved!)).equals(coursePdf)).toBe(true);

    // under the player: this lecture's handout only
    await lawyerPage.goto(`${server.baseUrl}/lectures/${lectureId}`);
    const underPlayer = lawyerPage.locator('.player-page li[data-handout]');
    await underPlayer.first().waitFor();
    expect(await underPlayer.count()).toBe(1);
    expect(await underPlayer.textContent()).toContain('第一讲讲义');
    expect(errors).toEqual([]);
    await lawyerContext.close();
  });
});
