/**
 * The account lifecycle (docs/accounts.md) through the typed client: change my password (rules,
 * rate limit, sessions), the must-change flag of one-time passwords (roster import, reset), an
 * administrator's reset and disable inside their subtree, and disabled lawyers in the report.
 */
import { parse } from 'csv-parse/sync';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authSessions, courseCompletions, lectureProgress, loginAttempts, users } from '../../server/db/schema/index.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import { createTestClient, type TestClient, signedInClient, errorOf } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let demo: DemoIds;
let adminSc: TestClient;
const PASSWORD = 'lectern-demo';

beforeAll(async () => {
  server = await startTestServer();
  demo = server.demo!;
  adminSc = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', PASSWORD);
});
afterAll(async () => server?.close());
// Every test logs in from 127.0.0.1; the per-address limit (50 a minute) is for the rate-limit test only.
beforeEach(async () => {
  await server.deps.db.delete(loginAttempts);
});

let serial = 100;
/** A fresh lawyer (login = licence number, like a roster import) in a firm, with the demo password. */
async function newLawyer(firmId: string, name = '测试律师'): Promise<{ id: string; login: string }> {
  const licenseNo = `151072023100${String(serial++).padStart(5, '0')}`;
  const user = await server.app.services.auth.createUser({ login: licenseNo, name, password: PASSWORD, organizationId: firmId, licenseNo });
  return { id: user.id, login: licenseNo };
}

const loggedIn = (login: string, password = PASSWORD): Promise<TestClient> => signedInClient(server.baseUrl, login, password);

/** how a refused typed call was answered: status, machine code, sentence */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, code: error.code, message: error.message };
};
/** a fresh browser's login, refused */
const refusedLogin = (login: string, password: string) => refusal(createTestClient(server.baseUrl).login(login, password));

const hashOf = async (userId: string) => (await server.deps.db.select({ h: users.passwordHash }).from(users).where(eq(users.id, userId)))[0]!.h;
const sessionsOf = async (userId: string) => Number((await server.deps.db.select({ n: count() }).from(authSessions).where(eq(authSessions.userId, userId)))[0]!.n);

