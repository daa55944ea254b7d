/**
 * The only place that touches playback tables. The heartbeat path is a handful of statements in one
 * transaction: lock the session and the progress row (one SELECT … FOR UPDATE that also reads the
 * lecture and course rules), then one CTE that appends the evidence and updates the session and the
 * progress only if the evidence row was new. The unique (session_id, seq) index is the idempotency
 * guard; the row locks serialise heartbeats of one session so credit is granted once.
 */
import { sql } from 'drizzle-orm';
import type { Interval } from './credit.ts';
import type { CheckState } from './presence.ts';
import type { SqlRunner } from '../db/runner.ts';
import { dateOf as date, jsonOf as json } from '../db/rows.ts';
import { heartbeatWriteStatement, unchangedHeartbeats, type GuardedHeartbeat } from './heartbeat-write.ts';
import type { PlaybackStore } from './store.ts';

export interface SessionRow {
  id: string;
  userId: string;
  lectureId: string;
  openedAt: Date;
  closedAt: Date | null;
  closedReason: string | null;
  acceptedSeconds: number;
  lastPosition: number;
  version: number;
  /** the real-time allowance (allowance.ts) as stored */
  allowanceSeconds: number;
  allowanceAt: Date;
  carriedInSeconds: number;
  lastHeardAt: Date | null;
  heartbeatCount: number;
  /** the highest seq recorded (-1: none yet) */
  lastSeq: number;
  /** opened outside the published catalog: earns nothing */
  preview: boolean;
}

/** A session with what judging a heartbeat needs (locked or read, see sessionForHeartbeat). */
export interface LockedSession extends SessionRow {
  courseId: string;
  durationSeconds: number;
  creditMinutesOverride: number | null;
  maxPlaybackRate: number;
  completionRatio: number;
  requireVisible: boolean;
  presenceChecks: boolean;
  courseStatus: string;
  /** courses.rules_version and lectures.rules_version: bumped by triggers when a rule above changes */
  courseRulesVersion: number;
  lectureRulesVersion: number;
  progressVersion: number;
  /** the database clock when this was read: every judgment uses it, never the API process's clock */
  dbNow: Date;
  progressIntervals: Interval[];
  progressCompletedAt: Date | null;
  progressCreditMinutes: number;
  /** the answer already given for this seq, if any */
  storedResponse: unknown | null;
}

export interface StoredHeartbeat {
  response: unknown;
}

const num = (v: unknown): number => Number(v ?? 0);

function toSession(r: Record<string, unknown>): SessionRow {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    lectureId: String(r.lecture_id),
    openedAt: date(r.opened_at)!,
    closedAt: date(r.closed_at),
    closedReason: (r.closed_reason as string | null) ?? null,
    acceptedSeconds: num(r.accepted_seconds),
    lastPosition: num(r.last_position),
    version: num(r.version),
    allowanceSeconds: num(r.allowance_seconds),
    allowanceAt: date(r.allowance_at)!,
    carriedInSeconds: num(r.carried_in_seconds),
    lastHeardAt: date(r.last_heard_at),
    heartbeatCount: num(r.heartbeat_count),
    lastSeq: r.last_seq == null ? -1 : num(r.last_seq),
    preview: Boolean(r.preview),
  };
}

/** What judging a heartbeat reads; `seq` is the only parameter (the stored answer of that seq). */
const HEARTBEAT_COLUMNS = (seq: number) => sql`s.*, l.course_id, statement_timestamp() AS db_now, c.status AS course_status, p.version AS progress_version,
  (SELECT h.response FROM heartbeats h WHERE h.session_id = s.id AND h.seq = ${seq}) AS stored_response,
  l.duration_seconds, l.credit_minutes_override, l.rules_version AS lecture_rules_version, c.rules_version AS course_rules_version,
  c.max_playback_rate, c.completion_ratio, c.require_visible, c.presence_checks,
  p.intervals AS progress_intervals, p.completed_at AS progress_completed_at, p.credit_minutes AS progress_credit_minutes`;

