/**
 * Delivery of the xAPI statements to a learning record store (docs/operations.md, "Sending xAPI to
 * an LRS") against a real HTTP LRS (tests/helpers/test-lrs.ts), on a real database (PostgreSQL when
 * DATABASE_URL is set, else PGlite) with a really transcoded lecture: outages (503, dropped
 * connections) and a process restart end with every statement stored exactly once, with the content
 * the export answers; wrong credentials fail with an actionable reason; only national
 * administrators see or retry. States are waited for, never times.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../server/config.ts';
import { startPlatform, type Platform } from '../../server/platform.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { ageSession } from '../helpers/playback-time.ts';
import { startTestLrs, type TestLrs } from '../helpers/test-lrs.ts';
import zhCN from '../../web/src/lib/i18n/zh-CN-staff.ts';
import en from '../../web/src/lib/i18n/en.ts';

let database: TestDatabase;
let dataDir: string;
let lrs: TestLrs;
let platform: Platform;
let lectureId: string;
let nationalId: string;

async function start(): Promise<Platform> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'true',
    TRANSCODER_IN_PROCESS: 'false',
    LRS_ENDPOINT: lrs.endpoint,
    LRS_USERNAME: 'lectern-key',
    LRS_PASSWORD: 'lectern-secret',
    LRS_SETTLE_MINUTES: '0',
    LRS_POLL_SECONDS: '1',
    LRS_RETRY_SECONDS: '0',
    LRS_BATCH_SIZE: '7',
    LRS_TIMEOUT_MS: '5000',
  });
  return startPlatform(config, { serveWeb: false, logger: false, database, backgroundJobs: { pollMs: 100 } });
}

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await database.db.execute(query));
}

/** Waits for a state (the test's own timeout bounds it). */
async function until(what: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 50));
}

async function client(login: string): Promise<TestClient> {
  const c = createTestClient(platform.url);
  await c.login(login, 'lectern-demo');
  return c;
}

/** The lawyer watches a few heartbeats of the lecture in a new session (which closes the one before). */
async function watch(lawyer: TestClient): Promise<string> {
  const { sessionId } = await lawyer.expectStatus(201, lawyer.openSession(lectureId));
  await ageSession(database.db, sessionId, 60);
  for (const [seq, from, to] of [[0, 0, 5], [1, 5, 10], [2, 14, 18]] as const) {
    await lawyer.expectStatus(200, lawyer.sendHeartbeat(sessionId, { seq, intervals: [[from, to]], playbackRate: 1, visible: true, position: to }));
  }
  return sessionId;
}

const outbox = (state?: string) => q<{ n: unknown }>(state ? sql`SELECT count(*) AS n FROM lrs_statements WHERE state = ${state}` : sql`SELECT count(*) AS n FROM lrs_statements`).then((r) => Number(r[0]!.n));
const ofSession = (sessionId: string) => q<{ id: string; state: string; attempts: number; last_error_code: string | null }>(sql`SELECT id, state, attempts, last_error_code FROM lrs_statements WHERE session_id = ${sessionId}`);

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lrs-test-'));
  lrs = await startTestLrs({ username: 'lectern-key', password: 'lectern-secret' });
  lrs.mode = 'unavailable';
  platform = await start();
  nationalId = platform.demo!.national;
  lectureId = await createReadyLecture(platform, { seconds: 20, title: 'LRS 投递测试讲' });
}, 180_000);

