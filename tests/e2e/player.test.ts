/**
 * The player end to end, in real Chromium against the full app: a lawyer signs in and plays a real
 * transcoded lecture (~40 s) to the end while the line is cut for part of the time. Heartbeats made
 * while offline wait in local storage and go out in order when the line returns; coverage reaches
 * completion, the credit is granted exactly once (API and database), and the certificate verifies
 * (API and the public /verify page). The player uses the server's heartbeatSeconds as is.
 * web/dist is built (when stale) by tests/global-setup.ts.
 */
import { mkdir } from 'node:fs/promises';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { courseCompletions, heartbeats, lectureProgress, lectures, playbackSessions, presenceChecks } from '../../server/db/schema/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { createTestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
let server: TestServer;
let browser: Browser;
let lecture: { lectureId: string; courseId: string; durationSeconds: number };

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  // A published course of one real ~40 s lecture, so completing the lecture completes the course.
  const course = await new CatalogRepository(server.deps.db).insertCourse({
    organizationId: server.demo!.national,
    title: '播放器测试课程',
    summary: '',
    category: 'practice_management',
    status: 'published',
    publishedAt: new Date(),
  });
  const lectureId = await createReadyLecture(server, { seconds: 40, courseId: course.id });
  const [row] = await server.deps.db.select({ durationSeconds: lectures.durationSeconds }).from(lectures).where(eq(lectures.id, lectureId));
  lecture = { lectureId, courseId: course.id, durationSeconds: row!.durationSeconds! };
  // The trainer's credit for this short lecture (the default, whole minutes of 40 s, would be 0).
  await server.deps.db.update(lectures).set({ creditMinutesOverride: 1 }).where(eq(lectures.id, lecture.lectureId));
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * A fresh zh-CN browser context in which lawyer2 logs in through the form with the lecture as
 * `next`; answers once the player is ready, with the page errors collected from the start.
 */