function toLockedSession(r: Record<string, unknown>): LockedSession {
  return {
    ...toSession(r),
    courseId: String(r.course_id),
    durationSeconds: num(r.duration_seconds),
    creditMinutesOverride: r.credit_minutes_override == null ? null : num(r.credit_minutes_override),
    maxPlaybackRate: num(r.max_playback_rate),
    completionRatio: num(r.completion_ratio),
    requireVisible: Boolean(r.require_visible),
    presenceChecks: Boolean(r.presence_checks),
    courseStatus: String(r.course_status),
    courseRulesVersion: num(r.course_rules_version),
    lectureRulesVersion: num(r.lecture_rules_version),
    progressVersion: num(r.progress_version),
    dbNow: date(r.db_now)!,
    progressIntervals: json<Interval[]>(r.progress_intervals) ?? [],
    progressCompletedAt: date(r.progress_completed_at),
    progressCreditMinutes: num(r.progress_credit_minutes),
    storedResponse: r.stored_response == null ? null : json(r.stored_response),
  };
}

export class PlaybackRepository implements PlaybackStore {
  constructor(readonly runner: SqlRunner) {}

  transaction<T>(work: (store: PlaybackStore) => Promise<T>): Promise<T> {
    return this.runner.transaction((runner) => work(new PlaybackRepository(runner)));
  }

  // --- sessions ---------------------------------------------------------------------------

  /**
   * Serialises session opening per user (a second open waits for the first); returns the database
   * clock **after** the lock is held. A clock read in the locking statement is taken before any wait
   * (statement_timestamp, and the projection runs below the row lock), so an open that started
   * first but got the lock second would open its session before the one it replaces began, and
   * the two windows of allowance would overlap; read after the lock, openings follow lock order.
   */
  async lockUser(userId: string): Promise<Date> {
    await this.runner.run(sql`SELECT 1 FROM users WHERE id = ${userId} FOR NO KEY UPDATE`);
    const rows = await this.runner.run(sql`SELECT clock_timestamp() AS now`);
    return date(rows[0]!.now)!;
  }

  async closeOpenSessions(userId: string, at: Date, reason: string): Promise<string[]> {
    const rows = await this.runner.run(sql`
      UPDATE playback_sessions SET closed_at = ${at.toISOString()}::timestamptz, closed_reason = ${reason}, version = version + 1
      WHERE user_id = ${userId} AND closed_at IS NULL RETURNING id`);
    return (rows as unknown as { id: string }[]).map((r) => r.id);
  }

  async insertSession(values: { userId: string; lectureId: string; openedAt: Date; ip: string | null; userAgent: string | null; carriedInSeconds: number; preview: boolean }): Promise<SessionRow> {
    const at = values.openedAt.toISOString();
    const rows = await this.runner.run(sql`
      INSERT INTO playback_sessions (user_id, lecture_id, opened_at, ip, user_agent, allowance_seconds, allowance_at, carried_in_seconds, preview)
      VALUES (${values.userId}, ${values.lectureId}, ${at}::timestamptz, ${values.ip}, ${values.userAgent},
              ${values.carriedInSeconds}, ${at}::timestamptz, ${values.carriedInSeconds}, ${values.preview})
      RETURNING *`);
    return toSession(rows[0]!);
  }

  /** Makes sure the progress row exists (so heartbeats can lock it) and returns its last position. */
  async ensureProgress(userId: string, lectureId: string): Promise<{ lastPosition: number; coveredSeconds: number }> {
    const rows = await this.runner.run(sql`
      WITH ins AS (
        INSERT INTO lecture_progress (user_id, lecture_id) VALUES (${userId}, ${lectureId})
        ON CONFLICT (user_id, lecture_id) DO NOTHING RETURNING last_position, covered_seconds
      )
      SELECT last_position, covered_seconds FROM ins
      UNION ALL
      SELECT last_position, covered_seconds FROM lecture_progress WHERE user_id = ${userId} AND lecture_id = ${lectureId}`);
    const r = rows[0];
    return { lastPosition: num(r?.last_position), coveredSeconds: num(r?.covered_seconds) };
  }

  async findSession(sessionId: string): Promise<SessionRow | null> {
    const rows = await this.runner.run(sql`SELECT * FROM playback_sessions WHERE id = ${sessionId}`);
    const r = rows[0];
    return r ? toSession(r) : null;
  }

  async storedAnswer(sessionId: string, seq: number): Promise<unknown | null> {
    const rows = await this.runner.run(sql`SELECT response FROM heartbeats WHERE session_id = ${sessionId} AND seq = ${seq}`);
    const r = (rows as unknown as { response: unknown }[])[0];
    return r ? json(r.response) : null;
  }

