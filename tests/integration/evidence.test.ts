/**
 * The evidence behind a lawyer's credited minutes (docs/audit.md, "The evidence page"), over HTTP on a
 * real database (PostgreSQL when DATABASE_URL is set, else PGlite) with a really transcoded lecture.
 * The lawyer watches through the real playback routes; the page's numbers are checked against the
 * heartbeat rows the server stored, not against numbers written into the test. Time is never slept:
 * a session's opened_at is moved back to stand for server time that passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type ApiError, type TestClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { startFromFullTolerance } from '../helpers/playback-time.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import type { LawyerEvidence, EvidenceSession, RefusalReason } from '../../web/src/lib/api/types.ts';
import { evidenceApi } from '../../web/src/routes/evidence/evidence-api.ts';

/** A lawyer on a phone in WeChat's built-in browser, as county lawyers often are. */
const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C57) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';
const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let server: TestServer;
let lawyer: TestClient;
let lawyer2: TestClient;
let adminSc: TestClient;
let admin: TestClient;
let trainer: TestClient;
let courseId: string;
let lectureId: string;
/** the Shanghai calendar year: the demo's training year (January start) */
const year = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();

let sessionA: string;
let sessionB: string;
let certificateCode: string | undefined;
let checkId: string | undefined;
let due = 0;
/** the transcoded lecture's probed length (a little over 20 s) */
let duration: number;

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await server.deps.db.execute(query));
}

/**
 * Stands for the session having been opened `seconds` ago on the database clock. A negative value
 * puts the opening in the future: then no time has passed for the real-time bound however slow this
 * machine is, and a heartbeat may be credited its 5 s tolerance and nothing more.
 */
async function openedAgo(sessionId: string, seconds: number) {
  await q(sql`UPDATE playback_sessions SET opened_at = now() - make_interval(secs => ${seconds}), allowance_at = now() - make_interval(secs => ${seconds}), last_heard_at = now() WHERE id = ${sessionId}`);
}

async function open(client: TestClient, userAgent: string): Promise<string> {
  const res = await client.raw('POST', `/api/lectures/${lectureId}/sessions`, {}, { 'user-agent': userAgent });
  expect(res.status, res.text).toBe(201);
  return (res.json as { sessionId: string }).sessionId;
}

type BeatAnswer = { acceptedSeconds: number; rejected: { reason: string }[]; completed: boolean; presenceCheck?: { id: string }; certificateCode?: string };

async function beat(sessionId: string, userAgent: string, body: Record<string, unknown>): Promise<BeatAnswer> {
  const res = await lawyer.raw('POST', `/api/sessions/${sessionId}/heartbeats`, { playbackRate: 1, visible: true, position: 0, ...body }, { 'user-agent': userAgent });
  expect(res.status, res.text).toBe(200);
  const answer = res.json as BeatAnswer;
  if (answer.presenceCheck) checkId ??= answer.presenceCheck.id;
  if (answer.certificateCode) certificateCode = answer.certificateCode;
  return answer;
}

/** What the stored heartbeats of a session say: count, accepted media seconds, refused seconds per reason. */
async function stored(sessionId: string) {
  const rows = await q<{ accepted: unknown; rejected: unknown; received_at: unknown; ip: string | null }>(sql`SELECT accepted, rejected, received_at, ip FROM heartbeats WHERE session_id = ${sessionId} ORDER BY id`);
  const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  let accepted = 0;
  const refused = new Map<string, { seconds: number; heartbeats: number }>();
  for (const r of rows) {
    for (const [from, to] of parse<[number, number][]>(r.accepted)) accepted += to - from;
    const reasons = new Set<string>();
    for (const x of parse<{ from: number; to: number; reason: string }[]>(r.rejected)) {
      const entry = refused.get(x.reason) ?? { seconds: 0, heartbeats: 0 };
      entry.seconds += x.to - x.from;
      if (!reasons.has(x.reason)) entry.heartbeats += 1;
      reasons.add(x.reason);
      refused.set(x.reason, entry);
    }
  }
  const last = rows.length ? iso(rows[rows.length - 1]!.received_at) : null;
  const addresses = [...new Set(rows.map((r) => r.ip).filter((ip): ip is string => ip !== null))].sort();
  return { count: rows.length, accepted, refused, last, addresses };
}

