/** The app as a whole: health, OpenAPI, security headers, compression, graceful errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient } from '../helpers/http.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe('the API as a whole', () => {
  it('serves an OpenAPI document that lists the fixed core of API.md', async () => {
    const res = await createTestClient(server.baseUrl).raw('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const [p, method] of [
      ['/api/health', 'get'],
      ['/api/auth/login', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/me', 'get'],
      ['/api/courses', 'get'],
      ['/api/courses/{courseId}', 'get'],
      ['/api/organizations', 'get'],
      ['/api/organizations/{orgId}', 'get'],
    ] as const) {
      expect(doc.paths[p]?.[method], `${method} ${p}`).toBeDefined();
    }
    const docs = await createTestClient(server.baseUrl).raw('GET', '/api/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toMatch(/swagger/i);
  });

  it('sends security headers and no permissive CORS', async () => {
    const res = await createTestClient(server.baseUrl).raw('GET', '/api/health', undefined, { origin: 'https://evil.example' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('compresses JSON for slow lines', async () => {
    const client = createTestClient(server.baseUrl);
    await client.login('admin', 'lectern-demo');
    const res = await fetch(`${server.baseUrl}/api/openapi.json`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(['br', 'gzip']).toContain(res.headers.get('content-encoding'));
  });

  // Health itself (storage down, probes, readiness): tests/integration/health.test.ts.
});

describe('health without a database', () => {
  it('answers 503 when the database is gone', async () => {
    const s = await startTestServer({ backend: 'pglite' });
    try {
      await s.testDatabase.close();
      const res = await createTestClient(s.baseUrl).raw('GET', '/api/health');
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ failing: ['database'] });
    } finally {
      await s.app.close();
      await rm(s.dataDir, { recursive: true, force: true });
    }
  });
});