  /**
   * Everything judging a heartbeat needs, in one trip: the session, the lecture and course rules, the
   * progress and the stored answer for `seq`. With `lock` (inside the locking transaction) the session
   * and progress rows are locked FOR UPDATE; the stored answer may then miss a duplicate that
   * committed while this waited, which the insert's ON CONFLICT catches. Without `lock` (the optimistic
   * path) the session's `version` guards the write instead.
   */
  async sessionForHeartbeat(sessionId: string, seq: number, lock: boolean): Promise<LockedSession | null> {
    const rows = await this.runner.run(sql`
      SELECT ${HEARTBEAT_COLUMNS(seq)}
      FROM playback_sessions s
      JOIN lectures l ON l.id = s.lecture_id
      JOIN courses c ON c.id = l.course_id
      JOIN lecture_progress p ON p.user_id = s.user_id AND p.lecture_id = s.lecture_id
      WHERE s.id = ${sessionId}
      ${lock ? sql`FOR UPDATE OF s, p` : sql``}`);
    return rows[0] ? toLockedSession(rows[0]) : null;
  }

  /**
   * The same read, found only when the session cookie's token hash belongs to a live auth session
   * (not expired, user not disabled) of the session's owner: the heartbeat's cookie check and its
   * read in one statement. Nothing found says only "not the plain case" (no cookie, expired, someone
   * else's or unknown session); the caller then takes the generic path to tell 401/403/404 apart.
   */
  async sessionForHeartbeatByToken(tokenHash: string, sessionId: string, seq: number): Promise<LockedSession | null> {
    const rows = await this.runner.run(sql`
      SELECT ${HEARTBEAT_COLUMNS(seq)}
      FROM playback_sessions s
      JOIN auth_sessions a ON a.token_hash = ${tokenHash} AND a.user_id = s.user_id AND a.expires_at > now()
      JOIN users u ON u.id = s.user_id AND NOT u.disabled
      JOIN lectures l ON l.id = s.lecture_id
      JOIN courses c ON c.id = l.course_id
      JOIN lecture_progress p ON p.user_id = s.user_id AND p.lecture_id = s.lecture_id
      WHERE s.id = ${sessionId}`);
    return rows[0] ? toLockedSession(rows[0]) : null;
  }

  /**
   * One heartbeat's write (heartbeat-write.ts): appends the evidence and, only when it was new and
   * its guard holds, updates the session and the progress. False when it did not apply (a duplicate
   * seq, or for the `unchanged` guard a state that moved on): nothing changed, the caller re-reads.
   * The `unchanged` write may share one statement and commit with heartbeats arriving at the same
   * moment (server/db/batched-statement.ts); the `locked` one runs in the locking transaction, and
   * with `commit` commits with the statement (one round trip).
   */
  async recordHeartbeat(heartbeat: GuardedHeartbeat): Promise<boolean> {
    const { guard } = heartbeat;
    if (guard.kind === 'unchanged') return (await this.runner.runBatched(unchangedHeartbeats, heartbeat)).length > 0;
    const statement = heartbeatWriteStatement([heartbeat], 'locked');
    const rows = guard.commit ? await this.runner.runAndCommit(statement) : await this.runner.run(statement);
    return rows.length > 0;
  }

  /** Closes an idle session at the moment it went idle (its allowance stops growing then). */
  async closeIdleSession(sessionId: string, at: Date): Promise<void> {
    await this.runner.run(sql`
      UPDATE playback_sessions SET closed_at = ${at.toISOString()}::timestamptz, closed_reason = 'idle', version = version + 1
      WHERE id = ${sessionId} AND closed_at IS NULL`);
  }

  /** The session a new one follows (the user's latest, locked), to carry its unused allowance over. */
  async latestSessionOf(userId: string): Promise<SessionRow | null> {
    const rows = await this.runner.run(sql`SELECT * FROM playback_sessions WHERE user_id = ${userId} ORDER BY opened_at DESC LIMIT 1 FOR UPDATE`);
    return rows[0] ? toSession(rows[0]) : null;
  }

  /** Takes `seconds` of allowance out of a closed session (carried into the next one). */
  async takeAllowance(sessionId: string, remainingSeconds: number, asOf: Date): Promise<void> {
    await this.runner.run(sql`
      UPDATE playback_sessions SET allowance_seconds = ${remainingSeconds}, allowance_at = greatest(allowance_at, ${asOf.toISOString()}::timestamptz), version = version + 1
      WHERE id = ${sessionId}`);
  }

  /** The database clock (the only clock credit is judged by). */
  async databaseNow(): Promise<Date> {
    const rows = await this.runner.run(sql`SELECT now() AS now`);
    return date(rows[0]!.now)!;
  }

  // --- presence ---------------------------------------------------------------------------

