/** Bad input gets a clear 4xx with a message and never changes stored data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient } from '../helpers/http.ts';
import { authSessions, loginAttempts, users } from '../../server/db/schema/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

async function counts() {
  const db = server.deps.db;
  const [u] = await db.select({ n: count() }).from(users);
  const [s] = await db.select({ n: count() }).from(authSessions);
  const [a] = await db.select({ n: count() }).from(loginAttempts);
  return { users: Number(u!.n), sessions: Number(s!.n), attempts: Number(a!.n) };
}

describe('bad input', () => {
  const cases: [string, string | object, Record<string, string>][] = [
    ['malformed JSON', '{"login": "lawyer", "password": ', { 'content-type': 'application/json' }],
    ['a wrong type', { login: 42, password: ['lectern-demo'] }, {}],
    ['a missing field', { login: 'lawyer' }, {}],
    ['an unknown field', { login: 'lawyer', password: 'lectern-demo', admin: true }, {}],
    ['an empty body', '', { 'content-type': 'application/json' }],
    ['a form post (not JSON)', 'login=lawyer&password=lectern-demo', { 'content-type': 'application/x-www-form-urlencoded' }],
  ];
  for (const [name, body, headers] of cases) {
    it(`${name} → 4xx with a message, nothing stored`, async () => {
      const before = await counts();
      const res = await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', body, headers);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect((res.json as { message: string }).message.length).toBeGreaterThan(5);
      expect(await counts()).toEqual(before);
    });
  }

  it('an oversized body → 413 with a message, nothing stored', async () => {
    const before = await counts();
    const res = await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', { login: 'lawyer', password: 'x'.repeat(400_000) });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'body_too_large' });
    expect(await counts()).toEqual(before);
  });

  it('a too-long field → 400 naming the field', async () => {
    const res = await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', { login: 'l'.repeat(101), password: 'x' });
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toMatch(/login/);
  });

  it('bad query values → 400', async () => {
    const client = createTestClient(server.baseUrl);
    await client.login('lawyer', 'lectern-demo');
    for (const q of ['page=0', 'pageSize=1000', 'category=astrology', 'page=abc']) {
      const res = await client.raw('GET', `/api/courses?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('an unknown API route is a JSON 404', async () => {
    const res = await createTestClient(server.baseUrl).raw('GET', '/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'not_found' });
  });
});
