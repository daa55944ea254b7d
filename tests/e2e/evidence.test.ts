/**
 * The evidence page in real Chromium: the Sichuan administrator opens a lawyer's evidence from the
 * report row, sees the lecture and the session with its address and refusals, finds nothing to
 * edit, prints it without the navigation, and exports the firm's xAPI statements as a file.
 * The lawyer's viewing is made through the real playback routes. Screenshots go to test-results/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C57) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';
let server: TestServer;
let browser: Browser;
let sessionId: string;
/** the current calendar year in Shanghai: the demo's training year */
const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const lectureId = await createReadyLecture(server, { seconds: 20, title: '第二讲：证据页演示' });
  // 李明 watches on his phone: 12 s claimed the moment the session opened (7 s too fast), then 2 s with the page hidden.
  const lawyer = createTestClient(server.baseUrl);
  await lawyer.login('lawyer', 'lectern-demo');
  const opened = await lawyer.raw('POST', `/api/lectures/${lectureId}/sessions`, {}, { 'user-agent': PHONE_UA });
  expect(opened.status, opened.text).toBe(201);
  sessionId = (opened.json as { sessionId: string }).sessionId;
  // the opening in the future: no time has passed for the real-time bound, however slow the machine
  await server.deps.db.execute(sql`UPDATE playback_sessions SET opened_at = now() + interval '1 hour', allowance_at = now() + interval '1 hour' WHERE id = ${sessionId}`);
  const beat = (body: Record<string, unknown>) => lawyer.raw('POST', `/api/sessions/${sessionId}/heartbeats`, { playbackRate: 1, visible: true, ...body }, { 'user-agent': PHONE_UA });
  expect((await beat({ seq: 0, intervals: [[0, 12]], position: 12 })).status).toBe(200);
  expect((await beat({ seq: 1, intervals: [[12, 14]], visible: false, position: 14 })).status).toBe(200);
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the evidence page', () => {
  test('opened from the report row: the lecture, the session, nothing to edit, printable, xAPI export', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${server.baseUrl}/login?next=%2Fcourses`);
    await page.locator('input[name="login"]').fill('admin-sc');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/courses$/);

    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.sichuan}&year=${year}`);
    await page.locator('[data-testid="report-table"]').waitFor();
    const row = page.locator('[data-testid="report-table"] tbody tr', { hasText: '李明' });
    await row.locator('[data-testid="evidence-link"]').click();
    await page.waitForURL(new RegExp(`/admin/lawyers/${server.demo!.users.lawyer}/evidence\\?year=${year}$`));
    await page.locator('[data-testid="evidence"]').waitFor();

    expect(await page.locator('#evidence-heading').textContent()).toBe(`李明 · ${year} 年度学时证据`);
    expect(await page.locator('[data-testid="evidence-license"]').textContent()).toBe('15107202110000001');
    const card = page.locator('[data-testid="lecture-card"]', { hasText: '第二讲：证据页演示' });
    expect(await card.count()).toBe(1);
    expect(await card.textContent()).toContain('县域律师刑事辩护实务');
    const session = card.locator(`tr[data-session="${sessionId}"]`);
    expect(await session.count()).toBe(1);
    expect(await session.locator('[data-testid="session-ip"]').textContent()).toMatch(/127\.0\.0\.1/);
    expect(await session.textContent()).toContain('WeChat 8 · Android 12 · 手机');
    expect(await session.locator('[data-testid="session-accepted"]').textContent()).toBe('5 秒');
    expect(await session.locator('[data-reason="faster_than_real_time"]').textContent()).toContain('快于实际经过的时间：7 秒（1 次心跳）');
    expect(await session.locator('[data-reason="hidden_page"]').textContent()).toContain('页面不在前台：2 秒（1 次心跳）');
    expect(await session.locator('[data-testid="session-end"]').textContent()).toMatch(/^未关闭；最后心跳 \d{2}:\d{2}:\d{2}$|^未关闭；最后心跳 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // Nothing on the page can be edited: no form control of any kind, no editable text.
    const main = page.locator('main');
    expect(await main.locator('input, select, textarea, form, [contenteditable]:not([contenteditable="false"])').count()).toBe(0);
    expect(await main.locator('button').allTextContents()).toEqual(['打印', '导出 xAPI']);
    await page.screenshot({ path: `${SHOTS}/evidence.png`, fullPage: true });

    // Printed: the record alone, without the navigation bar and the buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.bar').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="evidence-actions"]').isVisible()).toBe(false);
    expect(await card.isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/evidence-print.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('header.bar').isVisible()).toBe(true);

    // The organization's xAPI export arrives as one file holding this session's statements.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="evidence-xapi"]').click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^lectern-xapi-[0-9a-f]{8}-${year}\\.json$`));
    const statements = JSON.parse(await readFile((await download.path())!, 'utf8')) as { context?: { registration?: string } }[];
    expect(statements.filter((s) => s.context?.registration === sessionId)).toHaveLength(2);
    await page.locator('[data-testid="xapi-saved"]').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a lawyer outside the administrator’s province: the page says so and shows nothing', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login?next=%2Fcourses`);
    await page.locator('input[name="login"]').fill('admin-sc');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/courses$/);
    await page.goto(`${server.baseUrl}/admin/lawyers/${server.demo!.users.lawyer2}/evidence?year=${year}`);
    await page.locator('main [role="alert"]').waitFor();
    expect(await page.locator('main [role="alert"]').textContent()).toContain('您没有权限查看此内容。');
    expect(await page.locator('[data-testid="evidence"]').count()).toBe(0);
    await context.close();
  });
});