/** A timestamp column as ISO text, whichever form the driver handed back. */
function iso(value: unknown): string {
  return new Date(value as string | Date).toISOString();
}

function refusedOf(session: EvidenceSession, reason: RefusalReason): number {
  return session.refused.find((r) => r.reason === reason)?.seconds ?? 0;
}

/** raw: for the Cache-Control header and the malformed ids, years and query strings */
async function evidence(client: TestClient, userId: string, query = `?year=${year}`) {
  return client.raw('GET', `/api/users/${userId}/evidence${query}`);
}

/** The evidence page's call through the typed client; default: this test's year. */
function yearOf(client: TestClient, userId: string, wanted: number | null = year) {
  return evidenceApi(client).lawyer(userId, wanted);
}

beforeAll(async () => {
  server = await startTestServer();
  const clients = await Promise.all(
    ['lawyer', 'lawyer2', 'admin-sc', 'admin', 'trainer'].map(async (login) => {
      const client = createTestClient(server.baseUrl);
      await client.login(login, 'lectern-demo');
      return client;
    }),
  );
  [lawyer, lawyer2, adminSc, admin, trainer] = clients as [TestClient, TestClient, TestClient, TestClient, TestClient];
  // A published one-lecture course with presence checks, so completing the lecture completes the course.
  const course = await new CatalogRepository(server.deps.db).insertCourse({
    organizationId: server.demo!.national,
    title: '证据审查与质证（证据页测试）',
    category: 'criminal',
    status: 'published',
    publishedAt: new Date(),
    presenceChecks: true,
    requireVisible: true,
  });
  courseId = course.id;
  lectureId = await createReadyLecture(server, { courseId, seconds: 20, title: '第一讲：书证与物证' });
  await q(sql`UPDATE lectures SET credit_minutes_override = 1 WHERE id = ${lectureId}`);
  const [row] = await q<{ duration_seconds: unknown }>(sql`SELECT duration_seconds FROM lectures WHERE id = ${lectureId}`);
  duration = Number(row!.duration_seconds);
  await startFromFullTolerance(server.deps.db, server.demo!.users.lawyer);
}, 300_000);

afterAll(async () => {
  await server?.close();
});

