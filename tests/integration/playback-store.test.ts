/**
 * The playback store's conformance suite (server/playback/store.ts): the same cases against the
 * store on PostgreSQL (when DATABASE_URL is set) and on PGlite. It calls the store directly, so a
 * write that silently stops applying is caught here even though the service would fall back to its
 * locking path and still answer right (tests/integration/playback.test.ts cannot tell them apart).
 * Heartbeats arriving together share one statement on PostgreSQL (server/db/batched-statement.ts):
 * each is still judged by its own guard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { availableBackends } from '../helpers/database.ts';
import { grantAllowance } from '../helpers/playback-time.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { sqlRunner } from '../../server/db/runner.ts';
import { hashToken } from '../../server/auth/service.ts';
import { PlaybackRepository, type LockedSession } from '../../server/playback/repository.ts';
import type { HeartbeatWrite } from '../../server/playback/heartbeat-write.ts';
import type { PlaybackStore } from '../../server/playback/store.ts';

describe.each(availableBackends())('playback store on %s', (backend) => {
  let server: TestServer;
  let store: PlaybackStore;
  let lectureId: string;

  const q = async <T = Record<string, unknown>>(query: ReturnType<typeof sql>) => rowsOf<T>(await server.deps.db.execute(query));

  /** a lawyer with a live login (token) and an open session on the demo lecture, with allowance to spend */
  async function lawyerWithSession(name: string) {
    const [user] = await q<{ id: string }>(sql`INSERT INTO users (login, name, organization_id) VALUES (${`store-${name}-${crypto.randomUUID().slice(0, 8)}`}, ${name}, ${server.demo!.santaiFirm}) RETURNING id`);
    const token = `store-${crypto.randomUUID()}`;
    await q(sql`INSERT INTO auth_sessions (token_hash, user_id, expires_at) VALUES (${hashToken(token)}, ${user!.id}, now() + interval '1 hour')`);
    const session = await store.transaction(async (tx) => {
      const openedAt = await tx.lockUser(user!.id);
      await tx.closeOpenSessions(user!.id, openedAt, 'replaced');
      const s = await tx.insertSession({ userId: user!.id, lectureId, openedAt, ip: null, userAgent: null, carriedInSeconds: 5, preview: false });
      await tx.ensureProgress(user!.id, lectureId);
      return s;
    });
    await grantAllowance(server.deps.db, session.id, 300);
    return { userId: user!.id, tokenHash: hashToken(token), sessionId: session.id };
  }

  /** a plain 10-second heartbeat against the state read */
  function write(s: LockedSession, seq: number): HeartbeatWrite {
    const from = seq * 10;
    return {
      sessionId: s.id, userId: s.userId, lectureId: s.lectureId, seq, ip: '127.0.0.1', userAgent: 'store-test',
      payload: { seq, intervals: [[from, from + 10]] }, accepted: [[from, from + 10]], rejected: [], response: { acceptedSeconds: 10, seq },
      acceptedSeconds: 10, position: from + 10, allowanceSeconds: 0, allowanceSpent: 10, movePosition: true,
      progressIntervals: [...s.progressIntervals, [from, from + 10]], coveredSeconds: 10 * (seq + 1),
    };
  }

  /** the optimistic write of `w` against `state` */
  function unchanged(w: HeartbeatWrite, state: LockedSession, tokenHash?: string): Promise<boolean> {
    return store.recordHeartbeat({ write: w, guard: { kind: 'unchanged', state, tokenHash } });
  }

  async function read(sessionId: string, seq = 0) {
    const s = await store.sessionForHeartbeat(sessionId, seq, false);
    expect(s).not.toBeNull();
    return s!;
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    lectureId = server.demo!.lectureId;
    await q(sql`UPDATE lectures SET status = 'ready', duration_seconds = 10800 WHERE id = ${lectureId}`);
    store = new PlaybackRepository(sqlRunner(server.deps.db));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('reads a session with its rules, progress and the database clock', async () => {
    const { sessionId, userId, tokenHash } = await lawyerWithSession('read');
    const [clock] = await q<{ now: unknown }>(sql`SELECT now() AS now`);
    const s = await read(sessionId);
    expect(s).toMatchObject({ id: sessionId, userId, lectureId, closedAt: null, lastSeq: -1, heartbeatCount: 0, storedResponse: null, progressIntervals: [] });
    expect(Math.abs(s.dbNow.getTime() - new Date(String(clock!.now)).getTime())).toBeLessThan(60_000);
    expect(await store.sessionForHeartbeatByToken(tokenHash, sessionId, 0)).toMatchObject({ id: sessionId });
    expect(await store.sessionForHeartbeatByToken(hashToken('nobody'), sessionId, 0)).toBeNull();
  });

  it('the optimistic write applies once against the state read, and a stale state changes nothing', async () => {
    const { sessionId, tokenHash } = await lawyerWithSession('optimistic');
    const s = await read(sessionId);
    expect(await unchanged(write(s, 0), s, tokenHash)).toBe(true);
    const after = await read(sessionId, 0);
    expect(after).toMatchObject({ version: s.version + 1, progressVersion: s.progressVersion + 1, acceptedSeconds: 10, heartbeatCount: 1, lastSeq: 0, lastPosition: 10, storedResponse: { acceptedSeconds: 10, seq: 0 } });
    expect(after.allowanceSeconds).toBeGreaterThan(s.allowanceSeconds - 11);
    expect(after.allowanceSeconds).toBeLessThan(s.allowanceSeconds);
    // the same judgment again (the versions moved): nothing is written
    expect(await unchanged(write(s, 1), s, tokenHash)).toBe(false);
    expect(await read(sessionId)).toMatchObject({ version: after.version, heartbeatCount: 1 });
    expect(await store.storedAnswer(sessionId, 0)).toEqual({ acceptedSeconds: 10, seq: 0 });
    expect(await store.storedAnswer(sessionId, 1)).toBeNull();
  });

  it('the guard refuses a dead login, changed rules, a closed session and an overspent allowance', async () => {
    const { sessionId, tokenHash, userId } = await lawyerWithSession('guard');
    let s = await read(sessionId);
    expect(await unchanged(write(s, 0), s, hashToken('not a login'))).toBe(false);
    expect(await unchanged(write(s, 0), { ...s, lectureRulesVersion: s.lectureRulesVersion + 1 }, tokenHash)).toBe(false);
    expect(await unchanged({ ...write(s, 0), allowanceSpent: 10_000 }, s, tokenHash)).toBe(false);
    await q(sql`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE user_id = ${userId}`);
    expect(await unchanged(write(s, 0), s, tokenHash)).toBe(false);
    // without a token (the authenticated path) the login is not the write's to check
    expect(await unchanged(write(s, 0), s)).toBe(true);
    s = await read(sessionId);
    await store.closeIdleSession(sessionId, s.dbNow);
    expect(await unchanged(write(s, 1), s)).toBe(false);
    expect(await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM heartbeats WHERE session_id = ${sessionId}`).then((r) => Number(r[0]!.n))).toBe(1);
  });

  it('heartbeats arriving together are each judged by their own guard', async () => {
    const lawyers = await Promise.all(Array.from({ length: 24 }, (_, i) => lawyerWithSession(`batch${i}`)));
    const states = await Promise.all(lawyers.map((l) => read(l.sessionId)));
    // every session twice with the same state (a race within one batch), and one with a stale rules version
    const attempts = states.flatMap((s, i) => {
      const state = i === 0 ? { ...s, courseRulesVersion: s.courseRulesVersion + 1 } : s;
      return [0, 1].map(() => unchanged(write(s, 0), state, lawyers[i]!.tokenHash));
    });
    const applied = await Promise.all(attempts);
    const perSession = states.map((_, i) => applied.slice(2 * i, 2 * i + 2).filter(Boolean).length);
    expect(perSession).toEqual([0, ...Array(23).fill(1)]);
    const rows = await q<{ session_id: string; n: unknown; hb: unknown; acc: unknown }>(sql`
      SELECT s.id AS session_id, (SELECT count(*) FROM heartbeats h WHERE h.session_id = s.id) AS n, s.heartbeat_count AS hb, s.accepted_seconds AS acc
      FROM playback_sessions s WHERE s.id IN (${sql.join(states.map((s) => sql`${s.id}::uuid`), sql`, `)})`);
    const byId = new Map(rows.map((r) => [r.session_id, r]));
    states.forEach((s, i) => {
      const r = byId.get(s.id)!;
      const expected = i === 0 ? 0 : 1;
      expect([Number(r.n), Number(r.hb), Number(r.acc)]).toEqual([expected, expected, 10 * expected]);
    });
  });

  it('the locking write records a seq once; a duplicate changes nothing', async () => {
    const { sessionId } = await lawyerWithSession('locking');
    const first = await store.transaction(async (tx) => {
      const s = (await tx.sessionForHeartbeat(sessionId, 0, true))!;
      return tx.recordHeartbeat({ write: write(s, 0), guard: { kind: 'locked', at: s.dbNow, completion: null, commit: true } });
    });
    expect(first).toBe(true);
    const again = await store.transaction(async (tx) => {
      const s = (await tx.sessionForHeartbeat(sessionId, 0, true))!;
      return tx.recordHeartbeat({ write: write(s, 0), guard: { kind: 'locked', at: s.dbNow, completion: null, commit: false } });
    });
    expect(again).toBe(false);
    // the optimistic write of a seq recorded meanwhile does not apply either (no error: its guard
    // admits only seqs above the session's last)
    const s = await read(sessionId);
    expect(await unchanged(write(s, 0), s)).toBe(false);
    expect(await read(sessionId)).toMatchObject({ heartbeatCount: 1, acceptedSeconds: 10 });
  });

  it('the optimistic write refuses a late seq below the last; the locking write records it', async () => {
    const { sessionId } = await lawyerWithSession('late-seq');
    let s = await read(sessionId);
    expect(await unchanged(write(s, 3), s)).toBe(true);
    s = await read(sessionId, 1);
    expect(s.lastSeq).toBe(3);
    // seq 1 was never recorded, but it comes after 3: not the optimistic write's to take
    expect(await unchanged(write(s, 1), s)).toBe(false);
    expect(await read(sessionId, 1)).toMatchObject({ version: s.version, heartbeatCount: 1, storedResponse: null });
    const late = await store.transaction(async (tx) => {
      const locked = (await tx.sessionForHeartbeat(sessionId, 1, true))!;
      return tx.recordHeartbeat({ write: write(locked, 1), guard: { kind: 'locked', at: locked.dbNow, completion: null, commit: true } });
    });
    expect(late).toBe(true);
    // the last seq stays 3, and the late one did not move the resume position back
    expect(await read(sessionId, 1)).toMatchObject({ lastSeq: 3, heartbeatCount: 2, lastPosition: 40, storedResponse: { acceptedSeconds: 10, seq: 1 } });
  });

  it('the locking write completes the lecture once, dated as judged, and a late one keeps the resume position', async () => {
    const { sessionId, userId } = await lawyerWithSession('locked-completion');
    const completedAt = new Date(Date.now() - 3_600_000);
    await store.transaction(async (tx) => {
      const s = (await tx.sessionForHeartbeat(sessionId, 0, true))!;
      return tx.recordHeartbeat({ write: write(s, 0), guard: { kind: 'locked', at: s.dbNow, completion: { creditMinutes: 45, at: completedAt }, commit: true } });
    });
    await store.transaction(async (tx) => {
      const s = (await tx.sessionForHeartbeat(sessionId, 1, true))!;
      // a later completion never moves the first; a write that must not move the position keeps it
      return tx.recordHeartbeat({ write: { ...write(s, 1), position: 3, movePosition: false }, guard: { kind: 'locked', at: s.dbNow, completion: { creditMinutes: 90, at: new Date() }, commit: true } });
    });
    const [progress] = await q<{ completed_at: unknown; credit_minutes: unknown; last_position: unknown }>(sql`
      SELECT completed_at, credit_minutes, last_position FROM lecture_progress WHERE user_id = ${userId} AND lecture_id = ${lectureId}`);
    expect(new Date(String(progress!.completed_at)).toISOString()).toBe(completedAt.toISOString());
    expect(Number(progress!.credit_minutes)).toBe(45);
    expect(Number(progress!.last_position)).toBe(10);
    expect(await read(sessionId)).toMatchObject({ heartbeatCount: 2, lastSeq: 1, lastPosition: 10 });
  });

  it('a course completion is recorded once', async () => {
    const { userId } = await lawyerWithSession('completion');
    const at = await store.databaseNow();
    expect(await store.insertCourseCompletion(userId, server.demo!.courseId, at, 45)).toBe(true);
    expect(await store.insertCourseCompletion(userId, server.demo!.courseId, at, 45)).toBe(false);
  });
});
