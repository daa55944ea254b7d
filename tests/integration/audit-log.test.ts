/**
 * The audit log (docs/audit.md, "The audit log"): every password reset, disable and re-enable,
 * roster import and plan or settings change writes one entry, in the same transaction as the
 * change, with the actor, the target, before/after and the address; administrators read the
 * entries of their subtree, newest first, page by page.
 */
import { randomUUID } from 'node:crypto';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, authSessions, loginAttempts, users } from '../../server/db/schema/index.ts';
import { AuditLog } from '../../server/audit/service.ts';
import type { SessionUser } from '../../server/auth/access.ts';
import { OrganizationsRepository } from '../../server/organizations/repository.ts';
import { UsersRepository } from '../../server/users/repository.ts';
import { UsersService } from '../../server/users/service.ts';
import { rowsOf } from '../../server/db/rows.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import type { AuditEntry, AuditPage } from '../../web/src/lib/api/types.ts';
import { ApiClient, CookieJar, createTestClient, type TestClient, signedInClient, errorOf } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let demo: DemoIds;
const PASSWORD = 'lectern-demo';
/** Addresses from the documentation ranges (RFC 5737), sent through the trusted proxy header. */
const SICHUAN_DESK = '203.0.113.7';
const NATIONAL_DESK = '198.51.100.20';

beforeAll(async () => {
  // The test client is the "proxy" (127.0.0.1): X-Forwarded-For names the address each entry must carry.
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
  demo = server.demo!;
});
afterAll(async () => server?.close());
beforeEach(async () => {
  await server.deps.db.delete(loginAttempts);
});

/** A signed-in typed client whose requests come from `address` (X-Forwarded-For through the trusted proxy). */
async function clientAt(address: string, login: string, password = PASSWORD): Promise<ApiClient> {
  const jar = new CookieJar();
  const client = new ApiClient({
    baseUrl: server.baseUrl,
    fetch: async (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('x-forwarded-for', address);
      const cookie = jar.header();
      if (cookie) headers.set('cookie', cookie);
      const response = await fetch(input, { ...init, headers });
      jar.store(response.headers);
      return response;
    },
  });
  await client.login(login, password);
  return client;
}

const loggedIn = (login: string, password = PASSWORD): Promise<TestClient> => signedInClient(server.baseUrl, login, password);

let serial = 0;
async function newLawyer(firmId: string): Promise<{ id: string; login: string }> {
  const licenseNo = `151072023900${String(++serial).padStart(5, '0')}`;
  const user = await server.app.services.auth.createUser({ login: licenseNo, name: `审计律师${serial}`, password: PASSWORD, organizationId: firmId, licenseNo });
  return { id: user.id, login: licenseNo };
}

/** Every entry of the organization's subtree, through the API, all pages. */
async function allEntries(client: ApiClient, orgId: string): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let before: string | null = null;
  do {
    const page: AuditPage = await client.auditLog(orgId, { before, limit: 200 });
    out.push(...page.items);
    before = page.nextBefore;
  } while (before);
  return out;
}

const about = (entries: AuditEntry[], targetId: string) => entries.filter((e) => e.targetId === targetId);
const auditRowCount = async () => Number((await server.deps.db.select({ n: count() }).from(auditLog))[0]!.n);

