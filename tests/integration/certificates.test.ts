/**
 * Certificates end to end over HTTP: a lawyer completes the demo course by heartbeats, the
 * certificate verifies publicly, its PDF is the holder's alone, and a course of two lectures is
 * complete only when both are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { ageSession } from '../helpers/playback-time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import type { HeartbeatResponse } from '../../web/src/lib/api/types.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { CODE_ALPHABET, formatSerial, newVerificationCode, normalizeCode } from '../../server/certificates/service.ts';

let server: TestServer;
let lawyer: TestClient;
let lawyer2: TestClient;

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await server.deps.db.execute(query));
}

/** Plays a whole lecture through heartbeats (an hour of server time having passed). */
async function watch(client: TestClient, lectureId: string, duration: number) {
  const { sessionId } = await client.expectStatus(201, client.openSession(lectureId));
  await ageSession(server.deps.db, sessionId, 2 * 3600);
  let last: Partial<HeartbeatResponse> = {};
  for (let seq = 0, t = 0; t < duration; seq++, t += 15) {
    last = await client.expectStatus(200, client.sendHeartbeat(sessionId, { seq, intervals: [[t, Math.min(duration, t + 15)]], playbackRate: 1, visible: true, position: Math.min(duration, t + 15) }));
    if (last.certificateCode) return last;
  }
  return last;
}

beforeAll(async () => {
  server = await startTestServer();
  const { courseId, lectureId } = server.demo!;
  await q(sql`UPDATE lectures SET status = 'ready', duration_seconds = 120, package_prefix = ${`lectures/${lectureId}/pkg/`} WHERE id = ${lectureId}`);
  // a second lecture: the course is complete only when both are
  await q(sql`INSERT INTO lectures (course_id, position, title, status, duration_seconds, package_prefix) VALUES (${courseId}, 2, '第二讲：质证与发问', 'ready', 90, 'lectures/second/pkg/')`);
  lawyer = createTestClient(server.baseUrl);
  lawyer2 = createTestClient(server.baseUrl);
  await lawyer.login('lawyer', 'lectern-demo');
  await lawyer2.login('lawyer2', 'lectern-demo');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('codes and serials', () => {
  it('codes are 10 symbols without look-alikes; input is forgiving about case and dashes', () => {
    for (let i = 0; i < 200; i++) expect(newVerificationCode()).toMatch(new RegExp(`^[${CODE_ALPHABET}]{10}$`));
    expect(CODE_ALPHABET).not.toMatch(/[01IO]/);
    expect(normalizeCode('abcd-efgh 23')).toBe('ABCDEFGH23');
    expect(formatSerial(new Date('2025-12-31T16:00:00Z'), 123)).toBe('LC-2026-000123');
  });
});

describe('a course certificate', () => {
  let code = '';
  let certificateId = '';

  it('is issued only when every lecture of the course is complete', async () => {
    const { courseId, lectureId } = server.demo!;
    const first = await watch(lawyer, lectureId, 120);
    expect(first).toMatchObject({ completed: true, creditMinutes: 2 });
    expect(first.certificateCode).toBeUndefined();
    expect(await q(sql`SELECT * FROM certificates`)).toHaveLength(0);

    const [second] = await q<{ id: string }>(sql`SELECT id FROM lectures WHERE course_id = ${courseId} AND position = 2`);
    const last = await watch(lawyer, second!.id, 90);
    expect(last).toMatchObject({ completed: true, creditMinutes: 1 });
    code = String(last.certificateCode);
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);

    const mine = await lawyer.myCertificates();
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ code, creditMinutes: 3 });
    expect(mine[0]!.serial).toMatch(/^LC-20\d\d-\d{6}$/);
    expect(mine[0]!.verifyUrl).toMatch(new RegExp(`/verify/${code}$`));
    certificateId = mine[0]!.id;

    const credits = await lawyer.myCredits();
    expect(credits.creditMinutes).toBe(3);
    expect(credits.courses).toEqual([expect.objectContaining({ courseId, completed: true, certificateCode: code, lectureCount: 2, completedLectures: 2 })]);
  });

  it('verifies publicly by its code, and 404 for an unknown code', async () => {
    const anonymous = createTestClient(server.baseUrl);
    const verified = await anonymous.expectStatus(200, anonymous.verifyCertificate(code));
    expect(verified).toMatchObject({ valid: true, holder: '李明', course: '县域律师刑事辩护实务', creditMinutes: 3 });
    expect(new Date(verified.issuedAt).toISOString()).toBe(verified.issuedAt);
    await anonymous.expectStatus(200, anonymous.verifyCertificate(code.toLowerCase()));
    const unknown = await errorOf(anonymous.verifyCertificate('ZZZZZZZZZZ'));
    expect([unknown.status, unknown.code]).toEqual([404, 'not_found']);
  });

  it('downloads as a PDF with the CJK font embedded, for its holder only', async () => {
    const res = await lawyer.raw('GET', `/api/me/certificates/${certificateId}/pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/certificate-LC-.*\.pdf/);
    const bytes = Buffer.from(await (await fetch(`${server.baseUrl}/api/me/certificates/${certificateId}/pdf`, { headers: { cookie: lawyer.jar.header()! } })).arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = bytes.toString('latin1');
    expect(text).toContain('/Subtype /Image'); // the QR code
    if (text.includes('CJK')) expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+Noto\w*CJK/);
    else console.warn('[certificates.test] no CJK font on this machine: the PDF was rendered in English only');
    expect(bytes.length).toBeLessThan(1_500_000);

    expect((await lawyer2.raw('GET', `/api/me/certificates/${certificateId}/pdf`)).status).toBe(403);
    expect((await createTestClient(server.baseUrl).raw('GET', `/api/me/certificates/${certificateId}/pdf`)).status).toBe(401);
    expect((await lawyer.raw('GET', '/api/me/certificates/00000000-0000-4000-8000-000000000000/pdf')).status).toBe(404);
    expect((await lawyer.raw('GET', '/api/me/certificates/not-a-uuid/pdf')).status).toBe(400);
  });

  it('another lawyer completing the course gets their own serial and code', async () => {
    const { courseId, lectureId } = server.demo!;
    await watch(lawyer2, lectureId, 120);
    const [second] = await q<{ id: string }>(sql`SELECT id FROM lectures WHERE course_id = ${courseId} AND position = 2`);
    const last = await watch(lawyer2, second!.id, 90);
    expect(last.certificateCode).toBeDefined();
    expect(last.certificateCode).not.toBe(code);
    const certs = await q<{ serial: string }>(sql`SELECT serial FROM certificates ORDER BY serial`);
    expect(certs).toHaveLength(2);
    expect(new Set(certs.map((c) => c.serial)).size).toBe(2);
  });
});