afterAll(async () => {
  await platform?.close();
  await lrs?.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('LRS delivery', () => {
  it('delivers every statement exactly once across 503s, dropped connections and a restart', async () => {
    const lawyer = await client('lawyer');
    const first = await watch(lawyer);
    await watch(lawyer); // closes the first session: its statements are final
    // queued, and tried against the LRS that is down
    await until(async () => (await ofSession(first)).some((s) => s.last_error_code === 'lrs_unavailable'));
    lrs.mode = 'drop';
    await until(async () => (await ofSession(first)).some((s) => s.last_error_code === 'lrs_unreachable'));
    expect(lrs.stored.size).toBe(0);

    // a restart while statements wait; the LRS comes back while the process is down
    await platform.close();
    lrs.mode = 'ok';
    platform = await start();
    await until(async () => (await outbox('queued')) === 0 && (await outbox()) > 0);

    const rows = await q<{ id: string; payload: unknown }>(sql`SELECT id, payload FROM lrs_statements`);
    expect(await outbox('failed')).toBe(0);
    expect(lrs.stored.size).toBe(rows.length);
    expect([...lrs.storedTimes.values()].every((n) => n === 1)).toBe(true);
    expect(lrs.conflicts).toEqual([]);
    expect(lrs.invalid).toEqual([]);
    // what the LRS holds is what the export answers for the session
    const admin = await client('admin');
    const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();
    const exported = (await admin.evidenceXapi(nationalId, year, 10000)).statements as { id: string; context: { registration: string } }[];
    const mine = exported.filter((s) => s.context.registration === first);
    expect(mine.length).toBeGreaterThan(3);
    for (const s of mine) expect(lrs.stored.get(s.id)).toEqual(s);

    // nothing is sent twice: another run finds nothing new for the delivered sessions
    const before = lrs.requests.length;
    const status = await admin.lrsStatus();
    expect(status).toMatchObject({ configured: true, queued: 0, failed: 0, sent: rows.length });
    expect(status.lastSentAt).not.toBeNull();
    expect(lrs.requests.slice(before).every((r) => r.count === 0)).toBe(true);
  }, 120_000);

  it('fails with an actionable reason on wrong credentials, and an audited retry delivers', async () => {
    const lawyer = await client('lawyer');
    lrs.password = 'rotated-at-the-lrs';
    const session = await watch(lawyer);
    await watch(lawyer);
    await until(async () => (await ofSession(session)).length > 0 && (await ofSession(session)).every((s) => s.state === 'failed'));
    expect((await ofSession(session)).every((s) => s.last_error_code === 'lrs_unauthorized')).toBe(true);

    const admin = await client('admin');
    const status = await admin.lrsStatus();
    expect(status.failed).toBeGreaterThan(0);
    expect(status.lastError).toMatchObject({ code: 'lrs_unauthorized', detail: 'HTTP 401' });
    expect(status.lastError!.message).toContain('LRS_PASSWORD');
    expect(JSON.stringify(status)).not.toContain('127.0.0.1');
    expect(JSON.stringify(status)).not.toContain('lectern-secret');
    expect(zhCN['admin.lrs.error.lrs_unauthorized']).toContain('LRS_PASSWORD');
    expect(en['admin.lrs.error.lrs_unauthorized']).toContain('LRS_PASSWORD');

    lrs.password = 'lectern-secret';
    const retried = await admin.expectStatus(200, admin.retryFailedLrs());
    expect(retried.requeued).toBe(status.failed);
    await until(async () => (await ofSession(session)).every((s) => s.state === 'sent'));
    for (const s of await ofSession(session)) expect(lrs.storedTimes.get(s.id)).toBe(1);
    const [entry] = await q<{ action: string; organization_id: string }>(sql`SELECT action, organization_id FROM audit_log WHERE action = 'lrs.failed_retried'`);
    expect(entry).toEqual({ action: 'lrs.failed_retried', organization_id: nationalId });
  }, 120_000);

  it('answers 403 to anyone but a national administrator', async () => {
    for (const login of ['admin-sc', 'lawyer', 'trainer']) {
      const c = await client(login);
      expect((await errorOf(c.lrsStatus())).status).toBe(403);
      expect((await errorOf(c.retryFailedLrs())).status).toBe(403);
    }
    expect((await errorOf(createTestClient(platform.url).lrsStatus())).status).toBe(401);
  });
});