  /** Plans a lawyer's checks for a lecture once (at their first session with checks on). */
  async planChecks(userId: string, lectureId: string, sessionId: string, dueAtCoverage: number[]): Promise<void> {
    if (dueAtCoverage.length === 0) return;
    const values = sql.join(dueAtCoverage.map((d) => sql`(${sessionId}, ${userId}, ${lectureId}, ${d})`), sql`, `);
    await this.runner.run(sql`
      INSERT INTO presence_checks (session_id, user_id, lecture_id, due_at_media)
      SELECT v.session_id::uuid, v.user_id::uuid, v.lecture_id::uuid, v.due::float8 FROM (VALUES ${values}) AS v(session_id, user_id, lecture_id, due)
      WHERE NOT EXISTS (SELECT 1 FROM presence_checks WHERE user_id = ${userId} AND lecture_id = ${lectureId})`);
  }

  async checksFor(userId: string, lectureId: string): Promise<StoredCheck[]> {
    const rows = await this.runner.run(sql`
      SELECT id, session_id, due_at_media, issued_at, expires_at, confirmed_at, code, wrong_answers, held_intervals
      FROM presence_checks WHERE user_id = ${userId} AND lecture_id = ${lectureId} ORDER BY due_at_media, issued_at`);
    return rows.map(toCheck);
  }

  async findCheck(checkId: string): Promise<(StoredCheck & { userId: string; lectureId: string }) | null> {
    const rows = await this.runner.run(sql`
      SELECT id, session_id, user_id, lecture_id, due_at_media, issued_at, expires_at, confirmed_at, code, wrong_answers, held_intervals
      FROM presence_checks WHERE id = ${checkId}`);
    const r = rows[0];
    return r ? { ...toCheck(r), userId: String(r.user_id), lectureId: String(r.lecture_id) } : null;
  }

  /** Issues a planned check now, with its code and the media it holds. */
  async issueCheck(checkId: string, sessionId: string, issuedAt: Date, expiresAt: Date, code: string, held: Interval[]): Promise<void> {
    await this.runner.run(sql`
      UPDATE presence_checks SET issued_at = ${issuedAt.toISOString()}::timestamptz, expires_at = ${expiresAt.toISOString()}::timestamptz,
        code = ${code}, held_intervals = ${JSON.stringify(held)}::jsonb, session_id = ${sessionId}
      WHERE id = ${checkId} AND issued_at IS NULL`);
  }

  /** A fresh check after one expired unanswered, issued at once. */
  async insertIssuedCheck(values: { sessionId: string; userId: string; lectureId: string; dueAtCoverage: number; issuedAt: Date; expiresAt: Date; code: string }): Promise<StoredCheck> {
    const rows = await this.runner.run(sql`
      INSERT INTO presence_checks (session_id, user_id, lecture_id, due_at_media, issued_at, expires_at, code)
      VALUES (${values.sessionId}, ${values.userId}, ${values.lectureId}, ${values.dueAtCoverage}, ${values.issuedAt.toISOString()}::timestamptz, ${values.expiresAt.toISOString()}::timestamptz, ${values.code})
      RETURNING id`);
    return {
      id: String((rows as unknown as { id: string }[])[0]!.id),
      sessionId: values.sessionId,
      dueAtCoverage: values.dueAtCoverage,
      issuedAt: values.issuedAt,
      expiresAt: values.expiresAt,
      confirmedAt: null,
      heldIntervals: [],
      wrongAnswers: 0,
      code: values.code,
    };
  }

  async holdOnCheck(checkId: string, held: Interval[]): Promise<void> {
    await this.runner.run(sql`UPDATE presence_checks SET held_intervals = ${JSON.stringify(held)}::jsonb WHERE id = ${checkId}`);
  }

  async countWrongAnswer(checkId: string): Promise<void> {
    await this.runner.run(sql`UPDATE presence_checks SET wrong_answers = wrong_answers + 1 WHERE id = ${checkId}`);
  }

  async confirmCheck(checkId: string, at: Date): Promise<void> {
    await this.runner.run(sql`UPDATE presence_checks SET confirmed_at = ${at.toISOString()}::timestamptz WHERE id = ${checkId} AND confirmed_at IS NULL`);
  }

  /** Locks a session and its progress row in the heartbeat's order (session, then progress). */
  async lockSessionAndProgress(sessionId: string): Promise<LockedSession | null> {
    return this.sessionForHeartbeat(sessionId, -1, true);
  }

