import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, ApiError } from '../helpers/http.ts';
import { authSessions, loginAttempts } from '../../server/db/schema/index.ts';

// raw() stays only where a test reads the answer's headers (Set-Cookie, Retry-After), which the
// typed client does not expose; everything else goes through the typed client.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe('login, me, logout', () => {
  it('logs in with a demo account, sets an HttpOnly SameSite cookie and answers /api/me', async () => {
    const client = createTestClient(server.baseUrl);
    const res = await client.raw('POST', '/api/auth/login', { login: 'lawyer', password: 'lectern-demo' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ user: { login: 'lawyer', name: '李明' } });
    const cookie = res.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/lectern_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http in tests; on when PUBLIC_URL is https
    // and the device cookie of the login limit (docs/accounts.md), HttpOnly as well
    expect(cookie).toMatch(/lectern_device=[^;]+;.*HttpOnly/i);

    const me = await client.me();
    expect(me).toMatchObject({ login: 'lawyer', organizationId: server.demo!.santaiFirm, roles: [] });
  });

  it('all five demo logins work and carry their roles', async () => {
    const expected: Record<string, { role: string; org: string }[]> = {
      lawyer: [],
      lawyer2: [],
      trainer: [{ role: 'trainer', org: server.demo!.national }],
      'admin-sc': [{ role: 'admin', org: server.demo!.sichuan }],
      admin: [{ role: 'admin', org: server.demo!.national }],
    };
    for (const [login, roles] of Object.entries(expected)) {
      const client = createTestClient(server.baseUrl);
      await client.login(login, 'lectern-demo');
      const me = await client.me();
      expect(me.roles.map((r) => ({ role: r.role, org: r.organizationId }))).toEqual(roles);
    }
  });

  it('answers 401 without a session', async () => {
    const refused = await errorOf(createTestClient(server.baseUrl).me());
    expect(refused.status).toBe(401);
    expect(refused.code).toBe('unauthenticated');
  });

  it('gives the same 401 for an unknown login and a wrong password', async () => {
    const client = createTestClient(server.baseUrl);
    const wrongPassword = await client.raw('POST', '/api/auth/login', { login: 'admin', password: 'not-it' });
    const unknownLogin = await client.raw('POST', '/api/auth/login', { login: 'nobody-here', password: 'not-it' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownLogin.status).toBe(401);
    expect(wrongPassword.json).toEqual(unknownLogin.json);
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
  });

  it('logout ends the session on the server, not just in the browser', async () => {
    const client = createTestClient(server.baseUrl);
    await client.login('admin', 'lectern-demo');
    const token = client.jar.cookies.get('lectern_session')!;
    const stolen = createTestClient(server.baseUrl);
    stolen.jar.cookies.set('lectern_session', token);
    expect((await stolen.me()).login).toBe('admin');
    await client.logout();
    expect((await errorOf(stolen.me())).status).toBe(401);
    const rows = await server.deps.db.select({ n: count() }).from(authSessions);
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(0);
  });

  it('the 11th login try in a minute answers 429, even with the right password', async () => {
    // a fresh account, so no earlier test's tries count in this minute
    await server.app.services.auth.createUser({ login: 'limit-me', name: '限流', password: 'lectern-demo', organizationId: server.demo!.ganguFirm });
    const client = createTestClient(server.baseUrl);
    for (let i = 1; i <= 10; i++) {
      const refused = await errorOf(client.login('limit-me', `guess-${i}`));
      expect(refused.status, `try ${i}`).toBe(401);
    }
    const eleventh = await client.raw('POST', '/api/auth/login', { login: 'limit-me', password: 'lectern-demo' });
    expect(eleventh.status).toBe(429);
    expect(eleventh.json).toMatchObject({ error: 'too_many_attempts' });
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // the limit lives in the database, so every API replica sees it
    const tries = await server.deps.db.select({ n: count() }).from(loginAttempts).where(eq(loginAttempts.login, 'limit-me'));
    expect(Number(tries[0]!.n)).toBe(10);
  });

  it('a new password among the commonest, one character repeated or blank-looking is refused, and nothing changes', async () => {
    await server.app.services.auth.createUser({ login: 'picks-badly', name: '弱密码', password: 'lectern-demo', organizationId: server.demo!.ganguFirm });
    const client = createTestClient(server.baseUrl);
    await client.login('picks-badly', 'lectern-demo');
    const refused: [string, string][] = [
      ['12345678', 'password_too_common'],
      ['Password', 'password_too_common'],
      ['ｐａｓｓｗｏｒｄ', 'password_too_common'], // full-width, as a Chinese input method types it
      ['aaaaaaaa', 'password_too_common'],
      ['        ', 'password_blank'],
      ['\u3000'.repeat(8), 'password_blank'],
      ['\u200B'.repeat(10), 'password_blank'],
      [`1234${'\u200B'.repeat(6)}`, 'password_too_short'],
    ];
    for (const [newPassword, code] of refused) {
      const refused = await errorOf(client.changePassword('lectern-demo', newPassword));
      expect(refused.status, JSON.stringify(newPassword)).toBe(400);
      expect({ error: refused.code, message: refused.message }, JSON.stringify(newPassword)).toMatchObject({ error: code, message: expect.stringMatching(/^The new password must/) });
    }
    // the right current password each time: no failure was counted, and the password is unchanged
    await createTestClient(server.baseUrl).login('picks-badly', 'lectern-demo');
    await client.expectStatus(204, client.changePassword('lectern-demo', 'a-password-of-my-own'));
  });

  it('the typed client surfaces server error codes', async () => {
    const client = createTestClient(server.baseUrl);
    await expect(client.me()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(client.me()).rejects.toBeInstanceOf(ApiError);
  });
});