describe('account actions are logged', () => {
  it('a password reset: once, with actor, target, before/after and address; never the password or its hash', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    await loggedIn(lawyer.login);
    await loggedIn(lawyer.login);
    const adminSc = await clientAt(SICHUAN_DESK, 'admin-sc');
    const reset = await adminSc.resetPassword(lawyer.id);

    const entries = about(await allEntries(adminSc, demo.sichuan), lawyer.id);
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry).toMatchObject({
      actor: { id: demo.users['admin-sc'], login: 'admin-sc', name: '陈主任' },
      action: 'user.password_reset',
      organizationId: demo.santaiFirm,
      targetType: 'user',
      targetId: lawyer.id,
      before: { passwordChangeRequired: false },
      after: { passwordChangeRequired: true, sessionsClosed: 2 },
      ip: SICHUAN_DESK,
    });
    expect(Number.isNaN(Date.parse(entry.at))).toBe(false);

    // neither the one-time password nor the stored hash is anywhere in the entry or its row
    const [hash] = await server.deps.db.select({ h: users.passwordHash }).from(users).where(eq(users.id, lawyer.id));
    const [row] = await server.deps.db.select().from(auditLog).where(eq(auditLog.id, entry.id));
    for (const text of [JSON.stringify(entry), JSON.stringify(row)]) {
      expect(text).not.toContain(reset.oneTimePassword);
      expect(text).not.toContain(hash!.h!);
      expect(text).not.toMatch(/scrypt|password"\s*:/i);
    }
    // stored as JSON objects, not as JSON text inside jsonb
    const types = rowsOf<{ b: string; a: string }>(await server.deps.db.execute(sql`SELECT jsonb_typeof(before) AS b, jsonb_typeof(after) AS a FROM audit_log WHERE id = ${entry.id}`));
    expect(types).toEqual([{ b: 'object', a: 'object' }]);
  });

  it('disable and re-enable: one entry each, {disabled:false} → {disabled:true} and back', async () => {
    const lawyer = await newLawyer(demo.mianyangCityFirm);
    await loggedIn(lawyer.login);
    const national = await clientAt(NATIONAL_DESK, 'admin');
    await national.setUserDisabled(lawyer.id, true);
    await national.setUserDisabled(lawyer.id, false);

    const entries = about(await allEntries(national, demo.national), lawyer.id);
    expect(entries.map((e) => e.action)).toEqual(['user.enabled', 'user.disabled']); // newest first
    const [enabled, disabled] = entries;
    expect(disabled).toMatchObject({
      actor: { id: demo.users.admin, login: 'admin' },
      organizationId: demo.mianyangCityFirm,
      targetType: 'user',
      targetId: lawyer.id,
      before: { disabled: false },
      after: { disabled: true, sessionsClosed: 1 },
      ip: NATIONAL_DESK,
    });
    expect(enabled).toMatchObject({ before: { disabled: true }, after: { disabled: false }, ip: NATIONAL_DESK, actor: { id: demo.users.admin } });
    // the Sichuan administrator sees the same entries (the lawyer's firm is in Sichuan)
    const adminSc = await loggedIn('admin-sc');
    expect(about(await allEntries(adminSc, demo.mianyang), lawyer.id).map((e) => e.id)).toEqual(entries.map((e) => e.id));
  });

  it('refused and failed actions leave no entry', async () => {
    const before = await auditRowCount();
    const adminSc = await loggedIn('admin-sc');
    expect((await errorOf(adminSc.resetPassword(demo.users.lawyer2))).status).toBe(403); // Gansu
    expect((await errorOf(adminSc.setUserDisabled(randomUUID(), true))).status).toBe(404);
    expect((await errorOf(adminSc.setUserDisabled(demo.users['admin-sc'], true))).status).toBe(409);
    expect(await auditRowCount()).toBe(before);
  });

  it('the change and its entry are one transaction: when the entry cannot be written, the account is not changed', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    await loggedIn(lawyer.login);
    // An administrator session whose user row does not exist: the entry's actor_id foreign key fails.
    const ghost: SessionUser = { id: randomUUID(), login: 'ghost', name: 'ghost', organizationId: demo.national, roles: [{ organizationId: demo.national, role: 'admin' }], passwordChangeRequired: false };
    const service = new UsersService(new UsersRepository(server.deps.db), server.app.services.auth, server.app.services.access);
    const before = await auditRowCount();
    await expect(service.setDisabled(ghost, lawyer.id, true, '192.0.2.1')).rejects.toThrow();
    await expect(service.resetPassword(ghost, lawyer.id, '192.0.2.1')).rejects.toThrow();
    const [account] = await server.deps.db.select({ disabled: users.disabled, mustChange: users.passwordChangeRequired }).from(users).where(eq(users.id, lawyer.id));
    expect(account).toEqual({ disabled: false, mustChange: false });
    expect(Number((await server.deps.db.select({ n: count() }).from(authSessions).where(eq(authSessions.userId, lawyer.id)))[0]!.n)).toBe(1);
    expect(await auditRowCount()).toBe(before);
    await loggedIn(lawyer.login); // the old password still works
  });
});

