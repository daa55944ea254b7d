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

export interface SessionRow {
  id: string;
  userId: string;
  lectureId: string;
  openedAt: Date;
  closedAt: Date | null;
  closedReason: string | null;
  acceptedSeconds: number;
  lastPosition: number;
  presenceBlocked: boolean;
  version: number;
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
    presenceBlocked: Boolean(r.presence_blocked),
    version: num(r.version),
  };
}

/** What judging a heartbeat reads; `seq` is the only parameter (the stored answer of that seq). */
const HEARTBEAT_COLUMNS = (seq: number) => sql`s.*, l.course_id,
  (SELECT h.response FROM heartbeats h WHERE h.session_id = s.id AND h.seq = ${seq}) AS stored_response,
  l.duration_seconds, l.credit_minutes_override,
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
    progressIntervals: json<Interval[]>(r.progress_intervals) ?? [],
    progressCompletedAt: date(r.progress_completed_at),
    progressCreditMinutes: num(r.progress_credit_minutes),
    storedResponse: r.stored_response == null ? null : json(r.stored_response),
  };
}

export interface HeartbeatWrite {
  sessionId: string;
  userId: string;
  lectureId: string;
  seq: number;
  receivedAt: Date;
  ip: string | null;
  userAgent: string | null;
  payload: unknown;
  accepted: Interval[];
  rejected: unknown;
  response: unknown;
  acceptedSeconds: number;
  position: number;
  presenceBlocked: boolean;
  progressIntervals: Interval[];
  coveredSeconds: number;
  /** set when this heartbeat completes the lecture */
  completion: { creditMinutes: number } | null;
  /**
   * Commit together with this statement (one round trip). Only when nothing else was written in
   * the transaction: if the insert turns out a duplicate, the commit then keeps nothing.
   */
  commit: boolean;
}

export class PlaybackRepository {
  constructor(readonly runner: SqlRunner) {}

  transaction<T>(work: (repo: PlaybackRepository) => Promise<T>): Promise<T> {
    return this.runner.transaction((runner) => work(new PlaybackRepository(runner)));
  }

  // --- sessions ---------------------------------------------------------------------------

  /** Serialises session opening per user (a second open waits for the first). */
  async lockUser(userId: string): Promise<void> {
    await this.runner.run(sql`SELECT id FROM users WHERE id = ${userId} FOR NO KEY UPDATE`);
  }

  async closeOpenSessions(userId: string, at: Date, reason: string): Promise<string[]> {
    const rows = await this.runner.run(sql`
      UPDATE playback_sessions SET closed_at = ${at.toISOString()}::timestamptz, closed_reason = ${reason}, version = version + 1
      WHERE user_id = ${userId} AND closed_at IS NULL RETURNING id`);
    return (rows as unknown as { id: string }[]).map((r) => r.id);
  }

  async insertSession(values: { userId: string; lectureId: string; openedAt: Date; ip: string | null; userAgent: string | null }): Promise<SessionRow> {
    const rows = await this.runner.run(sql`
      INSERT INTO playback_sessions (user_id, lecture_id, opened_at, ip, user_agent)
      VALUES (${values.userId}, ${values.lectureId}, ${values.openedAt.toISOString()}::timestamptz, ${values.ip}, ${values.userAgent})
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
   * Appends the evidence and, only when it was new, updates the session and the progress. Returns
   * false when (session, seq) was already recorded (a concurrent duplicate): nothing changed.
   */
  async recordHeartbeat(input: HeartbeatWrite): Promise<boolean> {
    const at = input.receivedAt.toISOString();
    const rows = await (input.commit ? this.runner.runAndCommit.bind(this.runner) : this.runner.run.bind(this.runner))(sql`
      WITH ins AS (
        INSERT INTO heartbeats (session_id, seq, received_at, ip, user_agent, payload, accepted, rejected, response)
        VALUES (${input.sessionId}, ${input.seq}, ${at}::timestamptz, ${input.ip}, ${input.userAgent},
                ${JSON.stringify(input.payload)}::jsonb, ${JSON.stringify(input.accepted)}::jsonb,
                ${JSON.stringify(input.rejected)}::jsonb, ${JSON.stringify(input.response)}::jsonb)
        ON CONFLICT (session_id, seq) DO NOTHING
        RETURNING id
      ),
      newest AS (
        -- a late, out-of-order heartbeat must not move the resume position backwards
        SELECT NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.session_id = ${input.sessionId} AND h.seq > ${input.seq}) AS is_newest
      ),
      upd_session AS (
        UPDATE playback_sessions SET
          version = version + 1,
          accepted_seconds = accepted_seconds + ${input.acceptedSeconds},
          last_position = CASE WHEN (SELECT is_newest FROM newest) THEN ${input.position} ELSE last_position END,
          presence_blocked = ${input.presenceBlocked}
        WHERE id = ${input.sessionId} AND EXISTS (SELECT 1 FROM ins)
        RETURNING id
      ),
      upd_progress AS (
        UPDATE lecture_progress SET
          intervals = ${JSON.stringify(input.progressIntervals)}::jsonb,
          covered_seconds = ${input.coveredSeconds},
          last_position = CASE WHEN (SELECT is_newest FROM newest) THEN ${input.position} ELSE last_position END,
          completed_at = CASE WHEN completed_at IS NULL AND ${input.completion !== null} THEN ${at}::timestamptz ELSE completed_at END,
          credit_minutes = CASE WHEN completed_at IS NULL AND ${input.completion !== null} THEN ${input.completion?.creditMinutes ?? 0} ELSE credit_minutes END,
          updated_at = ${at}::timestamptz
        WHERE user_id = ${input.userId} AND lecture_id = ${input.lectureId} AND EXISTS (SELECT 1 FROM ins)
        RETURNING user_id
      )
      SELECT (SELECT id FROM ins) AS id, (SELECT count(*) FROM upd_session) AS s, (SELECT count(*) FROM upd_progress) AS p`);
    const r = (rows as unknown as { id: unknown }[])[0];
    return r?.id != null;
  }

  /**
   * The optimistic heartbeat write, one autocommit statement without a prior lock: it applies only if
   * the session still has `expectedVersion` (and is open). Every writer of a heartbeat and every
   * close bumps the version, and a concurrent writer waits on the session row and then fails the
   * version test, so of two racing writers exactly one applies. Returns false when it did not apply
   * (nothing changed): the caller re-reads and tries again.
   *
   * Progress is written only through the (single) open session of that lawyer and lecture, so the
   * session's version also guards the progress row read together with it.
   *
   * The state may also come from the API process's memory of this session's last heartbeat
   * (RecentSessions in service.ts) instead of a fresh read, so the write checks, in the same
   * statement, everything else the judgment used: the opening time, the lecture and course rules,
   * that the progress row exists, and (with `tokenHash`) that the cookie's login session is live and
   * its user not disabled. Whatever changed since, the write does not apply and the caller re-reads.
   */
  async recordHeartbeatIfUnchanged(input: Omit<HeartbeatWrite, 'commit' | 'completion'>, state: LockedSession, tokenHash?: string): Promise<boolean> {
    const at = input.receivedAt.toISOString();
    const liveLogin = tokenHash
      ? sql`AND EXISTS (SELECT 1 FROM auth_sessions a JOIN users u ON u.id = a.user_id
                        WHERE a.token_hash = ${tokenHash} AND a.user_id = playback_sessions.user_id AND a.expires_at > now() AND NOT u.disabled)`
      : sql``;
    const rows = await this.runner.run(sql`
      WITH upd_session AS (
        UPDATE playback_sessions SET
          version = version + 1,
          accepted_seconds = accepted_seconds + ${input.acceptedSeconds},
          last_position = CASE WHEN NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.session_id = ${input.sessionId} AND h.seq > ${input.seq})
                               THEN ${input.position} ELSE last_position END,
          presence_blocked = ${input.presenceBlocked}
        WHERE id = ${input.sessionId} AND version = ${state.version} AND closed_at IS NULL
          AND date_trunc('milliseconds', opened_at) = ${state.openedAt.toISOString()}::timestamptz
          AND EXISTS (SELECT 1 FROM lecture_progress p WHERE p.user_id = ${input.userId} AND p.lecture_id = ${input.lectureId})
          AND EXISTS (SELECT 1 FROM lectures l JOIN courses c ON c.id = l.course_id
                      WHERE l.id = playback_sessions.lecture_id
                        AND l.duration_seconds = ${state.durationSeconds}::real
                        AND l.credit_minutes_override IS NOT DISTINCT FROM ${state.creditMinutesOverride}::integer
                        AND c.max_playback_rate = ${state.maxPlaybackRate}::real
                        AND c.completion_ratio = ${state.completionRatio}::real
                        AND c.require_visible = ${state.requireVisible}
                        AND c.presence_checks = ${state.presenceChecks})
          ${liveLogin}
        RETURNING id
      ),
      upd_progress AS (
        UPDATE lecture_progress SET
          intervals = ${JSON.stringify(input.progressIntervals)}::jsonb,
          covered_seconds = ${input.coveredSeconds},
          last_position = CASE WHEN NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.session_id = ${input.sessionId} AND h.seq > ${input.seq})
                               THEN ${input.position} ELSE last_position END,
          updated_at = ${at}::timestamptz
        WHERE user_id = ${input.userId} AND lecture_id = ${input.lectureId} AND EXISTS (SELECT 1 FROM upd_session)
        RETURNING user_id
      ),
      ins AS (
        INSERT INTO heartbeats (session_id, seq, received_at, ip, user_agent, payload, accepted, rejected, response)
        SELECT ${input.sessionId}::uuid, ${input.seq}::integer, ${at}::timestamptz, ${input.ip}::text, ${input.userAgent}::text,
               ${JSON.stringify(input.payload)}::jsonb, ${JSON.stringify(input.accepted)}::jsonb,
               ${JSON.stringify(input.rejected)}::jsonb, ${JSON.stringify(input.response)}::jsonb
        WHERE EXISTS (SELECT 1 FROM upd_session)
        RETURNING id
      )
      SELECT (SELECT id FROM ins) AS id, (SELECT count(*) FROM upd_progress) AS p`);
    const r = (rows as unknown as { id: unknown }[])[0];
    return r?.id != null;
  }

  // --- presence ---------------------------------------------------------------------------

  async insertPlannedChecks(sessionId: string, dueAtMedia: number[]): Promise<void> {
    if (dueAtMedia.length === 0) return;
    const values = sql.join(dueAtMedia.map((d) => sql`(${sessionId}, ${d})`), sql`, `);
    await this.runner.run(sql`INSERT INTO presence_checks (session_id, due_at_media) VALUES ${values}`);
  }

  async checksOf(sessionId: string): Promise<CheckState[]> {
    const rows = await this.runner.run(sql`
      SELECT id, due_at_media, issued_at, expires_at, confirmed_at FROM presence_checks WHERE session_id = ${sessionId} ORDER BY due_at_media`);
    return rows.map((r) => ({
      id: String(r.id),
      dueAtMedia: num(r.due_at_media),
      issuedAt: date(r.issued_at),
      expiresAt: date(r.expires_at),
      confirmedAt: date(r.confirmed_at),
    }));
  }

  async issueCheck(checkId: string, issuedAt: Date, expiresAt: Date): Promise<void> {
    await this.runner.run(sql`
      UPDATE presence_checks SET issued_at = ${issuedAt.toISOString()}::timestamptz, expires_at = ${expiresAt.toISOString()}::timestamptz
      WHERE id = ${checkId} AND issued_at IS NULL`);
  }

  async insertIssuedCheck(sessionId: string, dueAtMedia: number, issuedAt: Date, expiresAt: Date): Promise<CheckState> {
    const rows = await this.runner.run(sql`
      INSERT INTO presence_checks (session_id, due_at_media, issued_at, expires_at)
      VALUES (${sessionId}, ${dueAtMedia}, ${issuedAt.toISOString()}::timestamptz, ${expiresAt.toISOString()}::timestamptz)
      RETURNING id`);
    return { id: String((rows as unknown as { id: string }[])[0]!.id), dueAtMedia, issuedAt, expiresAt, confirmedAt: null };
  }

  async confirmCheck(checkId: string, at: Date): Promise<void> {
    await this.runner.run(sql`UPDATE presence_checks SET confirmed_at = ${at.toISOString()}::timestamptz WHERE id = ${checkId} AND confirmed_at IS NULL`);
  }

  async setPresenceBlocked(sessionId: string, blocked: boolean): Promise<void> {
    await this.runner.run(sql`UPDATE playback_sessions SET presence_blocked = ${blocked} WHERE id = ${sessionId}`);
  }

  /** Locks a session row (presence confirmation must not race a heartbeat's presence step). */
  async lockSessionRow(sessionId: string): Promise<SessionRow | null> {
    const rows = await this.runner.run(sql`SELECT * FROM playback_sessions WHERE id = ${sessionId} FOR UPDATE`);
    const r = rows[0];
    return r ? toSession(r) : null;
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
      WHERE l.course_id = ${courseId} AND l.status <> 'failed'`);
    const r = rows[0] ?? {};
    return { lectures: num(r.lectures), completed: num(r.completed), creditMinutes: num(r.credit) };
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
