/**
 * Training classes (培训班) in real Chromium: the Sichuan administrator creates a demonstration
 * class of Mianyang on /admin — the demo course, Santai's firm as the target — sees it listed
 * with its report, then edits it (a new name, a later close date) and sees the change in the
 * list; 李明 (login `lawyer`, a Santai lawyer) then finds it on /me, as edited, with its progress
 * and deadline.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, logInAsDemo } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;

const beijing = (offsetDays: number) => new Date(Date.now() + 8 * 3600 * 1000 + offsetDays * 86400 * 1000).toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('培训班 on /admin and /me', () => {
  test('admin-sc creates a class and edits it; 李明 sees it on /me with progress and deadline', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await logInAsDemo(page, server.baseUrl, 'admin-sc');
    await page.goto(`${server.baseUrl}/admin?org=${server.demo!.mianyang}`);
    const panel = page.locator('[data-testid="training-classes"]');
    await panel.waitFor();
    await panel.getByText('还没有培训班。').waitFor();

    const form = panel.locator('[data-testid="class-create"]');
    await form.locator('#class-name').fill('2026年县域律师示范培训班');
    await form.locator('#class-organizer').fill('四川省律师协会');
    await form.locator('#class-kind').selectOption('demonstration');
    await form.locator('#class-opens').fill(beijing(0));
    await form.locator('#class-closes').fill(beijing(30));
    await form.locator(`[data-testid="class-course"][value="${server.demo!.courseId}"]`).check();
    await form.locator(`[data-testid="class-target"][value="${server.demo!.santaiFirm}"]`).check();
    await form.locator('button[type="submit"]').click();
    await form.locator('[role="status"]', { hasText: '已创建“2026年县域律师示范培训班”，报名 1 人。' }).waitFor();

    const item = panel.locator('[data-testid="training-class"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('示范培训班 · 进行中');
    expect(await item.textContent()).toContain(`四川省律师协会 主办 · ${beijing(0)} 至 ${beijing(30)} · 1 门课程、0 场现场培训 · 报名 1 人`);
    await item.getByRole('button', { name: '报表' }).click();
    const totals = item.locator('[data-testid="class-report-totals"]');
    await totals.waitFor();
    expect(await totals.textContent()).toBe('报名 1 人，已开始 0 人，已结业 0 人，共 0 学时（0 分钟）');
    expect(await item.locator('tbody tr').first().textContent()).toContain('李明');

    // the edit: renamed, closing two weeks later; the form opens with the class as it is
    await item.getByRole('button', { name: '编辑' }).click();
    const edit = item.locator('[data-testid="class-edit"]');
    await edit.waitFor();
    expect(await edit.locator('#class-edit-name').inputValue()).toBe('2026年县域律师示范培训班');
    expect(await edit.locator('#class-edit-closes').inputValue()).toBe(beijing(30));
    expect(await edit.locator(`[data-testid="class-target"][value="${server.demo!.santaiFirm}"]`).isChecked()).toBe(true);
    await edit.locator('#class-edit-name').fill('2026年县域律师示范培训班（第二期）');
    // a refusal is said in the catalog's words, and nothing changes
    await edit.locator('#class-edit-closes').fill(beijing(-1));
    await edit.getByRole('button', { name: '保存修改' }).click();
    await edit.locator('[role="alert"]', { hasText: '培训班的结束日期早于开始日期。' }).waitFor();
    expect(await item.locator('strong').textContent()).toBe('2026年县域律师示范培训班');
    await edit.locator('#class-edit-closes').fill(beijing(44));
    await edit.getByRole('button', { name: '保存修改' }).click();
    await panel.locator('[data-testid="class-saved"]', { hasText: '已保存“2026年县域律师示范培训班（第二期）”，报名 1 人。' }).waitFor();
    await edit.waitFor({ state: 'detached' });
    await item.getByText(`四川省律师协会 主办 · ${beijing(0)} 至 ${beijing(44)} · 1 门课程、0 场现场培训 · 报名 1 人`).waitFor();
    expect(await item.locator('strong').textContent()).toBe('2026年县域律师示范培训班（第二期）');
    expect(await panel.locator('[data-testid="training-class"]').count()).toBe(1);
    // the audit log says what changed, from what to what
    const entry = page.locator('[data-testid="audit-log"] li[data-action="training_class.updated"]');
    await entry.waitFor();
    const logged = (await entry.textContent())!;
    expect(logged).toContain('修改培训班');
    expect(logged).toMatch(/名称\s*2026年县域律师示范培训班 → 2026年县域律师示范培训班（第二期）/);
    expect(logged).toMatch(new RegExp(`结班日期\\s*${beijing(30)} → ${beijing(44)}`));
    expect(logged).not.toContain('开班日期'); // unchanged fields are not listed
    expect(errors).toEqual([]);
    await context.close();

    const lawyerContext = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'zh-CN' });
    const me = await lawyerContext.newPage();
    await logInAsDemo(me, server.baseUrl, 'lawyer');
    await me.goto(`${server.baseUrl}/me`);
    const card = me.locator('[data-testid="my-class"]');
    await card.waitFor();
    expect(await card.getAttribute('data-done')).toBe('0');
    expect(await card.getAttribute('data-total')).toBe('1');
    const text = (await card.textContent())!;
    expect(text).toContain('2026年县域律师示范培训班（第二期）');
    expect(text).toContain(`四川省律师协会 主办 · 截止 ${beijing(44)}`);
    expect(text).toContain('已完成 0/1 项 · 0%');
    await lawyerContext.close();
  });
});