async function openLecture(lectureId: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(`/lectures/${lectureId}`)}`);
  await page.locator('input[name="login"]').fill('lawyer2');
  await page.locator('input[name="password"]').fill('lectern-demo');
  await page.locator('form button[type="submit"]').click();
  await page.locator('.player-page[data-phase="ready"]').waitFor();
  return { context, page, errors };
}

describe('player', () => {
  test('plays to completion through a line drop; credit granted once; certificate verifies', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(`/lectures/${lecture.lectureId}`)}`);
    await page.locator('input[name="login"]').fill('lawyer');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(new RegExp(`/lectures/${lecture.lectureId}$`));

    // One <video>, playing from the start (autoplay is allowed in the test browser).
    const root = page.locator('.player-page');
    await root.and(page.locator('[data-phase="ready"]')).waitFor();
    expect(await page.locator('video').count()).toBe(1);
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 3, undefined, { timeout: 60_000 });

    // The line drops: playback goes on from the buffer, heartbeats pile up on the device.
    await context.setOffline(true);
    await page.locator('.player-page[data-offline="true"]').waitFor({ timeout: 40_000 });
    await page.waitForFunction(() => Number((document.querySelector('.player-page') as HTMLElement).dataset.queued) >= 1, undefined, { timeout: 40_000 });
    const queuedWhileOffline = await root.getAttribute('data-queued');
    const storedKeys = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('lectern.hb.') && key.includes('#')));
    expect(storedKeys.length).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${SHOTS}/player-offline.png`, fullPage: true });
    await page.waitForTimeout(3000);
    await context.setOffline(false);

    // Back online: the outbox drains in order and the lecture completes.
    await page.locator('.player-page[data-completed="true"]').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => (document.querySelector('.player-page') as HTMLElement).dataset.queued === '0', undefined, { timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/player-completed.png`, fullPage: true });
    expect(await page.locator('[data-credit="granted"]').count()).toBe(1);
    expect(Number(queuedWhileOffline)).toBeGreaterThanOrEqual(1);

    // The evidence: one session, heartbeats numbered 0..n without gaps, every one stored once.
    const userId = server.demo!.users.lawyer;
    const { db } = server.deps;
    const sessions = await db.select().from(playbackSessions).where(and(eq(playbackSessions.userId, userId), eq(playbackSessions.lectureId, lecture.lectureId)));
    expect(sessions).toHaveLength(1);
    const beats = await db.select({ seq: heartbeats.seq }).from(heartbeats).where(eq(heartbeats.sessionId, sessions[0]!.id));
    const seqs = beats.map((beat) => beat.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, index) => index));

    // Credit granted exactly once: the lecture's minutes, one course completion.
    const progress = await db.select().from(lectureProgress).where(and(eq(lectureProgress.userId, userId), eq(lectureProgress.lectureId, lecture.lectureId)));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.completedAt).not.toBeNull();
    expect(progress[0]!.creditMinutes).toBe(1);
    expect(progress[0]!.coveredSeconds).toBeGreaterThanOrEqual(0.95 * lecture.durationSeconds - 0.01);
    const completions = await db.select().from(courseCompletions).where(and(eq(courseCompletions.userId, userId), eq(courseCompletions.courseId, lecture.courseId)));
    expect(completions).toHaveLength(1);

    const client = createTestClient(server.baseUrl);
    await client.login('lawyer', 'lectern-demo');
    const credits = await client.request<{ creditMinutes: number; courses: { courseId: string; completed: boolean; certificateCode: string | null }[] }>('GET', '/api/me/credits');
    expect(credits.creditMinutes).toBe(1);
    const course = credits.courses.find((entry) => entry.courseId === lecture.courseId);
    expect(course?.completed).toBe(true);
    const code = course?.certificateCode;
    expect(code).toBeTruthy();

    // A reload replays nothing twice: leftovers (if any) are answered idempotently.
    await page.reload();
    await page.locator('.player-page[data-phase="ready"]').waitFor();
    await page.waitForTimeout(2000);
    expect(await db.select().from(courseCompletions).where(eq(courseCompletions.userId, userId))).toHaveLength(1);
    expect((await client.request<{ creditMinutes: number }>('GET', '/api/me/credits')).creditMinutes).toBe(1);

    // The certificate verifies: API and the public page (signed out, another browser).
    const verified = await client.verifyCertificate(code!);
    expect(verified).toMatchObject({ valid: true, holder: '李明', creditMinutes: 1 });
    const stranger = await browser.newContext({ locale: 'zh-CN' });
    const publicPage = await stranger.newPage();
    await publicPage.goto(`${server.baseUrl}/verify/${encodeURIComponent(code!)}`);
    await publicPage.locator('[data-verify="valid"]').waitFor();
    expect(await publicPage.locator('[data-field="holder"]').textContent()).toBe('李明');
    await publicPage.goto(`${server.baseUrl}/verify/NO-SUCH-CODE`);
    await publicPage.locator('[data-verify="not-found"]').waitFor();
    await stranger.close();

    // My learning shows the minutes and the certificate.
    await page.goto(`${server.baseUrl}/me`);
    await page.locator('[data-credit-minutes="1"]').waitFor();
    expect(await page.locator(`[data-certificate-code="${code}"]`).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/me.png`, fullPage: true });

    expect(errors).toEqual([]);
    await context.close();
  });

  test('opening the lecture elsewhere stops this page from reporting and says so', { timeout: 120_000 }, async () => {
    const { context, page } = await openLecture(lecture.lectureId);
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, undefined, { timeout: 60_000 });

    // The same lawyer opens the lecture on another device: this page's session is replaced.
    const otherDevice = createTestClient(server.baseUrl);
    await otherDevice.login('lawyer2', 'lectern-demo');
    await otherDevice.openSession(lecture.lectureId);
    await page.locator('[data-closed="true"]').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => document.querySelector('video')?.paused)).toBe(true);
    // Its outbox is gone: nothing will be retried against the closed session.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes('#')).length)).toBe(0);
    await context.close();
  });

  test('quality and listening mode are separate menus: a fixed rendition, audio + slides, audio only and back, keeping the position', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await openLecture(lecture.lectureId);
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 2, undefined, { timeout: 60_000 });
    // The quality menu: Auto (naming the rendition playing now) and every rendition of the ladder, no modes.
    const options = await page.locator('#quality option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
    expect(options[0]).toBe('auto');
    expect(options).toContain('level:144');
    expect(options).not.toContain('slides');
    expect(options).not.toContain('audio');
    expect(await page.locator('#mode option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value))).toEqual(['video', 'slides', 'audio']);

    // A fixed rendition: the picture switches to it, and Auto no longer names a rendition.
    await page.locator('#quality').selectOption('level:144');
    await page.waitForFunction(() => document.querySelector('video')?.videoHeight === 144, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => localStorage.getItem('lectern.player.quality'))).toBe('level:144');
    expect(await page.locator('#quality option[value="auto"]').textContent()).toBe('自动');
    // Back to Auto: its label names the rendition playing now.
    await page.locator('#quality').selectOption('auto');
    await expect.poll(() => page.locator('#quality option[value="auto"]').textContent()).toMatch(/^自动（\d+p）$/);

    // Audio + slides: an <audio> element (no <video>) and the slide for the current time.
    const videoAt = await page.evaluate(() => document.querySelector('video')!.currentTime);
    await page.locator('#mode').selectOption('slides');
    await page.locator('audio').waitFor({ state: 'attached' });
    expect(await page.locator('video').count()).toBe(0);
    expect(await page.locator('#quality').count()).toBe(0); // quality is a video setting
    await page.waitForFunction(() => {
      const img = document.querySelector('img.slide') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 30_000 });
    // hls.js moves to the start position only once the first segment is buffered: read the
    // position after that, when the element has data and is not seeking.
    await page.waitForFunction(() => {
      const audio = document.querySelector('audio');
      return !!audio && audio.readyState >= 2 && !audio.seeking && audio.currentTime > 0;
    }, undefined, { timeout: 30_000 });
    const before = await page.evaluate(() => document.querySelector('audio')!.currentTime);
    expect(before).toBeGreaterThan(videoAt - 1); // resumed where the video was, not from 0
    await page.waitForFunction((t) => (document.querySelector('audio')?.currentTime ?? 0) > t + 1, before, { timeout: 30_000 });

    // Audio only, then back to the picture.
    await page.locator('#mode').selectOption('audio');
    await page.locator('.audio-label').waitFor();
    expect(await page.locator('img.slide').count()).toBe(0);
    await page.locator('#mode').selectOption('video');
    await page.locator('video').waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 3, undefined, { timeout: 30_000 });
    // Both choices are remembered on the device.
    expect(await page.evaluate(() => [localStorage.getItem('lectern.player.quality'), localStorage.getItem('lectern.player.listening')])).toEqual(['auto', 'video']);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('one player: one seek bar and clock in audio mode, speeds within the cap, shortcuts, the next lecture at the end', { timeout: 150_000 }, async () => {
    // A course of two lectures whose rules allow up to 1.25×.
    const course = await new CatalogRepository(server.deps.db).insertCourse({
      organizationId: server.demo!.national,
      title: '两讲的课程',
      summary: '',
      category: 'practice_management',
      status: 'published',
      maxPlaybackRate: 1.25,
      publishedAt: new Date(),
    });
    const first = await createReadyLecture(server, { seconds: 40, courseId: course.id, title: '第一讲' });
    const second = await createReadyLecture(server, { seconds: 40, courseId: course.id, title: '第二讲' });
    const { context, page, errors } = await openLecture(first);
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, undefined, { timeout: 60_000 });

    // One seek bar and one clock; the media element draws none of its own.
    const oneOfEach = async () => {
      expect(await page.locator('input[type="range"]').count()).toBe(1);
      expect(await page.locator('[data-clock]').count()).toBe(1);
      expect(await page.locator('video[controls], audio[controls]').count()).toBe(0);
    };
    await oneOfEach();
    await page.locator('#mode').selectOption('audio');
    await page.locator('.player-page[data-mode="audio"] audio').waitFor({ state: 'attached' });
    await page.waitForFunction(() => (document.querySelector('audio')?.currentTime ?? 0) > 1 && !document.querySelector('audio')!.paused, undefined, { timeout: 30_000 });
    await oneOfEach();

    // The speed menu stops at the course's cap.
    expect(await page.locator('#speed option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value))).toEqual(['0.75', '1', '1.25']);
    await page.locator('#speed').selectOption('1.25');
    expect(await page.evaluate(() => document.querySelector('audio')!.playbackRate)).toBe(1.25);

    // Shortcuts: k pauses and plays, → moves 5 s on, ? shows the help.
    await page.locator('h1').click();
    await page.keyboard.press('k');
    await page.waitForFunction(() => document.querySelector('audio')!.paused);
    const pausedAt = await page.evaluate(() => document.querySelector('audio')!.currentTime);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((t) => Math.abs(document.querySelector('audio')!.currentTime - (t + 5)) < 0.5, pausedAt, { timeout: 10_000 });
    await page.keyboard.press('k');
    await page.waitForFunction(() => !document.querySelector('audio')!.paused);
    await page.keyboard.press('?');
    await page.locator('[data-shortcuts]').waitFor();
    await page.keyboard.press('m');
    await page.waitForFunction(() => document.querySelector('audio')!.muted);

    // To the end: the next lecture of the course is offered, and its link opens it.
    // (a range cannot be filled: the bar is moved the way a drag ends, by its value and a change event)
    await page.locator('#seek').evaluate((input) => {
      const range = input as HTMLInputElement;
      range.value = String(Number(range.max) - 1);
      range.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.locator('[data-next="next"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-next] strong').textContent()).toBe('下一讲：第二讲');
    await page.locator('[data-next-link]').click();
    await page.waitForURL(new RegExp(`/lectures/${second}$`));
    await page.locator('.player-page[data-phase="ready"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('第二讲');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a presence check pops up during playback, shows its code as a picture, and takes the code typed back', { timeout: 150_000 }, async () => {
    // A course that asks for presence: a check falls at a random moment inside the lecture.
    const course = await new CatalogRepository(server.deps.db).insertCourse({
      organizationId: server.demo!.national,
      title: '在线确认测试课程',
      summary: '',
      category: 'ethics_regulation',
      status: 'published',
      presenceChecks: true,
      publishedAt: new Date(),
    });
    const lectureId = await createReadyLecture(server, { seconds: 40, courseId: course.id });
    const { context, page } = await openLecture(lectureId);

    const dialog = page.locator('dialog.presence[open]');
    await dialog.waitFor({ timeout: 90_000 });
    expect(await dialog.locator('h2').textContent()).toBe('在线确认');
    // the code is drawn in a picture the page loaded; the person reads it and types it back
    await expect.poll(() => dialog.locator('[data-presence-image]').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const sessionId = await page.locator('.player-page').getAttribute('data-session');
    const issued = (await server.deps.db.select().from(presenceChecks).where(eq(presenceChecks.sessionId, sessionId!))).find((c) => c.issuedAt !== null && c.code)!;
    // a wrong code first: the dialog stays, and says so
    await dialog.locator('[data-presence-code]').fill(issued.code === '0000' ? '1111' : '0000');
    await dialog.locator('[data-presence-confirm]').click();
    await dialog.locator('p.error[role="alert"]').waitFor();
    await dialog.locator('[data-presence-code]').fill(issued.code!);
    await dialog.locator('[data-presence-confirm]').click();
    await expect.poll(() => page.locator('dialog.presence').evaluate((node) => (node as HTMLDialogElement).open)).toBe(false);

    const checks = await server.deps.db.select().from(presenceChecks).where(eq(presenceChecks.id, issued.id));
    expect(checks[0]!.confirmedAt).not.toBeNull();
    expect(checks[0]!.wrongAnswers).toBe(1);
    await context.close();
  });

  test('a hidden page pauses playback when the course requires a visible page, and resumes when shown', { timeout: 120_000 }, async () => {
    const { context, page } = await openLecture(lecture.lectureId);
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, undefined, { timeout: 60_000 });

    // Headless Chromium never hides a page (a background tab or a minimised window stays
    // 'visible'), so the page is told it is hidden the way the browser would: visibilityState and
    // the visibilitychange event. The player's reaction is what is under test.
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await page.waitForFunction(() => document.querySelector('video')?.paused === true, undefined, { timeout: 10_000 });
    const pausedAt = await page.evaluate(() => document.querySelector('video')!.currentTime);
    await page.waitForTimeout(1500);
    expect(await page.evaluate(() => document.querySelector('video')!.currentTime)).toBe(pausedAt);
    await setVisibility('visible');
    await page.waitForFunction((t) => (document.querySelector('video')?.currentTime ?? 0) > t + 0.5, pausedAt, { timeout: 15_000 });
    await context.close();
  });

  test('a repeat visit gets the app shell from the service worker, even with the line down', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/verify/ANY`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const cache = await caches.open(names.find((name) => name.startsWith('lectern-shell-'))!);
      return (await cache.keys()).map((request) => new URL(request.url).pathname);
    });
    expect(cached).toContain('/index.html');
    expect(cached.some((pathname) => pathname.startsWith('/assets/') && pathname.endsWith('.js'))).toBe(true);
    expect(cached.some((pathname) => pathname.startsWith('/api/'))).toBe(false);

    await context.setOffline(true);
    await page.reload();
    // The shell renders from the cache; the page's API call fails and says so.
    await page.locator('h1').waitFor({ timeout: 30_000 });
    expect(await page.locator('h1').textContent()).toBe('证书验证');
    await context.close();
  });
});
