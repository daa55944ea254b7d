/**
 * Dashboard and bulletin (通报) in real Chromium: the Sichuan administrator opens /admin for
 * Sichuan, reads the figures and the month chart, picks a commendation rule, and downloads the
 * bulletin as PDF and as XLSX; the PDF's text (pdftotext) names the association, the 通报 title and
 * the commended firm, the workbook reads back (read-excel-file).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { lectureProgress } from '../../server/db/schema/index.ts';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);
let server: TestServer;
let browser: Browser;

/** This calendar year in Beijing: the year /admin opens on. */
const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
  // 李明 earned 10 学时 online on 1 January of this year (Beijing noon)
  await server.deps.db.insert(lectureProgress).values({ userId: server.demo!.users.lawyer, lectureId: server.demo!.lectureId, creditMinutes: 450, completedAt: new Date(Date.UTC(year, 0, 1, 4)), coveredSeconds: 3500, intervals: [] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('数据看板与通报 on /admin', () => {
  test('admin-sc reads the dashboard, picks a rule and downloads the bulletin as PDF and XLSX', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await logInAsDemo(page, server.baseUrl, 'admin-sc');
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.sichuan}&year=${year}`);
    const panel = page.locator('[data-testid="dashboard"]');
    const figures = panel.locator('[data-testid="dashboard-figures"]');
    await figures.waitFor();
    expect(await figures.textContent()).toContain('参训率');
    await panel.locator('[data-testid="month-chart"]').waitFor({ state: 'attached' });
    expect(await panel.locator('[data-testid="dashboard-regions"]').textContent()).toContain('绵阳市律师协会');
    const firms = panel.locator('[data-testid="commended-firms"]');
    await firms.waitFor();
    expect(await firms.textContent()).toContain('三台县明理律师事务所');
    expect(await panel.locator('[data-testid="commended-lawyers"]').textContent()).toContain('李明');

    // only county firms: the Santai firm (county) stays
    await panel.getByLabel('仅县域律所及其律师').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="bulletin-pdf"]')?.getAttribute('href')?.includes('countyOnly=true'));
    expect(await firms.textContent()).toContain('三台县明理律师事务所');

    const [pdfDownload] = await Promise.all([page.waitForEvent('download'), panel.locator('[data-testid="bulletin-pdf"]').click()]);
    expect(pdfDownload.suggestedFilename()).toBe(`四川省律师协会-${year}年度通报.pdf`);
    const pdfPath = await pdfDownload.path();
    expect((await readFile(pdfPath)).subarray(0, 5).toString()).toBe('%PDF-');
    const { stdout } = await run('pdftotext', [pdfPath, '-']);
    expect(stdout).toContain('四川省律师协会');
    expect(stdout).toContain(`关于${year}年度律师培训情况的通报`);
    expect(stdout).toContain('三台县明理律师事务所');
    expect(stdout).toContain('仅县域律所及其律师');

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), panel.locator('[data-testid="bulletin-xlsx"]').click()]);
    expect(xlsxDownload.suggestedFilename()).toBe(`四川省律师协会-${year}年度通报.xlsx`);
    const sheets = (await readXlsxFile(await readFile(await xlsxDownload.path()))) as unknown as { sheet: string; data: unknown[][] }[];
    expect(sheets.map((s) => s.sheet)).toContain('表彰律所');
    expect(sheets.find((s) => s.sheet === '表彰律所')!.data[2]!.slice(0, 2)).toEqual([1, '三台县明理律师事务所']);
    expect(errors).toEqual([]);
    await context.close();
  });
});