  /** Progress credited outside a heartbeat (a confirmed check's held media). */
  async updateProgress(userId: string, lectureId: string, values: { intervals: Interval[]; coveredSeconds: number; completion: { creditMinutes: number; at: Date } | null; at: Date }): Promise<void> {
    await this.runner.run(sql`
      UPDATE lecture_progress SET
        intervals = ${JSON.stringify(values.intervals)}::jsonb,
        covered_seconds = ${values.coveredSeconds},
        version = version + 1,
        updated_at = ${values.at.toISOString()}::timestamptz,
        completed_at = CASE WHEN completed_at IS NULL AND ${values.completion !== null} THEN ${values.completion?.at.toISOString() ?? values.at.toISOString()}::timestamptz ELSE completed_at END,
        credit_minutes = CASE WHEN completed_at IS NULL AND ${values.completion !== null} THEN ${values.completion?.creditMinutes ?? 0} ELSE credit_minutes END
      WHERE user_id = ${userId} AND lecture_id = ${lectureId}`);
  }

  // --- completion -------------------------------------------------------------------------

  /**
   * Lectures of the course that count for completion (all but failed ones), and how many of them
   * the user has completed, with the credit granted for them.
   */
  async courseProgress(userId: string, courseId: string): Promise<{ lectures: number; completed: number; creditMinutes: number }> {
    const rows = await this.runner.run(sql`
      SELECT count(*) AS lectures, count(p.completed_at) AS completed, coalesce(sum(p.credit_minutes) FILTER (WHERE p.completed_at IS NOT NULL), 0) AS credit
      FROM lectures l
      LEFT JOIN lecture_progress p ON p.lecture_id = l.id AND p.user_id = ${userId}
      WHERE l.course_id = ${courseId} AND l.status <> 'failed' AND NOT l.hidden`);
    const r = rows[0] ?? {};
    return { lectures: num(r.lectures), completed: num(r.completed), creditMinutes: num(r.credit) };
  }

  /**
   * Lawyers who have completed every lecture of the lecture's course that still counts (not failed)
   * but have no course completion yet: after a lecture fails (or is removed), they are done.
   */
  async pendingCourseCompletions(lectureId: string): Promise<{ userId: string; courseId: string; creditMinutes: number; lastCompletedAt: Date }[]> {
    const rows = await this.runner.run(sql`
      WITH course AS (SELECT course_id FROM lectures WHERE id = ${lectureId}),
      counted AS (SELECT l.id FROM lectures l WHERE l.course_id = (SELECT course_id FROM course) AND l.status <> 'failed' AND NOT l.hidden),
      done AS (
        SELECT p.user_id, count(*) AS n, sum(p.credit_minutes) AS credit, max(p.completed_at) AS last_at
        FROM lecture_progress p JOIN counted c ON c.id = p.lecture_id
        WHERE p.completed_at IS NOT NULL GROUP BY p.user_id
      )
      SELECT d.user_id, (SELECT course_id FROM course) AS course_id, d.credit, d.last_at FROM done d
      WHERE d.n = (SELECT count(*) FROM counted) AND d.n > 0
        AND NOT EXISTS (SELECT 1 FROM course_completions cc WHERE cc.user_id = d.user_id AND cc.course_id = (SELECT course_id FROM course))`);
    return rows.map((r) => ({ userId: String(r.user_id), courseId: String(r.course_id), creditMinutes: num(r.credit), lastCompletedAt: date(r.last_at)! }));
  }

  /** Records the course completion once; false when it was already there. */
  async insertCourseCompletion(userId: string, courseId: string, at: Date, creditMinutes: number): Promise<boolean> {
    const rows = await this.runner.run(sql`
      INSERT INTO course_completions (user_id, course_id, completed_at, credit_minutes)
      VALUES (${userId}, ${courseId}, ${at.toISOString()}::timestamptz, ${creditMinutes})
      ON CONFLICT (user_id, course_id) DO NOTHING RETURNING id`);
    return rows.length > 0;
  }
}

export interface StoredCheck extends CheckState {
  sessionId: string;
  code: string | null;
}

function toCheck(r: Record<string, unknown>): StoredCheck {
  return {
    id: String(r.id),
    sessionId: String(r.session_id),
    dueAtCoverage: num(r.due_at_media),
    issuedAt: date(r.issued_at),
    expiresAt: date(r.expires_at),
    confirmedAt: date(r.confirmed_at),
    code: (r.code as string | null) ?? null,
    wrongAnswers: num(r.wrong_answers),
    heldIntervals: json<Interval[]>(r.held_intervals) ?? [],
  };
}
