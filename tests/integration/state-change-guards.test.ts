/**
 * Requests that change state must come from the web app itself: a same-site or cross-site page
 * (a form, or a fetch without CORS) cannot close a lawyer's session or open a playback session,
 * and answers that hold personal data are never stored by a browser or proxy cache.
 *
 * raw() stays where the test is the headers: the content type, Origin and Sec-Fetch-Site sent,
 * Cache-Control answered; the typed client sets none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, settle, type TestClient } from '../helpers/http.ts';

let server: TestServer;
let lawyer: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  lawyer = createTestClient(server.baseUrl);
  await lawyer.login('lawyer', 'lectern-demo');
});
afterAll(async () => server?.close());

const stillLoggedIn = async () => (await settle(lawyer.me())).ok;

describe('state changes only from the web app', () => {
  it('a body-less POST with a form content type is refused (415) and the session stays open', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await lawyer.raw('POST', '/api/auth/logout', '', { 'content-type': type });
      expect(res.status, type).toBe(415);
      expect(res.json).toMatchObject({ error: 'unsupported_media_type' });
      expect(await stillLoggedIn()).toBe(true);
    }
    const withBody = await lawyer.raw('POST', '/api/auth/logout', 'x=1', { 'content-type': 'text/plain' });
    expect(withBody.status).toBe(415);
    expect(await stillLoggedIn()).toBe(true);
  });

  it('a request from another site is refused (403) by Sec-Fetch-Site or Origin', async () => {
    const attempts: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `${server.baseUrl}.evil.example` },
    ];
    for (const headers of attempts) {
      const res = await lawyer.raw('POST', '/api/auth/logout', undefined, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.json).toMatchObject({ error: 'cross_site_request' });
      expect(await stillLoggedIn()).toBe(true);
    }
  });

  it('the web app itself (same origin, JSON or no body) is let through', async () => {
    const other = createTestClient(server.baseUrl);
    const login = await other.raw('POST', '/api/auth/login', { login: 'lawyer', password: 'lectern-demo' }, { origin: server.baseUrl, 'sec-fetch-site': 'same-origin' });
    expect(login.status).toBe(200);
    const logout = await other.raw('POST', '/api/auth/logout', undefined, { origin: server.baseUrl, 'sec-fetch-site': 'same-origin' });
    expect(logout.status).toBe(204);
    expect((await errorOf(other.me())).status).toBe(401);
  });

  it('reads are not affected by the guard (a link from another site may open a page)', async () => {
    const res = await lawyer.raw('GET', '/api/me', undefined, { 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(200);
  });
});

describe('personal answers are not cached', () => {
  it('/api/me, my credits and the xAPI evidence say Cache-Control: no-store', async () => {
    expect((await lawyer.raw('GET', '/api/me')).headers.get('cache-control')).toMatch(/no-store/);
    expect((await lawyer.raw('GET', '/api/me/credits')).headers.get('cache-control')).toMatch(/no-store/);
    const admin = createTestClient(server.baseUrl);
    await admin.login('admin', 'lectern-demo');
    const orgs = await admin.organizations();
    const evidence = await admin.raw('GET', `/api/organizations/${orgs[0]!.id}/evidence.xapi.json`);
    expect(evidence.status).toBe(200);
    expect(evidence.headers.get('cache-control')).toMatch(/no-store/);
  });

  it('an error answer is not cached either', async () => {
    const res = await createTestClient(server.baseUrl).raw('GET', '/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });
});
