/**
 * Request logs (issue 10, "Shipping"): the real app (buildApp over a migrated database and local
 * storage, listening on a port, reached over HTTP) writes at most one line per request, and only
 * for 5xx answers and slow requests; every line carries an ISO time; the URL in a line has no query
 * string. The transcoder's own lines carry the time too. Logger output is captured through pino's
 * destination stream.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../server/config.ts';
import { buildApp } from '../../server/app.ts';
import { createStorage } from '../../server/storage/index.ts';
import { jsonLogger } from '../../transcoder/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

type Line = Record<string, unknown> & { level: number; time: string; msg?: string; reqId?: string };

interface LoggedApp {
  app: FastifyInstance;
  baseUrl: string;
  lines: Line[];
  /** lines written while handling a request (they carry its reqId) */
  requestLines(): Line[];
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let database: TestDatabase;
let dataDir: string;
const apps: FastifyInstance[] = [];

async function startLoggedApp(env: Record<string, string> = {}): Promise<LoggedApp> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'info',
    SEED_DEMO: 'false',
    TRANSCODER_IN_PROCESS: 'false',
    ...env,
  });
  const lines: Line[] = [];
  const stream = { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) };
  const app = await buildApp({ config, database, db: database.db, storage: createStorage(config, config.sessionSecret) }, { serveWeb: false, logger: { stream } });
  // a route that fails the way a bug does: an error no handler expects
  app.get('/api/test/boom', async () => {
    throw new Error('boom for the request log test');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, lines, requestLines: () => lines.filter((l) => l.reqId !== undefined) };
}

/** Waits for the state "a line matching `match` was written" (the line is written when the response has finished). */
async function lineWritten(logged: LoggedApp, match: (l: Line) => boolean): Promise<Line> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = logged.lines.find(match);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no such log line; lines so far:\n${logged.lines.map((l) => JSON.stringify(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-request-logs-'));
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('request logs', () => {
  it('writes no line for normal requests, one line with the time for a 500, no query string', async () => {
    const logged = await startLoggedApp();
    const health = await fetch(`${logged.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    const refused = await fetch(`${logged.baseUrl}/api/me`);
    expect(refused.status).toBe(401);
    const missing = await fetch(`${logged.baseUrl}/api/no-such-route?x=1`);
    expect(missing.status).toBe(404);

    const boom = await fetch(`${logged.baseUrl}/api/test/boom?token=s3cret-token`);
    expect(boom.status).toBe(500);
    const body = (await boom.json()) as { error: string; message: string };
    expect(body.error).toBe('internal');
    expect(body.message).not.toMatch(/boom/);
    const line = await lineWritten(logged, (l) => l.statusCode === 500);

    // the requests before it have finished by now: none of them wrote a line
    expect(logged.requestLines()).toEqual([line]);
    expect(line.level).toBe(50);
    expect(line.time).toMatch(ISO_TIME);
    expect(line).toMatchObject({ method: 'GET', url: '/api/test/boom', statusCode: 500, msg: 'unhandled error' });
    expect(typeof line.responseTime).toBe('number');
    expect((line.err as { message: string }).message).toBe('boom for the request log test');
    expect(JSON.stringify(line)).not.toContain('s3cret');
    // Fastify's own pair is off
    expect(logged.lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toBe(false);
    // the lines outside requests (start-up) carry the time too
    expect(logged.lines.length).toBeGreaterThan(1);
    for (const l of logged.lines) expect(l.time).toMatch(ISO_TIME);
  });

  it('writes exactly one line for a slow request (SLOW_REQUEST_MS=0: every request is slow)', async () => {
    const logged = await startLoggedApp({ SLOW_REQUEST_MS: '0' });
    const health = await fetch(`${logged.baseUrl}/api/health?signature=s3cret-signature`);
    expect(health.status).toBe(200);
    const line = await lineWritten(logged, (l) => l.msg === 'slow request');
    expect(line).toMatchObject({ level: 40, method: 'GET', url: '/api/health', statusCode: 200 });
    expect(line.time).toMatch(ISO_TIME);
    expect(typeof line.responseTime).toBe('number');
    expect(JSON.stringify(line)).not.toContain('s3cret');

    // a 500 that is also "slow" still writes one line, the error's
    const boom = await fetch(`${logged.baseUrl}/api/test/boom`);
    expect(boom.status).toBe(500);
    const error = await lineWritten(logged, (l) => l.statusCode === 500);
    // a later request's line shows the 500's response has finished
    await fetch(`${logged.baseUrl}/api/health`);
    await lineWritten(logged, (l) => l.msg === 'slow request' && l.reqId !== line.reqId);
    expect(logged.requestLines().filter((l) => l.reqId === error.reqId)).toEqual([error]);
    const perRequest = new Map<string, number>();
    for (const l of logged.requestLines()) perRequest.set(l.reqId!, (perRequest.get(l.reqId!) ?? 0) + 1);
    expect([...perRequest.values()]).toEqual([1, 1, 1]);
  });
});

describe("the transcoder's log lines", () => {
  it('are JSON with the level, an ISO time and the message, and follow LOG_LEVEL', () => {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const warn = vi.spyOn(console, 'warn').mockImplementation((s: string) => void out.push(s));
    try {
      jsonLogger('info').info({ jobId: 'j1' }, 'transcode started');
      jsonLogger('warn').info({ jobId: 'j2' }, 'not written at warn');
      jsonLogger('warn').warn({ jobId: 'j3' }, 'could not renew the lease');
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
    const lines = out.map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'transcode started', jobId: 'j1' });
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'could not renew the lease', jobId: 'j3' });
    for (const l of lines) expect(l.time).toMatch(ISO_TIME);
  });
});