describe('change my password', () => {
  it('wrong current password: 401 with the login wording, and nothing changes', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    const client = await loggedIn(lawyer.login);
    const before = await hashOf(lawyer.id);
    const refused = await refusal(client.changePassword('not-the-password', 'a-new-password'));
    expect(refused.status).toBe(401);
    const login = await refusedLogin(lawyer.login, 'not-the-password');
    expect(refused).toEqual(login);
    expect(refused).toMatchObject({ code: 'invalid_credentials' });
    expect(await hashOf(lawyer.id)).toBe(before);
    // the session itself is still fine, and the old password still works
    expect((await client.me()).id).toBe(lawyer.id);
    await loggedIn(lawyer.login);
  });

  it('new password rules answer 400 with a code, and nothing changes', async () => {
    // the demo lawyer's login is "lawyer", their licence number 15107202110000001
    const client = await loggedIn('lawyer');
    const before = await hashOf(demo.users.lawyer);
    const cases: [string, string][] = [
      ['short12', 'password_too_short'],
      ['lawyer', 'password_too_short'],
      ['LAWYER  ', 'password_is_login'], // eight characters, but the login in capitals
      ['15107202110000001', 'password_is_license_no'],
      [PASSWORD, 'password_unchanged'],
    ];
    for (const [newPassword, code] of cases) {
      const error = await errorOf(client.changePassword(PASSWORD, newPassword));
      expect([error.status, error.code], newPassword).toEqual([400, code]);
      expect(error.message).toMatch(/^The new password must/);
    }
    // login rule: an account whose login is 8+ characters
    const lawyer = await newLawyer(demo.santaiFirm);
    const own = await loggedIn(lawyer.login);
    expect((await errorOf(own.changePassword(PASSWORD, ` ${lawyer.login}`))).code).toBe('password_is_login');
    expect(await hashOf(demo.users.lawyer)).toBe(before);
    await loggedIn('lawyer');
  });

  it('strict body: unknown fields, wrong types, no session', async () => {
    const client = await loggedIn('lawyer');
    expect((await client.raw('POST', '/api/me/password', { currentPassword: PASSWORD, newPassword: 'a-new-password', extra: 1 })).status).toBe(400);
    expect((await client.raw('POST', '/api/me/password', { currentPassword: PASSWORD, newPassword: 12345678 })).status).toBe(400);
    expect((await client.raw('POST', '/api/me/password', { newPassword: 'a-new-password' })).status).toBe(400);
    expect((await client.raw('POST', '/api/me/password', 'currentPassword=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await errorOf(createTestClient(server.baseUrl).changePassword(PASSWORD, 'a-new-password'))).status).toBe(401);
    await loggedIn('lawyer'); // unchanged
  });

  it('closes the other sessions, keeps this one; the new password works and the old does not', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    const phone = await loggedIn(lawyer.login);
    const laptop = await loggedIn(lawyer.login);
    const tablet = await loggedIn(lawyer.login);
    expect(await sessionsOf(lawyer.id)).toBe(3);

    await phone.changePassword(PASSWORD, 'my-own-password-1');
    expect((await phone.me()).id).toBe(lawyer.id);
    expect((await errorOf(laptop.me())).status).toBe(401);
    expect((await errorOf(tablet.me())).status).toBe(401);
    expect(await sessionsOf(lawyer.id)).toBe(1);
    expect((await hashOf(lawyer.id))!.startsWith('scrypt$')).toBe(true);

    expect((await refusedLogin(lawyer.login, PASSWORD)).status).toBe(401);
    await loggedIn(lawyer.login, 'my-own-password-1');
  });

  it('counts toward the login limit: after 10 failures in a minute the right password is 429, and login is 429 too', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    const client = await loggedIn(lawyer.login); // a success: not counted
    for (let i = 1; i <= 10; i++) {
      expect((await errorOf(client.changePassword(`guess-${i}`, 'a-new-password'))).status, `try ${i}`).toBe(401);
    }
    expect(await refusal(client.changePassword(PASSWORD, 'a-new-password'))).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect((await refusedLogin(lawyer.login, PASSWORD)).status).toBe(429);
    // the 429 changed nothing
    await server.deps.db.delete(loginAttempts);
    await loggedIn(lawyer.login);
  });
});

describe('must change after a one-time password', () => {
  it('demo accounts do not have to change their password', async () => {
    for (const login of ['lawyer', 'lawyer2', 'trainer', 'admin-sc', 'admin']) {
      expect((await (await loggedIn(login)).me()).passwordChangeRequired, login).toBe(false);
    }
  });

  it('a lawyer imported by roster must change the one-time password; changing it clears the flag', async () => {
    const csv = ['licenseNo,name,firm', '15107202310000501,钱六,三台县明理律师事务所'].join('\n');
    const imported = await adminSc.expectStatus(200, adminSc.importRoster(demo.sichuan, { csv }));
    if (imported.kind !== 'imported') throw new Error('expected the roster imported at once');
    const account = imported.accounts[0]!;
    expect(account.initialPassword).toBeTruthy();
    const client = await loggedIn(account.login, account.initialPassword!);
    const me = await client.me();
    expect(me.passwordChangeRequired).toBe(true);
    // every field API.md names is still there
    expect(Object.keys(me)).toEqual(expect.arrayContaining(['id', 'login', 'name', 'organizationId', 'roles']));
    await client.changePassword(account.initialPassword!, 'qian-liu-2027');
    expect((await client.me()).passwordChangeRequired).toBe(false);
  });
});