describe('roster imports, plans and settings are logged', () => {
  it('a roster import: one entry with the count and the firms, no passwords; dry runs and refused files leave none', async () => {
    const adminSc = await clientAt(SICHUAN_DESK, 'admin-sc');
    const headers = { 'x-forwarded-for': SICHUAN_DESK };
    const raw = await loggedIn('admin-sc');
    const csv = ['licenseNo,name,firm', '15107202390000701,甲一,三台县明理律师事务所', '15107202390000702,甲二,绵阳涪城正衡律师事务所', '15107202390000703,甲三,三台县明理律师事务所'].join('\n');
    const before = await auditRowCount();
    expect((await raw.raw('POST', `/api/organizations/${demo.sichuan}/roster`, { csv, dryRun: true }, headers)).status).toBe(200);
    expect((await raw.raw('POST', `/api/organizations/${demo.sichuan}/roster`, { csv: 'licenseNo,name,firm\n1,甲,三台县明理律师事务所' }, headers)).status).toBe(400);
    expect(await auditRowCount()).toBe(before);

    const res = await raw.raw('POST', `/api/organizations/${demo.sichuan}/roster`, { csv }, headers);
    expect(res.status, res.text).toBe(200);
    const passwords = (res.json as { accounts: { initialPassword: string }[] }).accounts.map((a) => a.initialPassword);
    expect(await auditRowCount()).toBe(before + 1);

    const entries = (await allEntries(adminSc, demo.sichuan)).filter((e) => e.action === 'roster.imported');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { id: demo.users['admin-sc'] },
      organizationId: demo.sichuan,
      targetType: 'organization',
      targetId: demo.sichuan,
      before: null,
      after: {
        imported: 3,
        firms: [
          { id: demo.santaiFirm, name: '三台县明理律师事务所', imported: 2 },
          { id: demo.mianyangCityFirm, name: '绵阳涪城正衡律师事务所', imported: 1 },
        ],
      },
      ip: SICHUAN_DESK,
    });
    const text = JSON.stringify(entries[0]);
    for (const password of passwords) expect(text).not.toContain(password);
  });

  it('plan created and deleted, settings changed: with before and after', async () => {
    const national = await clientAt(NATIONAL_DESK, 'admin');
    const plan = await national.request<{ id: string }>('POST', `/api/organizations/${demo.sichuan}/plans`, {
      body: { year: 2031, name: '审计测试计划', requiredMinutes: 900, targetOrganizationIds: [demo.mianyang], requiredCourseIds: [demo.courseId] },
    });
    await national.request('PATCH', `/api/organizations/${demo.sichuan}/settings`, { body: { minutesPerClassHour: 50 } });
    await national.request('PATCH', `/api/organizations/${demo.sichuan}/settings`, { body: { minutesPerClassHour: null, trainingYearStartMonth: 4 } });
    await national.request('DELETE', `/api/plans/${plan.id}`);

    const entries = await allEntries(national, demo.sichuan);
    const planEntries = about(entries, plan.id);
    expect(planEntries.map((e) => e.action)).toEqual(['plan.deleted', 'plan.created']);
    const described = { organizationId: demo.sichuan, year: 2031, name: '审计测试计划', requiredMinutes: 900, targetOrganizationIds: [demo.mianyang], requiredCourseIds: [demo.courseId] };
    expect(planEntries[1]).toMatchObject({ actor: { id: demo.users.admin }, organizationId: demo.sichuan, targetType: 'plan', before: null, after: described, ip: NATIONAL_DESK });
    expect(planEntries[0]).toMatchObject({ actor: { id: demo.users.admin }, organizationId: demo.sichuan, targetType: 'plan', before: described, after: null, ip: NATIONAL_DESK });

    const settings = entries.filter((e) => e.action === 'organization.settings_changed' && e.targetId === demo.sichuan);
    expect(settings).toHaveLength(2);
    expect(settings[1]).toMatchObject({
      organizationId: demo.sichuan,
      targetType: 'organization',
      before: { minutesPerClassHour: null, trainingYearStartMonth: null },
      after: { minutesPerClassHour: 50, trainingYearStartMonth: null },
      ip: NATIONAL_DESK,
    });
    expect(settings[0]).toMatchObject({ before: { minutesPerClassHour: 50, trainingYearStartMonth: null }, after: { minutesPerClassHour: null, trainingYearStartMonth: 4 } });
    // a refused change (a firm has no settings) leaves nothing
    const count = entries.length;
    expect((await errorOf(national.request('PATCH', `/api/organizations/${demo.santaiFirm}/settings`, { body: { minutesPerClassHour: 50 } }))).status).toBe(400);
    expect((await allEntries(national, demo.sichuan)).length).toBe(count);
    await national.request('PATCH', `/api/organizations/${demo.sichuan}/settings`, { body: { trainingYearStartMonth: null } }); // back to the demo's rules
  });
});

