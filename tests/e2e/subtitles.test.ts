/**
 * Subtitles and transcripts in real Chromium (issue 11 item 2, docs/subtitles.md): a trainer
 * uploads an SRT in /teach (a bad one first: the page names the line), a lawyer opens the
 * lecture and the caption shows on the video, the transcript panel highlights the cue playing,
 * a click on a later cue seeks there, audio-only mode opens the transcript with its caption
 * line, and the catalog search for a word only in the subtitles finds the course with a link to
 * that cue.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { createTestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';

const SHOTS = 'test-results';
const SRT = `1
00:00:00,200 --> 00:00:06,000
各位律师，大家好。

2
00:00:06,000 --> 00:00:11,000
今天讲合同解除的法定事由。

3
00:00:14,000 --> 00:00:19,500
第三点：情势变更与不可抗力的区分。
`;

let server: TestServer;
let browser: Browser;
let courseId: string;
let lectureId: string;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const trainer = createTestClient(server.baseUrl);
  await trainer.login('trainer', 'lectern-demo');
  courseId = (await teachApi(trainer).createCourse({ title: '合同解除专题', category: 'civil_commercial', organizationId: server.demo!.national })).id;
  lectureId = await createReadyLecture(server, { courseId, seconds: 20, title: '第一讲：法定解除' });
  await trainer.expectStatus(200, teachApi(trainer).updateCourse(courseId, { status: 'published' }));
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('subtitles', () => {
  test('upload in /teach; captions, transcript follow and seek; audio-only transcript; search finds the course', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const errors: string[] = [];

    // the trainer: a bad file is refused with its line, then the good one is saved
    const teach = await context.newPage();
    teach.on('pageerror', (error) => errors.push(error.message));
    await logInAsDemo(teach, server.baseUrl, 'trainer');
    await teach.goto(`${server.baseUrl}/teach`);
    const item = teach.locator(`li.lecture[data-lecture-id="${lectureId}"]`);
    const input = item.locator('input[data-subtitle-file="zh-CN"]');
    await input.setInputFiles({ name: 'bad.srt', mimeType: 'application/x-subrip', buffer: Buffer.from(SRT.replace('00:00:06,000 --> 00:00:11,000', '00:00:09,000 --> 00:00:08,000')) });
    await expect.poll(() => item.locator('[data-subtitle-message="zh-CN"]').textContent()).toBe('第 6 行：这条字幕的结束时间早于开始时间。');
    await input.setInputFiles({ name: '第一讲.srt', mimeType: 'application/x-subrip', buffer: Buffer.from(SRT) });
    await item.locator('[data-subtitle-lang="zh-CN"][data-cues="3"]').waitFor();
    await expect.poll(() => item.locator('[data-subtitle-message="zh-CN"]').textContent()).toBe('已保存 3 条字幕。');
    await teach.screenshot({ path: `${SHOTS}/subtitles-teach.png` });
    await teach.close();
    await context.clearCookies();

    // the lawyer: the caption shows on the video
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await logInAsDemo(page, server.baseUrl, 'lawyer');
    await page.goto(`${server.baseUrl}/lectures/${lectureId}`);
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.5, undefined, { timeout: 60_000 });
    const activeCue = () =>
      page.evaluate(() => {
        const track = document.querySelector('video')!.textTracks[0];
        return track && track.mode === 'showing' && track.activeCues && track.activeCues.length ? (track.activeCues[0] as VTTCue).text : null;
      });
    await expect.poll(activeCue, { timeout: 30_000 }).toBe('各位律师，大家好。');
    await page.locator('[data-captions]').waitFor(); // the CC toggle

    // the transcript follows playback, and a click on a later cue seeks there
    await page.locator('[data-transcript-toggle]').click();
    await page.locator('#transcript[data-transcript="ready"]').waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 6.2, undefined, { timeout: 30_000 });
    await expect.poll(() => page.locator('#transcript .cue.current .text').textContent(), { timeout: 10_000 }).toBe('今天讲合同解除的法定事由。');
    await page.locator('#transcript .cue', { hasText: '情势变更' }).click();
    await page.waitForFunction(() => {
      const video = document.querySelector('video')!;
      return video.currentTime >= 14 && video.currentTime < 19.5 && !video.seeking;
    });
    await expect.poll(() => page.locator('#transcript .cue.current .text').textContent()).toBe('第三点：情势变更与不可抗力的区分。');
    await expect.poll(activeCue).toBe('第三点：情势变更与不可抗力的区分。');
    await page.screenshot({ path: `${SHOTS}/subtitles-player.png` });

    // the search box inside the transcript
    await page.locator('[data-transcript-search]').fill('法定');
    await expect.poll(() => page.locator('#transcript .cue').allTextContents()).toEqual([expect.stringContaining('今天讲合同解除的法定事由。')]);
    await page.locator('[data-transcript-search]').fill('');

    // CC off is remembered; audio only opens the transcript and shows the caption line when on
    await page.locator('[data-captions]').click();
    await expect.poll(() => page.evaluate(() => localStorage.getItem('lectern.player.captions'))).toBe('off');
    await page.locator('[data-captions]').click();
    await page.locator('select#mode').selectOption('audio');
    await page.locator('audio').waitFor({ state: 'attached' });
    await page.locator('#transcript[data-transcript="ready"]').waitFor();
    await page.locator('#transcript .cue', { hasText: '各位律师' }).click();
    await expect.poll(() => page.locator('[data-caption-line]').textContent(), { timeout: 30_000 }).toBe('各位律师，大家好。');

    // the catalog search finds a word only in the subtitles, with a link to its cue
    await page.goto(`${server.baseUrl}/courses?q=${encodeURIComponent('不可抗力')}`);
    const card = page.locator(`li[data-course="${courseId}"]`);
    await card.waitFor();
    const hit = card.locator(`[data-transcript-hit="${lectureId}"] a`);
    expect(await hit.getAttribute('href')).toBe(`/lectures/${lectureId}?t=14`);
    expect(await hit.textContent()).toContain('字幕中：…');
    await page.screenshot({ path: `${SHOTS}/subtitles-search.png` });
    await hit.click();
    await page.waitForFunction(() => {
      const media = document.querySelector('video, audio') as HTMLMediaElement | null;
      return !!media && media.currentTime >= 14;
    }, undefined, { timeout: 60_000 });

    expect(errors).toEqual([]);
    await context.close();
  });
});