describe('administrator: password reset', () => {
  it('answers a one-time password once, sets the flag and closes every session of the account', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    const a = await loggedIn(lawyer.login);
    const b = await loggedIn(lawyer.login);
    // raw for the cache-control header
    const res = await adminSc.raw('POST', `/api/users/${lawyer.id}/password-reset`, {});
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const reset = res.json as { userId: string; login: string; oneTimePassword: string };
    expect(reset).toMatchObject({ userId: lawyer.id, login: lawyer.login, name: '测试律师' });
    expect(reset.oneTimePassword).toMatch(/^[a-z2-9]{12}$/);
    // only its hash is stored
    expect(await hashOf(lawyer.id)).not.toContain(reset.oneTimePassword);

    expect((await errorOf(a.me())).status).toBe(401);
    expect((await errorOf(b.me())).status).toBe(401);
    expect(await sessionsOf(lawyer.id)).toBe(0);
    expect((await refusedLogin(lawyer.login, PASSWORD)).status).toBe(401);
    const fresh = await loggedIn(lawyer.login, reset.oneTimePassword);
    expect((await fresh.me()).passwordChangeRequired).toBe(true);

    // a second reset answers a different password; the first stops working
    const again = await adminSc.resetPassword(lawyer.id);
    expect(again.oneTimePassword).not.toBe(reset.oneTimePassword);
    expect((await refusedLogin(lawyer.login, reset.oneTimePassword)).status).toBe(401);
  });

  it('Sichuan administrator on a Gansu lawyer: 403, and nothing changes', async () => {
    const before = await hashOf(demo.users.lawyer2);
    const gansuClient = await loggedIn('lawyer2');
    expect((await errorOf(adminSc.resetPassword(demo.users.lawyer2))).status).toBe(403);
    expect((await errorOf(adminSc.setUserDisabled(demo.users.lawyer2, true))).status).toBe(403);
    expect(await hashOf(demo.users.lawyer2)).toBe(before);
    expect((await gansuClient.me()).login).toBe('lawyer2');
    // the national administrator reaches Gansu (and is checked on a copy, not the demo lawyer)
    const gansuLawyer = await newLawyer(demo.ganguFirm);
    const national = await loggedIn('admin');
    expect((await national.resetPassword(gansuLawyer.id)).userId).toBe(gansuLawyer.id);
  });

  it('unknown user 404, bad id 400, a lawyer 403, own account 409, a role beyond the subtree 403', async () => {
    expect((await errorOf(adminSc.resetPassword('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await errorOf(adminSc.setUserDisabled('00000000-0000-4000-8000-000000000000', true))).status).toBe(404);
    expect((await adminSc.raw('POST', '/api/users/not-a-uuid/password-reset', {})).status).toBe(400);
    const lawyer = await newLawyer(demo.santaiFirm);
    const someone = await loggedIn('lawyer');
    expect((await errorOf(someone.resetPassword(lawyer.id))).status).toBe(403);
    expect((await errorOf(someone.setUserDisabled(lawyer.id, true))).status).toBe(403);
    const own = await errorOf(adminSc.setUserDisabled(demo.users['admin-sc'], true));
    expect([own.status, own.code]).toEqual([409, 'own_account']);
    // a national trainer who belongs to a Sichuan firm: the Sichuan admin may not lock them out
    const trainer = await newLawyer(demo.santaiFirm, '全国讲师');
    await new AuthRepository(server.deps.db).grantRole(trainer.id, demo.national, 'trainer');
    expect((await errorOf(adminSc.resetPassword(trainer.id))).status).toBe(403);
    // malformed bodies and ids: raw
    expect((await adminSc.raw('PATCH', `/api/users/${lawyer.id}`, { disabled: 'yes' })).status).toBe(400);
    expect((await adminSc.raw('PATCH', `/api/users/${lawyer.id}`, { disabled: true, name: 'x' })).status).toBe(400);
    expect((await adminSc.raw('POST', `/api/users/${lawyer.id}/password-reset`, { extra: 1 })).status).toBe(400);
    await loggedIn(lawyer.login); // still untouched
  });
});

describe('administrator: disable and re-enable', () => {
  it('a disabled lawyer is logged out everywhere and gets the wrong-password 401 at login; re-enabled, the password works again', async () => {
    const lawyer = await newLawyer(demo.santaiFirm);
    const old = await loggedIn(lawyer.login);
    const account = await adminSc.setUserDisabled(lawyer.id, true);
    expect(account).toMatchObject({ id: lawyer.id, disabled: true, licenseNo: lawyer.login });
    expect(await sessionsOf(lawyer.id)).toBe(0);
    expect((await errorOf(old.me())).status).toBe(401);

    // raw: the answer's Set-Cookie headers are checked
    const right = await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', { login: lawyer.login, password: PASSWORD });
    const wrong = await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', { login: lawyer.login, password: 'wrong-password' });
    expect(right.status).toBe(401);
    expect(right.json).toEqual(wrong.json);
    expect(right.headers.getSetCookie()).toEqual([]);

    expect((await adminSc.setUserDisabled(lawyer.id, false)).disabled).toBe(false);
    await loggedIn(lawyer.login);
  });
});

describe('report and disabled lawyers', () => {
  const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();

  it('are left out by default, listed and flagged with includeDisabled; their evidence stays', async () => {
    const db = server.deps.db;
    const gone = await newLawyer(demo.mianyangCityFirm, '离职律师');
    await db.insert(lectureProgress).values({ userId: gone.id, lectureId: demo.lectureId, creditMinutes: 40, completedAt: new Date(), intervals: [[0, 60]] });
    await db.insert(courseCompletions).values({ userId: gone.id, courseId: demo.courseId, completedAt: new Date(), creditMinutes: 40 });
    const org = demo.mianyang;
    const before = (await adminSc.report(org, year));
    expect(before.lawyers.find((l) => l.id === gone.id)).toMatchObject({ disabled: false, creditMinutes: 40 });

    await adminSc.setUserDisabled(gone.id, true);
    const plain = (await adminSc.report(org, year));
    expect(plain.lawyers.some((l) => l.id === gone.id)).toBe(false);
    expect(plain.lawyers.every((l) => l.disabled === false)).toBe(true);
    expect(plain.totals.lawyers).toBe(before.totals.lawyers - 1);
    expect(plain.totals.creditMinutes).toBe(before.totals.creditMinutes - 40);

    const all = (await adminSc.report(org, year, { includeDisabled: true }));
    expect(all.lawyers.find((l) => l.id === gone.id)).toMatchObject({ disabled: true, creditMinutes: 40 });
    expect(all.totals.lawyers).toBe(before.totals.lawyers);

    // CSV: the same rows; the 已停用 column only with includeDisabled
    const csvOf = async (includeDisabled: boolean) => {
      const res = await adminSc.raw('GET', adminSc.reportCsvUrl(org, year, { includeDisabled }).slice(server.baseUrl.length));
      expect(res.status).toBe(200);
      return parse(res.text, { bom: true }) as string[][];
    };
    const [header, ...rows] = await csvOf(false);
    expect(header).not.toContain('已停用');
    expect(rows.some((r) => r[1]!.trim() === gone.login)).toBe(false);
    const [headerAll, ...rowsAll] = await csvOf(true);
    expect(headerAll!.at(-1)).toBe('已停用');
    expect(rowsAll.find((r) => r[1]!.trim() === gone.login)!.at(-1)).toBe('是');
    expect(rowsAll.filter((r) => r.at(-1) === '否')).toHaveLength(rows.length);
    expect((await adminSc.raw('GET', `/api/organizations/${org}/report?year=${year}&includeDisabled=maybe`)).status).toBe(400);

    // audit evidence is never deleted
    expect(Number((await db.select({ n: count() }).from(lectureProgress).where(eq(lectureProgress.userId, gone.id)))[0]!.n)).toBe(1);
    expect(Number((await db.select({ n: count() }).from(courseCompletions).where(eq(courseCompletions.userId, gone.id)))[0]!.n)).toBe(1);
    expect(Number((await db.select({ n: count() }).from(users).where(eq(users.id, gone.id)))[0]!.n)).toBe(1);
  });
});
