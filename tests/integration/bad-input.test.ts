/** Bad input gets a clear 4xx with a message and never changes stored data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type RawResponse, type TestClient } from '../helpers/http.ts';
import { authSessions, courses, lectures, loginAttempts, trainingPlans, users } from '../../server/db/schema/index.ts';
import { catalogApi } from '../../web/src/lib/api/learning.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';

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

/**
 * Characters that are not text (issue 7, findings 4 and 7): NUL anywhere in a query string, a
 * path parameter or a JSON string is a 400 before any database call (PostgreSQL answered it with
 * a 500); titles, names, logins and queries refuse every control character and text-direction
 * override, summaries all but LF and CR LF line breaks.
 */
describe('characters that are not text', () => {
  const NOT_TEXT = ['\u0000', '\r=1+1', 'a\nb', '\t', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u202Eevil', '\u2066', '\uD800'];
  let trainer: TestClient;
  let adminSc: TestClient;
  let lawyer: TestClient;
  let courseId: string;
  let lectureId: string;

  beforeAll(async () => {
    const login = async (name: string) => {
      const c = createTestClient(server.baseUrl);
      await c.login(name, 'lectern-demo');
      return c;
    };
    [trainer, adminSc, lawyer] = await Promise.all([login('trainer'), login('admin-sc'), login('lawyer')]);
    courseId = (await trainer.expectStatus(201, teachApi(trainer).createCourse({ title: '字符测试课程', category: 'civil_commercial', organizationId: server.demo!.national }))).id;
    lectureId = (await trainer.expectStatus(201, teachApi(trainer).addLecture(courseId, '第一讲'))).id;
  });

  async function stored() {
    const db = server.deps.db;
    const n = async (table: typeof courses | typeof lectures | typeof trainingPlans) => Number((await db.select({ n: count() }).from(table))[0]!.n);
    const [course] = await db.select({ title: courses.title, summary: courses.summary }).from(courses).where(eq(courses.id, courseId));
    const [lecture] = await db.select({ title: lectures.title }).from(lectures).where(eq(lectures.id, lectureId));
    return { ...(await counts()), courses: await n(courses), lectures: await n(lectures), plans: await n(trainingPlans), course, lecture };
  }

  function expectInvalidCharacters(res: RawResponse, field: string, label: string): void {
    expect(res.status, `${label}: ${res.text}`).toBe(400);
    expect(res.json, label).toMatchObject({ error: 'invalid_characters', message: expect.stringContaining(field) });
  }

  it('NUL in the login or password → 400 invalid_characters, no login attempt stored', async () => {
    const before = await counts();
    for (const body of [{ login: 'law\u0000yer', password: 'lectern-demo' }, { login: 'lawyer', password: 'lectern\u0000demo' }, { login: '\u0000', password: '\u0000' }]) {
      expectInvalidCharacters(await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', body), body.login.includes('\u0000') ? 'login' : 'password', JSON.stringify(body));
    }
    expectInvalidCharacters(await createTestClient(server.baseUrl).raw('POST', '/api/auth/login', { login: 'lawyer\r\nadmin', password: 'x' }), 'login', 'CR LF in a login');
    expect(await counts()).toEqual(before);
  });

  it('NUL in a query string or a path parameter → 400 invalid_characters', async () => {
    for (const path of ['/api/courses?q=%00', '/api/courses?q=%E5%88%91%00', `/api/organizations/${server.demo!.sichuan}/report?year=2027%00`]) {
      expectInvalidCharacters(await (path.includes('report') ? adminSc : lawyer).raw('GET', path), path.includes('report') ? 'year' : 'q', path);
    }
    expectInvalidCharacters(await createTestClient(server.baseUrl).raw('GET', '/api/certificates/verify/AB%00CD'), 'code', 'verify code');
    expectInvalidCharacters(await lawyer.raw('GET', '/api/courses/%00'), 'courseId', 'course id');
    for (const bad of ['\u202E', '\r', '\u0007']) expectInvalidCharacters(await lawyer.raw('GET', `/api/courses?q=${encodeURIComponent(`刑事${bad}`)}`), 'q', JSON.stringify(bad));
    // what people search for still works
    await lawyer.expectStatus(200, catalogApi(lawyer).list({ q: '刑事 辩护=1+1' }));
  });

  it('course and lecture titles and plan names refuse every control character and override, nothing stored', async () => {
    const before = await stored();
    for (const bad of NOT_TEXT) {
      const title = `合同${bad}实务`;
      const label = JSON.stringify(bad);
      expectInvalidCharacters(await trainer.raw('POST', '/api/courses', { title, category: 'civil_commercial', organizationId: server.demo!.national }), 'title', `new course ${label}`);
      expectInvalidCharacters(await trainer.raw('PATCH', `/api/courses/${courseId}`, { title }), 'title', `course ${label}`);
      expectInvalidCharacters(await trainer.raw('POST', `/api/courses/${courseId}/lectures`, { title }), 'title', `new lecture ${label}`);
      expectInvalidCharacters(await trainer.raw('PATCH', `/api/lectures/${lectureId}`, { title }), 'title', `lecture ${label}`);
      expectInvalidCharacters(await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/plans`, { year: 2027, name: title, requiredMinutes: 60 }), 'name', `plan ${label}`);
    }
    expectInvalidCharacters(await trainer.raw('POST', '/api/courses', { title: '合同', category: 'civil_commercial', audience: ['county_lawyers\u0000'], organizationId: server.demo!.national }), 'audience', 'NUL in an array item');
    expect(await stored()).toEqual(before);
  });

  it('a summary takes LF and CR LF line breaks but no other control character or override', async () => {
    const before = await stored();
    for (const bad of ['\u0000', 'a\rb', '\t', '\u000b', '\u0085', '\u2029', '\u202E', '\u2067']) {
      expectInvalidCharacters(await trainer.raw('PATCH', `/api/courses/${courseId}`, { summary: `第一段\n${bad}` }), 'summary', JSON.stringify(bad));
      expectInvalidCharacters(await trainer.raw('POST', '/api/courses', { title: '合同', summary: bad, category: 'civil_commercial', organizationId: server.demo!.national }), 'summary', JSON.stringify(bad));
    }
    expect(await stored()).toEqual(before);
    const fine = await trainer.expectStatus(200, teachApi(trainer).updateCourse(courseId, { summary: '第一段\n第二段\r\n第三段 =1+1' }));
    expect(fine.summary).toBe('第一段\n第二段\r\n第三段 =1+1');
  });

  it('roster rows whose name or firm holds such a character are bad rows, named by line; NUL in the file is a 400', async () => {
    const before = await counts();
    const csv = [
      'licenseNo,name,firm',
      '15107202310000911,周一,三台县明理律师事务所',
      '15107202310000912,"吴二\r=1+1",三台县明理律师事务所',
      '15107202310000913,郑\u202E三,三台县明理律师事务所',
      '15107202310000914,王四,"三台县明理律师事务所\u0085"',
    ].join('\n');
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { csv });
    expect(res.status, res.text).toBe(400);
    const body = res.json as { error: string; problems: { row: number; column?: string; message: string }[] };
    expect(body.error).toBe('roster_invalid');
    expect(body.problems).toEqual([
      { row: 3, column: 'name', message: expect.stringContaining('U+000D') },
      { row: 4, column: 'name', message: expect.stringContaining('U+202E') },
      { row: 5, column: 'firm', message: expect.stringContaining('U+0085') },
    ]);
    expectInvalidCharacters(await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { csv: 'licenseNo,name,firm\n15107202310000915,周\u0000五,三台县明理律师事务所' }), 'csv', 'NUL in the roster');
    expect(await counts()).toEqual(before);
  });
});
