/**
 * The main pages of the demo, on a desktop (1366×768) and a phone (390×844), as a person first sees
 * them: the real demo province (seeded as on `npm start`, every demo lecture transcoded through a
 * worker), each page waited for until it shows its content.
 *
 * `npm run screenshots` runs this file with SCREENSHOTS_DIR=docs/screenshots and the full-length
 * demo recording: those are the pictures in the README. In `npm test` the pictures go to
 * test-results/screenshots and the recording is short; either way each page must reach its ready
 * state with no page error, or the test fails.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { certificates, courses, lectures } from '../../server/db/schema/index.ts';
import { prepareWaitingDemoLectures } from '../../server/demo/media.ts';
import { startWorker, type Worker } from '../../transcoder/worker.ts';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const OUT = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';
/** the docs run uses the demo's own 10-minute recording; the suite a short one */
const FULL = Boolean(process.env.SCREENSHOTS_DIR);

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

let server: TestServer;
let worker: Worker;
let browser: Browser;
let courseId = '';
let lectureId = '';
let certificateCode = '';
const quiet = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  worker = startWorker({ db: server.deps.db, storage: server.deps.storage, config: server.deps.config, logger: quiet, pollMs: 200 });
  await prepareWaitingDemoLectures(server.deps, { recording: FULL ? undefined : { seconds: 30, fps: 5, width: 640, height: 360 }, pollMs: 200, log: quiet });
  const demo = server.demo!;
  const db = server.deps.db;
  courseId = demo.courseId;
  const [first] = await db.select({ id: lectures.id }).from(lectures).where(eq(lectures.courseId, courseId)).orderBy(lectures.position).limit(1);
  lectureId = first!.id;
  const [certificate] = await db.select({ code: certificates.code }).from(certificates).where(eq(certificates.userId, demo.users.lawyer)).limit(1);
  const [anyCertificate] = await db.select({ code: certificates.code }).from(certificates).limit(1);
  certificateCode = (certificate ?? anyCertificate)!.code;
  const [published] = await db.select({ id: courses.id }).from(courses).where(eq(courses.id, courseId));
  expect(published).toBeDefined();
  browser = await launchBrowser();
  await mkdir(OUT, { recursive: true });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
});

interface Shot {
  name: string;
  path: () => string;
  /** what must be on screen before the picture is taken */
  ready: string;
}

async function open(viewport: { width: number; height: number }, login: string | null): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', deviceScaleFactor: 1, isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  if (login) await logInAsDemo(page, server.baseUrl, login);
  return { context, page, errors };
}

async function take(page: Page, shot: Shot, device: 'desktop' | 'phone'): Promise<string> {
  await page.goto(`${server.baseUrl}${shot.path()}`);
  await page.locator(shot.ready).first().waitFor({ timeout: 60_000 });
  // fonts in, and no spinner left: the page as a person would look at it
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
  const file = path.join(OUT, `${shot.name}-${device}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** width and height from the PNG header */
async function pngSize(file: string): Promise<{ width: number; height: number }> {
  const bytes = await readFile(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const lawyerShots: Shot[] = [
  { name: 'catalog', path: () => '/courses', ready: '[data-testid="course-list"] li' },
  { name: 'course', path: () => `/courses/${courseId}`, ready: 'article li[data-lecture]' },
  { name: 'me', path: () => '/me', ready: '[data-testid="requirement"]' },
];

describe('screenshots of the main pages', () => {
  test('a lawyer: catalog, course, player and /me, on a desktop and a phone', { timeout: 300_000 }, async () => {
    for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const { context, page, errors } = await open(viewport, 'lawyer');
      for (const shot of lawyerShots) expect(await pngSize(await take(page, shot, device))).toEqual(viewport);
      // the player once it plays
      await page.goto(`${server.baseUrl}/lectures/${lectureId}`);
      await page.locator('.player-page[data-phase="ready"]').waitFor({ timeout: 60_000 });
      // playing, not buffering: the picture has moved on by a second and a half from where it started
      const start = await page.waitForFunction(() => {
        const video = document.querySelector('video');
        return video && video.readyState >= 3 ? video.currentTime : null;
      }, undefined, { timeout: 60_000 }).then((handle) => handle.jsonValue() as Promise<number>);
      await page.waitForFunction((from) => {
        const video = document.querySelector('video');
        return Boolean(video && video.readyState >= 3 && !video.paused && video.currentTime > from + 1.5);
      }, start, { timeout: 60_000 });
      const file = path.join(OUT, `player-${device}.png`);
      await page.screenshot({ path: file });
      expect(await pngSize(file)).toEqual(viewport);
      if (device === 'phone') {
        // the slowest line: audio and slides, the transcript open and following the voice
        await page.locator('select#mode').selectOption('audio');
        await page.locator('section.transcript[data-transcript="ready"] [aria-current="true"]').waitFor({ timeout: 60_000 });
        await page.locator('section.transcript').scrollIntoViewIfNeeded();
        const audio = path.join(OUT, 'player-audio-phone.png');
        await page.screenshot({ path: audio });
        expect(await pngSize(audio)).toEqual(viewport);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  test('the login page and a certificate checked on /verify, on a phone', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await open(PHONE, null);
    expect(await pngSize(await take(page, { name: 'login', path: () => '/login', ready: 'input[name="login"]' }, 'phone'))).toEqual(PHONE);
    expect(await pngSize(await take(page, { name: 'verify', path: () => `/verify/${encodeURIComponent(certificateCode)}`, ready: '[data-verify="valid"]' }, 'phone'))).toEqual(PHONE);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a trainer on /teach and a provincial administrator on /admin and a lawyer’s evidence', { timeout: 180_000 }, async () => {
    const year = new Date().getFullYear();
    const trainer = await open(DESKTOP, 'trainer');
    expect(await pngSize(await take(trainer.page, { name: 'teach', path: () => '/teach', ready: 'article.course' }, 'desktop'))).toEqual(DESKTOP);
    expect(trainer.errors).toEqual([]);
    await trainer.context.close();

    const admin = await open(DESKTOP, 'admin-sc');
    const sichuan = server.demo!.sichuan;
    expect(await pngSize(await take(admin.page, { name: 'admin-report', path: () => `/admin?org=${sichuan}&year=${year}`, ready: '[data-testid="report-table"]' }, 'desktop'))).toEqual(DESKTOP);
    const evidence = { name: 'evidence', path: () => `/admin/lawyers/${server.demo!.users.lawyer}/evidence?year=${year}`, ready: '[data-testid="evidence"]' };
    expect(await pngSize(await take(admin.page, evidence, 'desktop'))).toEqual(DESKTOP);
    expect(admin.errors).toEqual([]);
    await admin.context.close();
  });
});
