/**
 * The OpenAPI document (issue 13: contracts others can build on) is valid and complete:
 * `@redocly/cli lint` with its recommended rules reports no error, `@apidevtools/swagger-parser`
 * validates it, and every API route the server registers is in it (the tus upload endpoints,
 * served outside Fastify's schemas, included). Warnings are printed, not failed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);
const REDOCLY = path.resolve(import.meta.dirname, '../../node_modules/@redocly/cli/bin/cli.js');

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; summary?: string; security?: unknown[] }>>;
}

let server: TestServer;
let doc: Document;
let dir = '';
let file = '';

beforeAll(async () => {
  server = await startTestServer();
  doc = (await (await fetch(new URL('/api/openapi.json', server.baseUrl))).json()) as Document;
  dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-openapi-'));
  file = path.join(dir, 'openapi.json');
  await writeFile(file, JSON.stringify(doc));
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `/api/courses/:courseId`, `/api/media/:exp/:sig/*` and the tus routes as the document writes them */
const documentedPath = (url: string) =>
  url === '/api/uploads/*' ? '/api/uploads/{uploadId}' : url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');

/**
 * The tus routes take every tus method on both URLs and hand the request to @tus/server, which
 * refuses these combinations itself: they are not operations a client can use.
 */
const NOT_OPERATIONS = new Set(['HEAD /api/uploads', 'PATCH /api/uploads', 'DELETE /api/uploads', 'POST /api/uploads/*']);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and passes Redocly’s recommended rules with no error', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // lint exits non-zero on errors; the JSON report is on stdout either way
    const result = await run(process.execPath, [REDOCLY, 'lint', file, '--format=json', '--max-problems=1000'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 32 * 1024 * 1024,
    }).catch((error: { stdout: string }) => error);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
    const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    const warnings = report.problems.filter((p) => p.severity === 'warn');
    if (warnings.length) console.info(`[openapi] ${warnings.length} Redocly warnings: ${[...new Set(warnings.map((w) => w.ruleId))].join(', ')}`);
    expect(errors).toEqual([]);
  }, 120_000);

  it('validates with swagger-parser', async () => {
    await expect(SwaggerParser.validate(file)).resolves.toBeTruthy();
  });

  it('has every API route the server registers, each with an operationId, a summary and its security', () => {
    const routes = server.app.registeredRoutes;
    const hasGet = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
    const api = routes.filter(
      ({ method, url }) =>
        url.startsWith('/api/') &&
        method !== 'OPTIONS' &&
        // Fastify answers HEAD for every GET by itself: the GET is the documented operation
        !(method === 'HEAD' && hasGet.has(url) && url !== '/api/media/:exp/:sig/*') &&
        !NOT_OPERATIONS.has(`${method} ${url}`) &&
        !url.startsWith('/api/docs') &&
        url !== '/api/openapi.json',
    );
    expect(api.length).toBeGreaterThan(40);
    const missing = api.filter(({ method, url }) => !doc.paths[documentedPath(url)]?.[method.toLowerCase()]).map(({ method, url }) => `${method} ${url}`);
    expect(missing).toEqual([]);
    // the resumable upload, which a generated client needs to add a lecture
    expect(Object.keys(doc.paths['/api/uploads/{uploadId}'] ?? {})).toEqual(expect.arrayContaining(['head', 'patch', 'delete']));
    for (const [url, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        expect(operation.operationId, `${method} ${url}`).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
        expect(operation.summary, `${method} ${url}`).toBeTruthy();
        expect(Array.isArray(operation.security), `${method} ${url}`).toBe(true);
      }
    }
    // a session route needs the cookie; login and the public verify page do not
    expect(doc.paths['/api/courses']!.get!.security).toEqual([{ session: [] }]);
    expect(doc.paths['/api/auth/login']!.post!.security).toEqual([]);
  });
});