describe('who may read the log', () => {
  it('the Sichuan administrator reads Sichuan only: not Gansu, not the national entries', async () => {
    const national = await clientAt(NATIONAL_DESK, 'admin');
    const gansuLawyer = await newLawyer(demo.ganguFirm);
    await national.resetPassword(gansuLawyer.id);
    await national.request('PATCH', `/api/organizations/${demo.national}/settings`, { body: { minutesPerClassHour: 45 } });
    const all = await allEntries(national, demo.national);
    const gansuEntry = about(all, gansuLawyer.id)[0]!;
    const nationalEntry = all.find((e) => e.action === 'organization.settings_changed' && e.targetId === demo.national)!;
    expect(gansuEntry.organizationId).toBe(demo.ganguFirm);
    expect(nationalEntry.organizationId).toBe(demo.national);

    const adminSc = await loggedIn('admin-sc');
    for (const orgId of [demo.gansu, demo.ganguFirm, demo.tianshui, demo.national, randomUUID()]) {
      const error = await errorOf(adminSc.auditLog(orgId));
      expect([error.status, error.code], orgId).toEqual([403, 'forbidden']);
    }
    const sichuanSubtree = new Set((await new OrganizationsRepository(server.deps.db).subtree([demo.sichuan])).map((o) => o.id));
    const mine = await allEntries(adminSc, demo.sichuan);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => sichuanSubtree.has(e.organizationId))).toBe(true);
    expect(mine.some((e) => e.id === gansuEntry.id || e.id === nationalEntry.id)).toBe(false);
    // a cursor taken from another province's entries is refused, not used to page around in it
    const cursor = await errorOf(adminSc.auditLog(demo.sichuan, { before: gansuEntry.id }));
    expect([cursor.status, cursor.code]).toEqual([400, 'unknown_cursor']);
  });

  it('lawyers and trainers: 403; no session: 401; bad paging parameters: 400', async () => {
    const lawyer = await loggedIn('lawyer');
    expect((await errorOf(lawyer.auditLog(demo.santaiFirm))).status).toBe(403);
    const trainer = await loggedIn('trainer'); // a trainer of the national association
    expect((await errorOf(trainer.auditLog(demo.national))).status).toBe(403);
    expect((await errorOf(createTestClient(server.baseUrl).auditLog(demo.sichuan))).status).toBe(401);
    const adminSc = await loggedIn('admin-sc');
    // malformed paging parameters: raw
    for (const query of ['limit=0', 'limit=201', 'limit=x', 'before=not-a-uuid', 'other=1']) {
      expect((await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/audit?${query}`)).status, query).toBe(400);
    }
    expect((await adminSc.raw('GET', `/api/organizations/not-a-uuid/audit`)).status).toBe(400);
    const unknown = await errorOf(adminSc.auditLog(demo.sichuan, { before: randomUUID() }));
    expect([unknown.status, unknown.code]).toEqual([400, 'unknown_cursor']);
  });
});

describe('paging', () => {
  it('newest first, keyset pages that add up to the whole log without gaps or repeats, also for entries of one instant', async () => {
    const db = server.deps.db;
    const province = await new OrganizationsRepository(db).insert({ kind: 'province', name: '审计测试省律师协会', regionCode: '990000', parentId: demo.national });
    const firm = await new OrganizationsRepository(db).insert({ kind: 'firm', name: '审计测试律师事务所', regionCode: '990101', parentId: province.id });
    // Four entries written in one transaction share their `at` (now() is the transaction's start).
    await db.transaction(async (tx) => {
      for (let i = 0; i < 4; i++) {
        await AuditLog.record(tx, { actor: { id: demo.users.admin }, action: 'organization.settings_changed', organizationId: firm.id, targetType: 'organization', targetId: firm.id, before: { step: i }, after: { step: i + 1 }, ip: '192.0.2.9' });
      }
    });
    const national = await loggedIn('admin');
    for (let i = 0; i < 3; i++) await national.resetPassword((await newLawyer(firm.id)).id);
    await national.request('PATCH', `/api/organizations/${province.id}/settings`, { body: { minutesPerClassHour: 40 } });

    const whole = await national.auditLog(province.id, { limit: 200 });
    expect(whole.items).toHaveLength(8);
    expect(whole.nextBefore).toBeNull();
    expect(whole.items[0]!.targetId).toBe(province.id); // the settings change came last
    const times = whole.items.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(whole.items.filter((e) => e.ip === '192.0.2.9')).toHaveLength(4);

    for (const limit of [1, 2, 3, 5, 8]) {
      const pages: AuditPage[] = [];
      let before: string | null = null;
      do {
        const page: AuditPage = await national.auditLog(province.id, { before, limit });
        pages.push(page);
        before = page.nextBefore;
      } while (before && pages.length < 20);
      expect(pages.flatMap((p) => p.items.map((e) => e.id)), `limit ${limit}`).toEqual(whole.items.map((e) => e.id));
      expect(pages.map((p) => p.items.length), `limit ${limit}`).toEqual([...Array(Math.floor(8 / limit)).fill(limit), ...(8 % limit ? [8 % limit] : [])]);
      expect(pages.at(-1)!.nextBefore).toBeNull();
    }
    // the firm's page holds only the firm's entries (not the province's settings change)
    expect((await national.auditLog(firm.id)).items).toHaveLength(7);
    // the default page is at most 50 entries
    expect((await national.auditLog(demo.national)).items.length).toBeLessThanOrEqual(50);
    // every entry of this file hangs under the national association, so its administrator reads them all
    expect((await allEntries(national, demo.national)).length).toBe(await auditRowCount());
  });
});

describe('entries cannot be changed or removed', () => {
  it('the database refuses UPDATE and DELETE on audit_log (migration 0007)', async () => {
    const [entry] = await server.deps.db
      .insert(auditLog)
      .values({ action: 'test.entry', targetType: 'test', organizationId: demo.sichuan })
      .returning({ id: auditLog.id });
    const failure = (query: ReturnType<typeof sql>) =>
      server.deps.db.execute(query).then(
        () => 'no error',
        (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ''}`,
      );
    expect(await failure(sql`UPDATE audit_log SET action = 'changed' WHERE id = ${entry!.id}`)).toMatch(/append-only/);
    expect(await failure(sql`DELETE FROM audit_log WHERE id = ${entry!.id}`)).toMatch(/append-only/);
    const [row] = await server.deps.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.id, entry!.id));
    expect(row?.action).toBe('test.entry');
  });
});