describe('GET /api/users/:userId/evidence', () => {
  it('shows each session with its address, device, accepted and refused seconds as stored, presence checks and the certificate', async () => {
    // Session A on the phone: the first heartbeat claims 12 s a moment after opening (too fast),
    // the second 2 s with the page hidden; two minutes later the rest, which completes the lecture.
    sessionA = await open(lawyer, WECHAT_UA);
    // the check is planned at a random point of the lecture (planPresenceChecks: 10–90 % of it);
    // pinned past the first 5 s credited here, so the story below is the same on every run
    await q(sql`UPDATE presence_checks SET due_at_media = 10 WHERE user_id = ${server.demo!.users.lawyer} AND lecture_id = ${lectureId} AND issued_at IS NULL`);
    await openedAgo(sessionA, -3600);
    const first = await beat(sessionA, WECHAT_UA, { seq: 0, intervals: [[0, 12]], position: 12 });
    expect(first.acceptedSeconds).toBe(5);
    expect(first.rejected).toEqual([{ from: 5, to: 12, reason: 'faster_than_real_time' }]);
    const hidden = await beat(sessionA, WECHAT_UA, { seq: 1, intervals: [[12, 14]], visible: false, position: 14 });
    expect(hidden.rejected).toEqual([{ from: 12, to: 14, reason: 'hidden_page' }]);
    await openedAgo(sessionA, 120);
    // The rest carries the lecture past its presence check: credited up to the due moment, the rest
    // held until the code in the picture is typed back, which then completes the lecture and course.
    const rest = await beat(sessionA, WECHAT_UA, { seq: 2, intervals: [[0, duration]], position: duration });
    expect(rest.completed).toBe(false);
    expect(checkId).toBeDefined();
    const [held] = await q<{ code: string; due_at_media: number }>(sql`SELECT code, due_at_media FROM presence_checks WHERE id = ${checkId!}`);
    due = Number(held!.due_at_media);
    expect((await errorOf(lawyer.confirmPresence(sessionA, checkId!, held!.code === '0000' ? '1111' : '0000'))).status).toBe(422);
    await lawyer.expectStatus(204, lawyer.confirmPresence(sessionA, checkId!, held!.code));
    certificateCode = (await q<{ code: string }>(sql`SELECT code FROM certificates WHERE course_id = ${courseId}`))[0]?.code;
    expect(certificateCode).toBeDefined();
    // Session B on a desktop replaces A; one heartbeat, then the lawyer simply stops.
    sessionB = await open(lawyer, DESKTOP_UA);
    await beat(sessionB, DESKTOP_UA, { seq: 0, intervals: [[0, 3]], position: 3 });

    const res = await evidence(adminSc, server.demo!.users.lawyer);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const page = res.json as LawyerEvidence;
    expect(page.lawyer).toEqual({ id: server.demo!.users.lawyer, name: '李明', licenseNo: '15107202110000001', disabled: false, firm: { id: server.demo!.santaiFirm, name: '三台县明理律师事务所' } });
    expect(page).toMatchObject({ year, trainingYearStartMonth: 1, minutesPerClassHour: 45, creditMinutes: 1, classHours: 0.02 });
    expect(page.from).toBe(new Date(Date.UTC(year, 0, 1) - 8 * 3600_000).toISOString());
    expect(page.to).toBe(new Date(Date.UTC(year + 1, 0, 1) - 8 * 3600_000).toISOString());

    expect(page.lectures).toHaveLength(1);
    const lecture = page.lectures[0]!;
    expect(lecture).toMatchObject({ lectureId, title: '第一讲：书证与物证', courseId, courseTitle: '证据审查与质证（证据页测试）', creditMinutes: 1, completedInYear: true, coverageRatio: 1 });
    expect(lecture.durationSeconds).toBeCloseTo(duration, 3);
    expect(lecture.coverageSeconds).toBeCloseTo(duration, 2);
    expect(Date.parse(lecture.completedAt!)).toBeGreaterThan(0);

    // Sessions in the order they were opened, each matching its stored heartbeats.
    expect(lecture.sessions.map((s) => s.id)).toEqual([sessionA, sessionB]);
    const dbSessions = await q<{ id: string; ip: string; user_agent: string; opened_at: unknown }>(sql`SELECT id, ip, user_agent, opened_at FROM playback_sessions WHERE id IN (${sessionA}, ${sessionB})`);
    for (const s of lecture.sessions) {
      const row = dbSessions.find((r) => r.id === s.id)!;
      const facts = await stored(s.id);
      expect(s.ip).toBe(row.ip);
      expect(s.ip).toMatch(/127\.0\.0\.1/);
      expect(s.heartbeatAddresses).toEqual(facts.addresses);
      expect(s.userAgent).toBe(row.user_agent);
      expect(s.heartbeats).toBe(facts.count);
      expect(s.acceptedSeconds).toBeCloseTo(facts.accepted, 3);
      expect(s.lastHeartbeatAt).toBe(facts.last);
      expect(s.refused.map((r) => r.reason).sort()).toEqual([...facts.refused.keys()].sort());
      for (const [reason, entry] of facts.refused) {
        expect(refusedOf(s, reason as RefusalReason)).toBeCloseTo(entry.seconds, 3);
        expect(s.refused.find((r) => r.reason === reason)!.heartbeats).toBe(entry.heartbeats);
      }
      expect(s.refusedSeconds).toBeCloseTo([...facts.refused.values()].reduce((sum, r) => sum + r.seconds, 0), 3);
    }
    const [a, b] = lecture.sessions as [EvidenceSession, EvidenceSession];
    expect(a.userAgent).toBe(WECHAT_UA);
    expect(a.device.platform).toBe('mobile');
    expect(a.device.label).toMatch(/WeChat.*Android 12/);
    expect(b.device).toEqual({ label: expect.stringMatching(/Chrome.*Windows/), platform: 'desktop' });
    // A: 5 s of the first claim, then the lecture up to its check; 7 s too fast, 2 s on a hidden page
    // and what lay past the check (held, then credited when confirmed) refused at the time.
    expect(a).toMatchObject({ heartbeats: 3, refused: [{ reason: 'faster_than_real_time', seconds: 7, heartbeats: 1 }, { reason: 'hidden_page', seconds: 2, heartbeats: 1 }, { reason: 'presence_unconfirmed', heartbeats: 1 }] });
    expect(refusedOf(a, 'presence_unconfirmed')).toBeCloseTo(duration - due, 2);
    expect(a.acceptedSeconds).toBeCloseTo(5 + due, 2);
    expect(b).toMatchObject({ heartbeats: 1, acceptedSeconds: 3, refusedSeconds: 0, refused: [] });
    // A was closed when B was opened; B was never closed, so its evidence ends at its last heartbeat.
    const bOpened = dbSessions.find((r) => r.id === sessionB)!.opened_at;
    expect(a.end).toEqual({ kind: 'replaced', at: iso(bOpened), replacedBy: { sessionId: sessionB, lectureTitle: '第一讲：书证与物证' } });
    expect(b.openedAt).toBe(iso(bOpened));
    expect(b.end).toEqual({ kind: 'last_heartbeat', at: b.lastHeartbeatAt });

    // The presence check A showed, and its confirmation.
    const [dbCheck] = await q<{ due_at_media: number; issued_at: unknown; confirmed_at: unknown }>(sql`SELECT due_at_media, issued_at, confirmed_at FROM presence_checks WHERE id = ${checkId!}`);
    const check = a.presenceChecks.find((c) => c.id === checkId)!;
    expect(check).toEqual({
      id: checkId,
      dueAtMedia: Number(dbCheck!.due_at_media),
      issuedAt: iso(dbCheck!.issued_at),
      state: { kind: 'confirmed', confirmedAt: iso(dbCheck!.confirmed_at) },
      wrongAnswers: 1,
      heldSeconds: expect.closeTo(duration - due, 2),
    });
    const bChecks = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM presence_checks WHERE session_id = ${sessionB}`);
    expect(b.presenceChecks).toHaveLength(Number(bChecks[0]!.n));

    // The certificate the completion issued.
    expect(page.certificates).toEqual([
      { id: expect.any(String), serial: expect.stringMatching(/^LC-\d{4}-\d{6}$/), code: certificateCode, courseId, courseTitle: '证据审查与质证（证据页测试）', issuedAt: expect.any(String), creditMinutes: 1 },
    ]);

    // The typed client reads the same answer.
    expect(await evidenceApi(adminSc).lawyer(server.demo!.users.lawyer, year)).toEqual(page);
  });

  it('a year holds the sessions opened in it, and every session of a lecture completed in it', async () => {
    const previous = year - 1;
    try {
      // The lecture completed last year: this year still shows A and B (opened this year), without credit.
      await q(sql`UPDATE lecture_progress SET completed_at = ${`${previous}-06-01T04:00:00Z`}::timestamptz WHERE lecture_id = ${lectureId}`);
      let now = await yearOf(adminSc, server.demo!.users.lawyer);
      expect(now.creditMinutes).toBe(0);
      expect(now.lectures.map((l) => [l.completedInYear, l.sessions.map((s) => s.id)])).toEqual([[false, [sessionA, sessionB]]]);
      let before = await yearOf(adminSc, server.demo!.users.lawyer, previous);
      expect(before.creditMinutes).toBe(1);
      expect(before.lectures.map((l) => [l.completedInYear, l.sessions.map((s) => s.id)])).toEqual([[true, []]]);

      // A opened last year too: it moves to last year's page (its lecture completed there).
      await q(sql`UPDATE playback_sessions SET opened_at = ${`${previous}-05-31T02:00:00Z`}::timestamptz WHERE id = ${sessionA}`);
      now = await yearOf(adminSc, server.demo!.users.lawyer);
      expect(now.lectures.map((l) => l.sessions.map((s) => s.id))).toEqual([[sessionB]]);
      before = await yearOf(adminSc, server.demo!.users.lawyer, previous);
      expect(before.lectures.map((l) => l.sessions.map((s) => s.id))).toEqual([[sessionA]]);
      // The certificate was issued this year, so it is on this year's page only.
      expect(now.certificates).toHaveLength(1);
      expect(before.certificates).toHaveLength(0);
    } finally {
      await q(sql`UPDATE lecture_progress SET completed_at = now() WHERE lecture_id = ${lectureId}`);
    }
    // A year with nothing in it.
    expect(await yearOf(adminSc, server.demo!.users.lawyer, year - 5)).toMatchObject({ year: year - 5, creditMinutes: 0, lectures: [], certificates: [] });
    // Without a year: the current training year of the lawyer's association.
    expect(await yearOf(adminSc, server.demo!.users.lawyer, null)).toMatchObject({ year });
  });

  it('follows the training year and 学时 of the lawyer’s association', async () => {
    const { national } = server.demo!;
    try {
      await q(sql`UPDATE organizations SET training_year_start_month = 4, minutes_per_class_hour = 40 WHERE id = ${national}`);
      const page = await yearOf(admin, server.demo!.users.lawyer, year);
      expect(page).toMatchObject({ trainingYearStartMonth: 4, minutesPerClassHour: 40, from: new Date(Date.UTC(year, 3, 1) - 8 * 3600_000).toISOString() });
    } finally {
      await q(sql`UPDATE organizations SET training_year_start_month = 1, minutes_per_class_hour = 45 WHERE id = ${national}`);
    }
  });

  it('403 outside the administrator’s subtree and for an unknown id, alike; 403 for lawyers and trainers', async () => {
    const gansuLawyer = server.demo!.users.lawyer2;
    const answer = (e: ApiError) => ({ status: e.status, error: e.code, message: e.message });
    const outside = answer(await errorOf(yearOf(adminSc, gansuLawyer)));
    expect(outside).toMatchObject({ status: 403, error: 'forbidden' });
    // the same answer for an unknown id, so ids cannot be probed
    expect(answer(await errorOf(yearOf(adminSc, '00000000-0000-4000-8000-000000000000')))).toEqual(outside);
    // a staff account (no licence number) is not a lawyer with evidence: the same 403
    expect(answer(await errorOf(yearOf(admin, server.demo!.users['admin-sc'])))).toEqual(outside);

    // The national administrator reaches both provinces.
    await admin.expectStatus(200, yearOf(admin, gansuLawyer));
    await admin.expectStatus(200, yearOf(admin, server.demo!.users.lawyer));

    // A lawyer reads neither their own evidence nor another's (their credit is on /me); nor does a trainer.
    expect((await errorOf(yearOf(lawyer, server.demo!.users.lawyer))).status).toBe(403);
    expect((await errorOf(yearOf(lawyer, gansuLawyer))).status).toBe(403);
    expect((await errorOf(yearOf(lawyer2, server.demo!.users.lawyer))).status).toBe(403);
    expect((await errorOf(yearOf(trainer, server.demo!.users.lawyer))).status).toBe(403);
    expect((await errorOf(yearOf(createTestClient(server.baseUrl), server.demo!.users.lawyer))).status).toBe(401);
  });

  it('400 for a malformed id or year, and a disabled lawyer’s evidence stays readable', async () => {
    expect((await evidence(adminSc, 'not-a-uuid')).status).toBe(400);
    expect((await evidence(adminSc, server.demo!.users.lawyer, '?year=1999')).status).toBe(400);
    expect((await evidence(adminSc, server.demo!.users.lawyer, '?year=abc')).status).toBe(400);
    expect((await evidence(adminSc, server.demo!.users.lawyer, `?year=${year}&edit=1`)).status).toBe(400);
    try {
      await q(sql`UPDATE users SET disabled = true WHERE id = ${server.demo!.users.lawyer}`);
      const page = await yearOf(adminSc, server.demo!.users.lawyer);
      expect(page.lawyer.disabled).toBe(true);
      expect(page.lectures[0]!.sessions).toHaveLength(2);
    } finally {
      await q(sql`UPDATE users SET disabled = false WHERE id = ${server.demo!.users.lawyer}`);
    }
  });

  it('answers nothing but GET: the page cannot change the evidence', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await adminSc.raw(method, `/api/users/${server.demo!.users.lawyer}/evidence`, {});
      expect([404, 405], `${method}: ${res.text}`).toContain(res.status);
    }
  });
});
