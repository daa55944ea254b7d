/**
 * Roster import in real Chromium: the Sichuan administrator picks an XLSX file (made here with
 * write-excel-file), sees the preview name the bad row in zh-CN with the row highlighted, picks
 * the corrected file, imports it, sees the one-time passwords once, downloads them once as CSV,
 * and after closing (or reloading) they are gone. The lawyers can log in with them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import writeXlsxFile, { type SheetData } from 'write-excel-file/node';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const header = ['执业证号', '姓名', '律师事务所', '执业开始日期', '兼职'];
const good = [
  ['15107202350000001', '华一', '三台县明理律师事务所', '2020-01-06', '否'],
  ['15107202350000002', '金二', '绵阳涪城正衡律师事务所', '2018-05-20', '是'],
];
const workbook = async (rows: SheetData) => writeXlsxFile([header, ...rows]).toBuffer();

describe('roster import on /admin', () => {
  test('preview names the bad row; the corrected file imports; passwords shown once and downloaded once', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${server.baseUrl}/login?next=%2Fadmin`);
    await page.locator('input[name="login"]').fill('admin-sc');
    await page.locator('input[name="password"]').fill('lectern-demo');
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/admin/);
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.sichuan}`);
    const panel = page.locator('[data-testid="roster"]');
    await panel.waitFor();
    expect(await panel.locator('h2').textContent()).toBe('导入律师名单 · 四川省律师协会');

    // A file with a firm that does not exist yet: its row is highlighted and named, no import button.
    const bad = await workbook([...good, ['15107202350000003', '魏三', '涪城新开律师事务所', '', '否']]);
    await page.locator('[data-testid="roster-file"]').setInputFiles({ name: '名单.xlsx', mimeType: XLSX_TYPE, buffer: bad });
    await page.locator('[data-testid="roster-preview"]').waitFor();
    expect(await page.locator('[data-testid="roster-summary"]').textContent()).toContain('共 3 名律师，2 行无误，1 行有问题');
    const badRow = page.locator('[data-testid="roster-bad-row"]');
    expect(await badRow.count()).toBe(1);
    expect(await badRow.getAttribute('data-row')).toBe('4');
    expect(await badRow.textContent()).toContain('“中华全国律师协会 › 四川省律师协会”下没有名为“涪城新开律师事务所”的律师事务所');
    expect(await page.locator('[data-testid="roster-unknown-firms"]').textContent()).toContain('涪城新开律师事务所（第 4 行）');
    expect(await badRow.evaluate((row) => getComputedStyle(row).backgroundColor)).not.toBe(await page.locator('[data-testid="roster-row"]').first().evaluate((row) => getComputedStyle(row).backgroundColor));
    expect(await page.locator('[data-testid="roster-import"]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/admin-roster-preview.png`, fullPage: true });

    // The corrected file.
    await page.locator('[data-testid="roster-file"]').setInputFiles({ name: '名单-改正.xlsx', mimeType: XLSX_TYPE, buffer: await workbook(good) });
    await page.locator('[data-testid="roster-import"]').waitFor();
    expect(await page.locator('[data-testid="roster-bad-row"]').count()).toBe(0);
    await page.locator('[data-testid="roster-import"]').click();

    const shown = page.locator('[data-testid="roster-passwords"]');
    await shown.waitFor();
    expect(await shown.textContent()).toContain('已导入 2 名律师');
    const passwords = await page.locator('[data-testid="roster-password"]').allTextContents();
    expect(passwords).toHaveLength(2);
    for (const p of passwords) expect(p).toMatch(/^[a-z2-9]{12}$/);
    await page.screenshot({ path: `${SHOTS}/admin-roster-passwords.png`, fullPage: true });

    // Download once: the CSV holds the passwords; the button is then spent.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="roster-download"]').click()]);
    expect(download.suggestedFilename()).toBe('四川省律师协会-律师一次性密码.csv');
    const csv = await readFile((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8');
    expect(text).toContain('"\t15107202350000001","华一","15107202350000001"');
    for (const p of passwords) expect(text).toContain(`"${p}"`);
    expect(await page.locator('[data-testid="roster-download"]').isDisabled()).toBe(true);

    // The lawyers can log in with them.
    const newcomer = createTestClient(server.baseUrl);
    await newcomer.login('15107202350000002', passwords[1]!);
    expect((await newcomer.me()).passwordChangeRequired).toBe(true);

    // Closed, or after a reload, they are gone from the page.
    await page.locator('[data-testid="roster-dismiss"]').click();
    expect(await page.locator('[data-testid="roster-passwords"]').count()).toBe(0);
    await page.reload();
    await page.locator('[data-testid="roster"]').waitFor();
    expect(await page.locator('[data-testid="roster-password"]').count()).toBe(0);
    expect(await page.content()).not.toContain(passwords[0]!);
    expect(errors).toEqual([]);
    await context.close();
  });
});
