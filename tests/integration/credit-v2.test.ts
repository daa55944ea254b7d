/**
 * Credit v2 (docs/credit.md), against the real API on PostgreSQL and on PGlite: one allowance per
 * lawyer however many sessions they open, presence per lawyer and lecture, no credit outside the
 * published catalog, nothing honest lost when a session is replaced or idles, bounded history,
 * a heartbeat rate bound, and course completion re-evaluated when a lecture fails. Time is never
 * slept: sessions are made older with an UPDATE (tests/helpers/playback-time.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { availableBackends } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { startFromFullTolerance, ageSession } from '../helpers/playback-time.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';

const DURATION = 180;

type Answer = {
  acceptedSeconds: number;
  rejected: { from: number; to: number; reason: string }[];
  coverageSeconds: number;
  completed: boolean;
  creditMinutes: number;
  certificateCode?: string;
  error?: string;
};

describe.each(availableBackends())('credit v2 on %s', (backend) => {
  let server: TestServer;
  let lawyer: TestClient;
  let trainer: TestClient;
  let lectureId: string;
  let courseId: string;
  let lawyerId: string;

  const q = async <T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>(await server.deps.db.execute(query));
  const open = async (client: TestClient = lawyer, id = lectureId) => {
    return client.expectStatus(201, client.openSession(id));
  };
  // raw: a 409 for a closed session carries the judgment (acceptedSeconds, rejected) the typed call's ApiError drops
  const beat = async (sessionId: string, body: Record<string, unknown>, client: TestClient = lawyer) => {
    const res = await client.raw('POST', `/api/sessions/${sessionId}/heartbeats`, { playbackRate: 1, visible: true, position: 0, ...body });
    return { status: res.status, answer: res.json as Answer };
  };
  const coverage = async () => Number((await q<{ c: unknown }>(sql`SELECT coalesce(max(covered_seconds), 0) AS c FROM lecture_progress WHERE user_id = ${lawyerId} AND lecture_id = ${lectureId}`))[0]!.c);

  beforeAll(async () => {
    server = await startTestServer({ backend });
    lectureId = server.demo!.lectureId;
    courseId = server.demo!.courseId;
    lawyerId = server.demo!.users.lawyer;
    lawyer = createTestClient(server.baseUrl);
    trainer = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    await trainer.login('trainer', 'lectern-demo');
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(async () => {
    await q(sql`UPDATE lectures SET status = 'ready', duration_seconds = ${DURATION}, credit_minutes_override = NULL, package_prefix = ${`lectures/${lectureId}/pkg-test/`} WHERE id = ${lectureId}`);
    await q(sql`UPDATE courses SET status = 'published', max_playback_rate = 1, completion_ratio = 0.95, require_visible = true, presence_checks = false WHERE id = ${courseId}`);
    await startFromFullTolerance(server.deps.db);
    await q(sql`DELETE FROM lecture_progress`);
    await q(sql`DELETE FROM certificates`);
    await q(sql`DELETE FROM course_completions`);
  });

  it('reopening does not reset the bound: 35 sessions of one 5 s claim each credit about 5 s, not the lecture', async () => {
    let accepted = 0;
    const started = await q<{ now: unknown }>(sql`SELECT now() AS now`);
    for (let i = 0; i < 35; i++) {
      const s = await open();
      const { status, answer } = await beat(s.sessionId, { seq: 0, intervals: [[i * 5, i * 5 + 5]], position: i * 5 + 5 });
      expect(status).toBe(200);
      accepted += answer.acceptedSeconds;
      expect(answer.completed).toBe(false);
    }
    const elapsed = Number((await q<{ s: unknown }>(sql`SELECT extract(epoch from now() - ${started[0]!.now as string}::timestamptz) AS s`))[0]!.s);
    // one tolerance, plus the real time the 35 round trips took, plus 2 ms per session: each
    // answer is rounded to the millisecond and each session's clock readings are kept to the
    // millisecond (a 5.438 s total against 5.436 s was seen under load, all of it that rounding)
    expect(accepted).toBeLessThanOrEqual(5 + elapsed + 0.002 * 35 + 0.01);
    expect(await coverage()).toBeLessThan(DURATION * 0.95);
    expect((await q(sql`SELECT 1 FROM certificates`)).length).toBe(0);
  });

  it('two devices racing: parallel sessions and heartbeats of one lawyer never beat the wall clock', async () => {
    const started = await q<{ now: unknown }>(sql`SELECT now() AS now`);
    const first = await open();
    await ageSession(server.deps.db, first.sessionId, 60);
    const [a, b] = await Promise.all([open(), open()]);
    const results = await Promise.all(
      [a, b, first].flatMap((s) => Array.from({ length: 6 }, (_, k) => beat(s.sessionId, { seq: k, intervals: [[k * 30, k * 30 + 30]], position: k * 30 + 30 }))),
    );
    const total = results.reduce((sum, r) => sum + (r.answer.acceptedSeconds ?? 0), 0);
    const elapsed = Number((await q<{ s: unknown }>(sql`SELECT extract(epoch from now() - ${started[0]!.now as string}::timestamptz) AS s`))[0]!.s);
    // the 60 s the first session was open, one tolerance, and the time the test itself took
    // (plus 1 ms per answer: each accepted amount is rounded to the millisecond)
    expect(total).toBeLessThanOrEqual(60 + 5 + elapsed + 0.001 * results.length + 0.01);
    const open_ = await q(sql`SELECT id FROM playback_sessions WHERE user_id = ${lawyerId} AND closed_at IS NULL`);
    expect(open_).toHaveLength(1);
  });

  it('a replaced session’s late queue is credited for what fits before it was replaced, and answers 409', async () => {
    const before = await q<{ now: unknown }>(sql`SELECT now() AS now`);
    const a = await open();
    await ageSession(server.deps.db, a.sessionId, 60); // played 60 s offline, nothing delivered
    const b = await open(); // the lawyer reloads on another device: a is replaced
    // a was open 60 s (aged) plus the real moments until b opened
    const openFor = 60 + Number((await q<{ s: unknown }>(sql`SELECT extract(epoch from now() - ${before[0]!.now as string}::timestamptz) AS s`))[0]!.s);
    const late = [];
    for (let k = 0; k < 5; k++) late.push(await beat(a.sessionId, { seq: k, intervals: [[k * 15, k * 15 + 15]], position: k * 15 + 15 }));
    expect(late.map((r) => r.status)).toEqual([409, 409, 409, 409, 409]);
    expect(late.every((r) => r.answer.error === 'session_closed')).toBe(true);
    const credited = late.reduce((sum, r) => sum + r.answer.acceptedSeconds, 0);
    // the first 60 s (the span it was open, plus the tolerance it kept) are credited; the fifth is too fast
    expect(credited).toBeGreaterThanOrEqual(60);
    expect(credited).toBeLessThanOrEqual(openFor + 5 + 0.01);
    expect(late[4]!.answer.rejected.some((r) => r.reason === 'faster_than_real_time')).toBe(true);
    expect(await coverage()).toBeCloseTo(credited, 2);
    // the same seq again answers the same, and changes nothing
    const again = await beat(a.sessionId, { seq: 0, intervals: [[0, 15]], position: 15 });
    expect(again).toEqual(late[0]);
    // and b carries at most the tolerance, not what a left
    const fromB = await beat(b.sessionId, { seq: 0, intervals: [[100, 160]], position: 160 });
    expect(fromB.status).toBe(200);
    expect(fromB.answer.acceptedSeconds).toBeLessThanOrEqual(5 + 5);
  });

  it('an idle session closes at the moment it went idle: 409 session_expired, and its allowance stopped growing then', async () => {
    const s = await open();
    expect((await beat(s.sessionId, { seq: 0, intervals: [[0, 3]], position: 3 })).status).toBe(200);
    // heard last 2 hours ago (the allowance would have grown far past the cap, and no further than it)
    await q(sql`UPDATE playback_sessions SET opened_at = opened_at - interval '2 hours', allowance_at = allowance_at - interval '2 hours', last_heard_at = last_heard_at - interval '2 hours' WHERE id = ${s.sessionId}`);
    const { status, answer } = await beat(s.sessionId, { seq: 1, intervals: [[3, 180]], position: 180 });
    expect(status).toBe(409);
    expect(answer.error).toBe('session_expired');
    // at most the cap (600 s) of allowance: the whole rest of this short lecture fits
    expect(answer.acceptedSeconds).toBeCloseTo(177, 2);
    const [row] = await q<{ closed_reason: string }>(sql`SELECT closed_reason FROM playback_sessions WHERE id = ${s.sessionId}`);
    expect(row!.closed_reason).toBe('idle');
    // a fresh session goes on
    const next = await open();
    expect((await beat(next.sessionId, { seq: 0, intervals: [[0, 2]], position: 2 })).status).toBe(200);
  });

  it('previews earn nothing: a trainer on a draft, and a course archived mid-session', async () => {
    await q(sql`UPDATE courses SET status = 'draft' WHERE id = ${courseId}`);
    const preview = await open(trainer);
    expect(preview.preview).toBe(true);
    await ageSession(server.deps.db, preview.sessionId, 600);
    const { status, answer } = await beat(preview.sessionId, { seq: 0, intervals: [[0, DURATION]], position: DURATION }, trainer);
    expect(status).toBe(200);
    expect(answer.acceptedSeconds).toBe(0);
    expect(answer.rejected).toEqual([{ from: 0, to: DURATION, reason: 'not_in_catalog' }]);
    expect(answer.completed).toBe(false);
    expect((await q(sql`SELECT 1 FROM certificates`)).length).toBe(0);

    await q(sql`UPDATE courses SET status = 'published' WHERE id = ${courseId}`);
    const s = await open();
    expect(s.preview).toBe(false);
    await ageSession(server.deps.db, s.sessionId, 600);
    expect((await beat(s.sessionId, { seq: 0, intervals: [[0, 30]], position: 30 })).answer.acceptedSeconds).toBe(30);
    await q(sql`UPDATE courses SET status = 'archived' WHERE id = ${courseId}`);
    const after = await beat(s.sessionId, { seq: 1, intervals: [[30, 60]], position: 60 });
    expect(after.answer.acceptedSeconds).toBe(0);
    expect(after.answer.rejected.map((r) => r.reason)).toEqual(['not_in_catalog']);
  });

  it('the credit-minutes override is bounded by the duration, and every change is in the audit log', async () => {
    const tooMuch = await errorOf(teachApi(trainer).updateLecture(lectureId, { creditMinutes: 1440 }));
    expect([tooMuch.status, tooMuch.code], tooMuch.message).toEqual([400, 'credit_minutes_above_duration']);
    await trainer.expectStatus(200, teachApi(trainer).updateLecture(lectureId, { creditMinutes: 3 }));
    const entries = await q<{ action: string; before: unknown; after: unknown }>(sql`SELECT action, before, after FROM audit_log WHERE target_id = ${lectureId} ORDER BY at DESC`);
    expect(entries[0]!.action).toBe('lecture.credit_minutes_changed');
    const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;
    expect(parse(entries[0]!.before).creditMinutesOverride).toBeNull();
    expect(parse(entries[0]!.after).creditMinutesOverride).toBe(3);
    // a figure stored before the bound existed is still capped when credit is granted
    await q(sql`UPDATE lectures SET credit_minutes_override = 1440 WHERE id = ${lectureId}`);
    const s = await open();
    await ageSession(server.deps.db, s.sessionId, 600);
    const done = await beat(s.sessionId, { seq: 0, intervals: [[0, DURATION]], position: DURATION });
    expect(done.answer).toMatchObject({ completed: true, creditMinutes: 3 });
  });

  it('history stays bounded: thousands of 1 ms fragments leave at most 200 in coverage', async () => {
    const s = await open();
    await ageSession(server.deps.db, s.sessionId, 600);
    for (let k = 0; k < 10; k++) {
      const intervals = Array.from({ length: 200 }, (_, i) => [k * 0.01 + i * 0.5, k * 0.01 + i * 0.5 + 0.002]);
      expect((await beat(s.sessionId, { seq: k, intervals, position: 0 })).status).toBe(200);
    }
    const [p] = await q<{ intervals: unknown }>(sql`SELECT intervals FROM lecture_progress WHERE user_id = ${lawyerId} AND lecture_id = ${lectureId}`);
    const intervals = (typeof p!.intervals === 'string' ? JSON.parse(p!.intervals) : p!.intervals) as unknown[];
    expect(intervals.length).toBeLessThanOrEqual(200);
    // and a heartbeat larger than a player ever sends is refused, nothing stored
    const huge = await beat(s.sessionId, { seq: 99, intervals: Array.from({ length: 201 }, (_, i) => [i, i + 0.5]) });
    expect(huge.status).toBe(400);
  });

  it('the heartbeat rate is bounded: far more heartbeats than a player sends answer 429', async () => {
    const s = await open();
    await q(sql`UPDATE playback_sessions SET heartbeat_count = 10000 WHERE id = ${s.sessionId}`);
    const { status, answer } = await beat(s.sessionId, { seq: 0, intervals: [[0, 1]], position: 1 });
    expect(status).toBe(429);
    expect(answer.error).toBe('heartbeat_rate');
  });

  it('a course whose last pending lecture fails completes for those who watched the rest', async () => {
    const second = (await q<{ id: string }>(sql`INSERT INTO lectures (course_id, position, title, status) VALUES (${courseId}, 99, '第九十九讲', 'processing') RETURNING id`))[0]!.id;
    try {
      const s = await open();
      await ageSession(server.deps.db, s.sessionId, 600);
      const done = await beat(s.sessionId, { seq: 0, intervals: [[0, DURATION]], position: DURATION });
      expect(done.answer.completed).toBe(true);
      expect(done.answer.certificateCode).toBeUndefined(); // the second lecture is still processing
      expect((await q(sql`SELECT 1 FROM course_completions WHERE user_id = ${lawyerId}`)).length).toBe(0);
      await server.deps.db.transaction((tx) => new TranscodeJobsRepository(server.deps.db).failLecture(tx, second, { code: 'no_video_stream', reasonZh: '没有视频。', reasonEn: 'No video.' }));
      expect((await q(sql`SELECT 1 FROM course_completions WHERE user_id = ${lawyerId} AND course_id = ${courseId}`)).length).toBe(1);
      expect((await q(sql`SELECT 1 FROM certificates WHERE user_id = ${lawyerId} AND course_id = ${courseId}`)).length).toBe(1);
    } finally {
      await q(sql`DELETE FROM lectures WHERE id = ${second}`);
    }
  });

  // PGlite runs inside this process, so there its clock is the process's: only PostgreSQL has a clock of its own.
  if (backend === 'pglite') console.info('[credit-v2] the 30-s-slow API clock test runs on PostgreSQL only: embedded PGlite shares the process clock');
  it.runIf(backend === 'postgres')('judges by the database clock: an API process 30 s slow still credits every honest second', async () => {
    const s = await open();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 30_000 });
    try {
      let accepted = 0;
      for (let k = 0; k < 4; k++) {
        await ageSession(server.deps.db, s.sessionId, 15);
        const { status, answer } = await beat(s.sessionId, { seq: k, intervals: [[k * 15, k * 15 + 15]], position: k * 15 + 15 });
        expect(status).toBe(200);
        accepted += answer.acceptedSeconds;
      }
      expect(accepted).toBe(60);
    } finally {
      vi.useRealTimers();
    }
  });
});
