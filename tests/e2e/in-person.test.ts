/**
 * In-person hours (现场培训) in real Chromium: the Sichuan administrator records a session on
 * /admin, imports a sign-in sheet written here as a real .xlsx file — the preview names the
 * unknown licence number and nothing can be confirmed — then the corrected sheet, confirms, and
 * the session lists its attendees. 李明 (login `lawyer`) then reads the in-person hours in the
 * requirement card on /me, beside the online ones.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import writeXlsxFile from 'write-excel-file/node';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const LIMING = '15107202110000001';
const UNKNOWN = '15107209990000009';
const NEWCOMERS = ['15107202360000001', '15107202360000002'];

let server: TestServer;
let browser: Browser;
let dir: string;

/** Today in Beijing: the session is in the current training year, the one /me shows. */
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

async function signInSheet(name: string, licences: string[]): Promise<string> {
  const rows = [[{ value: '绵阳市律师协会现场培训签到表', type: String }], ['序号', '姓名', '执业证号', '签名'].map((value) => ({ value, type: String }))];
  licences.forEach((licence, i) => rows.push([String(i + 1), '', licence, ''].map((value) => ({ value, type: String }))));
  const file = path.join(dir, name);
  await writeFile(file, await writeXlsxFile(rows).toBuffer());
  return file;
}

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-sign-in-'));
  // two more Santai lawyers, through the roster import
  const admin = createTestClient(server.baseUrl);
  await admin.login('admin-sc', 'lectern-demo');
  const csv = ['执业证号,姓名,律师事务所', `${NEWCOMERS[0]},周一,三台县明理律师事务所`, `${NEWCOMERS[1]},吴二,三台县明理律师事务所`].join('\n');
  await admin.expectStatus(200, admin.importRoster(server.demo!.sichuan, { csv }));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('现场培训 on /admin and /me', () => {
  test('admin-sc records a session, imports a sign-in sheet after the preview; 李明 sees the hours on /me', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await logInAsDemo(page, server.baseUrl, 'admin-sc');
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.mianyang}`);
    const panel = page.locator('[data-testid="in-person"]');
    await panel.waitFor();

    const form = panel.locator('[data-testid="in-person-create"]');
    await form.locator('#in-person-title').fill('县域律师执业技能现场培训');
    await form.locator('#in-person-date').fill(today);
    await form.locator('#in-person-place').fill('绵阳市律师协会三楼会议室');
    await form.locator('#in-person-hours').fill('6');
    expect(await form.textContent()).toContain('= 270 分钟（每学时 45 分钟）');
    await form.locator('button[type="submit"]').click();
    const detail = panel.locator('[data-testid="in-person-detail"]');
    await detail.waitFor();
    expect(await detail.locator('h3').textContent()).toBe(`县域律师执业技能现场培训 · ${today}`);

    // A sheet with a licence number nobody has: the preview names it, nothing can be confirmed.
    await detail.locator('[data-testid="in-person-sheet"]').setInputFiles(await signInSheet('签到表.xlsx', [LIMING, ...NEWCOMERS, UNKNOWN]));
    const preview = detail.locator('[data-testid="in-person-preview"]');
    await preview.waitFor();
    expect(await preview.getAttribute('data-problems')).toBe('1');
    expect(await preview.locator('[data-testid="in-person-problems"]').textContent()).toContain(`第 6 行：没有执业证号为 ${UNKNOWN} 的律师。`);
    expect(await preview.textContent()).toContain('读到 4 个执业证号，可记录 3 人');
    expect(await preview.locator('[data-testid="in-person-confirm"]').isDisabled()).toBe(true);

    // The corrected sheet: confirm records all three.
    await detail.locator('[data-testid="in-person-sheet"]').setInputFiles(await signInSheet('签到表-改正.xlsx', [LIMING, ...NEWCOMERS]));
    await preview.locator('[data-testid="in-person-problems"]').waitFor({ state: 'detached' });
    expect(await preview.getAttribute('data-problems')).toBe('0');
    expect(await preview.textContent()).toContain('周一');
    await preview.locator('[data-testid="in-person-confirm"]').click();
    await detail.locator('[role="status"]', { hasText: '已按签到表记录 3 人。' }).waitFor();
    await detail.locator('[data-testid="in-person-attendances"] tbody tr').nth(2).waitFor();
    expect(await detail.locator('[data-testid="in-person-attendances"] tbody tr').count()).toBe(3);
    await panel.locator('[data-testid="in-person-attendees"]', { hasText: '3 人参加' }).waitFor();
    expect(await panel.locator('[data-testid="in-person-attendees"]').first().textContent()).toBe('6 学时（270 分钟） · 3 人参加');

    // The evidence page of 李明 shows the kind 现场培训 with the session and who recorded it.
    await page.goto(`${server.baseUrl}/admin/lawyers/${server.demo!.users.lawyer}/evidence`);
    const evidence = page.locator('[data-testid="evidence-in-person"]');
    await evidence.waitFor();
    const row = await evidence.locator('tbody tr').first().textContent();
    for (const part of ['县域律师执业技能现场培训', today, '绵阳市律师协会三楼会议室', '270 分钟', '陈主任', '签到表']) expect(row).toContain(part);
    expect(errors).toEqual([]);
    await context.close();

    // 李明 reads the in-person hours beside the online ones on /me.
    const lawyerContext = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'zh-CN' });
    const me = await lawyerContext.newPage();
    await logInAsDemo(me, server.baseUrl, 'lawyer');
    await me.goto(`${server.baseUrl}/me`);
    const split = me.locator('[data-testid="requirement-in-person"]');
    await split.waitFor();
    expect(await split.getAttribute('data-in-person-minutes')).toBe('270');
    expect((await split.textContent())!.trim()).toBe('其中线上 0 学时（0 分钟），现场培训 6 学时（270 分钟）。');
    await lawyerContext.close();
  });
});
