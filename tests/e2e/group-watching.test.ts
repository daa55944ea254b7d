/**
 * Watching together on a firm's computer (集体观看), end to end in real Chromium against the full
 * app: 李明 opens a lecture with presence checks on the firm's computer, starts a group and adds his
 * colleague 周律师 with 周律师's own password. Both get their own presence check on the shared
 * screen; 李明 confirms his, 周律师 does not (his check's 90 s are made to pass in the database, the
 * one stand-in for time here). 李明 is credited past his check; 周律师 loses the held stretch. His
 * phone showed the prompt; the evidence page of his session shows the group.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { startFromFullTolerance } from '../helpers/playback-time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'group-watch-pass-1';
/** both checks are pinned at this many seconds of coverage */
const DUE = 3;
let server: TestServer;
let browser: Browser;
let lectureId: string;
let hostId: string;
let bId: string;

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await server.deps.db.execute(query));
}

async function pinChecks(userId: string): Promise<void> {
  await q(sql`UPDATE presence_checks SET due_at_media = ${DUE} WHERE user_id = ${userId} AND lecture_id = ${lectureId} AND issued_at IS NULL`);
}

const issuedChecks = (userId: string) =>
  q<{ id: string; code: string; confirmed_at: unknown; held_intervals: unknown }>(sql`SELECT id, code, confirmed_at, held_intervals FROM presence_checks WHERE user_id = ${userId} AND lecture_id = ${lectureId} AND issued_at IS NOT NULL ORDER BY issued_at`);
const coverage = async (userId: string) => Number((await q<{ covered_seconds: unknown }>(sql`SELECT covered_seconds FROM lecture_progress WHERE user_id = ${userId} AND lecture_id = ${lectureId}`))[0]?.covered_seconds ?? 0);

async function signIn(login: string, password: string, next: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(next)}`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(new RegExp(`${next.replace(/[?]/g, '\\?')}$`));
  return page;
}

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const demo = server.demo!;
  hostId = demo.users.lawyer;
  bId = (await new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 10 }).createUser({ login: 'zhou-b', name: '周律师', password: PASSWORD, organizationId: demo.santaiFirm, licenseNo: '15107202310000011' })).id;
  const course = await new CatalogRepository(server.deps.db).insertCourse({
    organizationId: demo.national,
    title: '集体观看测试课程',
    summary: '',
    category: 'practice_management',
    status: 'published',
    presenceChecks: true,
    publishedAt: new Date(),
  });
  lectureId = await createReadyLecture(server, { seconds: 40, courseId: course.id });
  await startFromFullTolerance(server.deps.db);
  // 李明's checks on the lecture are planned by his first session: plan them now and pin them
  const planner = createTestClient(server.baseUrl);
  await planner.login('lawyer', 'lectern-demo');
  await planner.openSession(lectureId);
  await pinChecks(hostId);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('group watching', () => {
  test('two lawyers on one screen: the one who confirms is credited, the one who misses the check is not, for the held stretch', { timeout: 240_000 }, async () => {
    const screen = await signIn('lawyer', 'lectern-demo', `/lectures/${lectureId}`);
    const errors: string[] = [];
    screen.on('pageerror', (error) => errors.push(error.message));
    await screen.locator('.player-page[data-phase="ready"]').waitFor();

    // 集体观看 → start: the shared screen is now the group's
    await screen.locator('[data-group-entry]').click({ timeout: 60_000 });
    await screen.locator('[data-group-start]').click();
    await screen.locator('li[data-member="lawyer"][data-present="true"]').waitFor();
    const groupId = await screen.locator('section.group').getAttribute('data-group');
    expect(groupId).toMatch(/^[0-9a-f-]{36}$/);

    // 周律师 types his own login and password at the shared screen
    await screen.locator('input[name="group-login"]').fill('zhou-b');
    await screen.locator('input[name="group-password"]').fill('wrong-password');
    await screen.locator('[data-group-add] button[type="submit"]').click();
    await screen.locator('section.group [role="alert"]').filter({ hasText: '登录名或密码不正确' }).waitFor();
    await screen.locator('input[name="group-password"]').fill(PASSWORD);
    await screen.locator('[data-group-add] button[type="submit"]').click();
    await screen.locator('li[data-member="zhou-b"][data-present="true"]').waitFor();
    await pinChecks(bId);

    // the first group tick passes the due point: each member gets their own check, shown with their name
    const hostDialog = screen.locator('dialog.presence[open]');
    await hostDialog.waitFor({ timeout: 90_000 });
    const bPrompt = screen.locator(`[data-group-prompt="${bId}"]`);
    await bPrompt.waitFor();
    expect(await bPrompt.locator('h3').textContent()).toContain('周律师');
    await expect.poll(() => bPrompt.locator('[data-group-prompt-image]').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    // 周律师's own phone shows the prompt for the code on the big screen
    const phone = await signIn('zhou-b', PASSWORD, '/me');
    await phone.locator('[data-my-group-prompt]').waitFor();
    expect(await phone.locator('[data-my-group-prompt]').textContent()).toContain('集体观看：请输入大屏上的确认码');

    // 李明 confirms his own check
    const [hostCheck] = await issuedChecks(hostId);
    await hostDialog.locator('[data-presence-code]').fill(hostCheck!.code);
    await hostDialog.locator('[data-presence-confirm]').click();
    await expect.poll(() => screen.locator('dialog.presence').evaluate((node) => (node as HTMLDialogElement).open)).toBe(false);

    // 周律师 does not: his 90 s pass
    const [bCheck] = await issuedChecks(bId);
    expect(bCheck!.confirmed_at).toBeNull();
    await q(sql`UPDATE presence_checks SET expires_at = now() - interval '1 second' WHERE id = ${bCheck!.id}`);

    // the next tick drops what his check held and asks him again; 李明 goes on being credited
    await expect.poll(async () => (await issuedChecks(bId)).length, { timeout: 60_000, interval: 500 }).toBe(2);
    await expect.poll(async () => screen.locator(`[data-group-prompt="${bId}"]`).count()).toBe(1);
    const [lost] = await issuedChecks(bId);
    const held = (typeof lost!.held_intervals === 'string' ? JSON.parse(lost!.held_intervals) : lost!.held_intervals) as [number, number][];
    expect(held.reduce((sum, [from, to]) => sum + to - from, 0)).toBeGreaterThan(5);
    expect(await coverage(bId)).toBeCloseTo(DUE, 3);
    expect(await coverage(hostId)).toBeGreaterThan(DUE + 10);
    expect((await issuedChecks(hostId))[0]!.confirmed_at).not.toBeNull();

    // the evidence page of 周律师 shows the group his session belonged to
    const admin = await signIn('admin-sc', 'lectern-demo', '/courses');
    const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();
    await admin.goto(`${server.baseUrl}/admin/lawyers/${bId}/evidence?year=${year}`);
    const group = admin.locator(`[data-testid="session-group"][data-group="${groupId}"]`).first();
    await group.waitFor();
    const text = await group.textContent();
    expect(text).toContain('集体观看');
    expect(text).toContain('李明');
    expect(text).toContain('三台县明理律师事务所');
    await group.locator('li[data-group-member="zhou-b"][data-confirmed-by="password"]').waitFor();
    await group.locator('li[data-group-member="lawyer"][data-confirmed-by="host"]').waitFor();
    expect(errors).toEqual([]);
  });
});
