/**
 * The optimistic heartbeat write as one statement for a whole batch of heartbeats (docs/credit.md,
 * "Group commit"): the batch's rows go in as one JSON parameter (`jsonb_to_recordset … ord`), and one
 * CTE checks every heartbeat's guard, locks its session and progress rows, updates them and appends
 * the evidence rows, answering with the `ord` of each heartbeat that applied. Each row is judged
 * exactly as a heartbeat alone: its own guard (versions, open and not idle, opening time, rules,
 * login, rate bound, allowance on the database clock), its own values. On PostgreSQL the heartbeats
 * that arrive together share this statement (server/db/batched-statement.ts); on PGlite it runs
 * with one row.
 *
 * One JSON parameter rather than one array per column: the evidence columns are jsonb, which a
 * text[] array would carry escaped twice; the JSON is serialised once, and PostgreSQL reads the rows
 * with the column types declared below (double precision for seconds, as the tables store them).
 */
import { sql } from 'drizzle-orm';
import type { BatchedStatement } from '../db/batched-statement.ts';
import { ALLOWANCE_CAP_SECONDS, IDLE_CLOSE_SECONDS } from './allowance.ts';
import type { HeartbeatWrite, LockedSession } from './repository.ts';

/** One heartbeat's write with the state it was judged against. */
export interface GuardedHeartbeat {
  input: Omit<HeartbeatWrite, 'commit' | 'completion' | 'receivedAt'>;
  state: Pick<LockedSession, 'version' | 'progressVersion' | 'openedAt' | 'lectureRulesVersion' | 'courseRulesVersion'>;
  /** the cookie's token hash: the write then also requires that login to be live */
  tokenHash?: string;
}

const COLUMNS = sql.raw(`ord int, session_id uuid, user_id uuid, lecture_id uuid, seq integer, version integer, progress_version integer,
  opened_at timestamptz, lecture_rules integer, course_rules integer, token_hash text,
  accepted_seconds float8, allowance_spent float8, position float8, covered_seconds float8,
  ip text, user_agent text, payload jsonb, accepted jsonb, rejected jsonb, response jsonb, progress_intervals jsonb`);

const allowanceNow = sql.raw(
  `least(greatest(${Number(ALLOWANCE_CAP_SECONDS)}::float8, s.allowance_seconds), s.allowance_seconds + extract(epoch from (now() - s.allowance_at))::float8)`,
);

function rowOf({ input, state, tokenHash }: GuardedHeartbeat, index: number) {
  return {
    ord: index + 1,
    session_id: input.sessionId,
    user_id: input.userId,
    lecture_id: input.lectureId,
    seq: input.seq,
    version: state.version,
    progress_version: state.progressVersion,
    opened_at: state.openedAt.toISOString(),
    lecture_rules: state.lectureRulesVersion,
    course_rules: state.courseRulesVersion,
    token_hash: tokenHash ?? null,
    accepted_seconds: input.acceptedSeconds,
    allowance_spent: input.allowanceSpent,
    position: input.position,
    covered_seconds: input.coveredSeconds,
    ip: input.ip,
    user_agent: input.userAgent,
    payload: input.payload,
    accepted: input.accepted,
    rejected: input.rejected,
    response: input.response,
    progress_intervals: input.progressIntervals,
  };
}

/**
 * The statement. Rows are locked in `ord` order (ORDER BY before FOR UPDATE), and the batcher sorts
 * a batch by key, so two batches lock in one order. A row whose guard fails changes nothing and is
 * missing from the answer: its caller re-reads, as after a lost race.
 */
export const guardedHeartbeats: BatchedStatement<GuardedHeartbeat> = {
  // one per progress row (and so per session) in a statement: it must not update a row twice
  key: ({ input }) => `${input.userId}/${input.lectureId}`,
  statement: (items) => sql`
    WITH i AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(items.map(rowOf))}::jsonb) AS i(${COLUMNS})),
    guard AS (
      SELECT i.ord, s.id, p.user_id, p.lecture_id, ${allowanceNow} AS allowance_now, i.seq > s.last_seq AS is_newest
      FROM i
      JOIN playback_sessions s ON s.id = i.session_id
      JOIN lecture_progress p ON p.user_id = s.user_id AND p.lecture_id = s.lecture_id
      JOIN lectures l ON l.id = s.lecture_id
      JOIN courses c ON c.id = l.course_id
      WHERE s.version = i.version AND p.version = i.progress_version AND s.closed_at IS NULL
        AND p.user_id = i.user_id AND p.lecture_id = i.lecture_id
        AND date_trunc('milliseconds', s.opened_at) = i.opened_at
        AND now() - coalesce(s.last_heard_at, s.opened_at) <= make_interval(secs => ${IDLE_CLOSE_SECONDS})
        AND s.heartbeat_count < 120 + floor(extract(epoch from (now() - s.opened_at)) / 2)
        AND ${allowanceNow} + 1e-6 >= i.allowance_spent
        -- the rules it was judged by (triggers bump these on any change: migrations/0012)
        AND l.rules_version = i.lecture_rules AND c.rules_version = i.course_rules
        AND (i.token_hash IS NULL OR EXISTS (SELECT 1 FROM auth_sessions a JOIN users u ON u.id = a.user_id
             WHERE a.token_hash = i.token_hash AND a.user_id = s.user_id AND a.expires_at > now() AND NOT u.disabled))
      ORDER BY i.ord
      FOR UPDATE OF s, p
    ),
    upd_session AS (
      UPDATE playback_sessions s SET
        version = s.version + 1,
        accepted_seconds = s.accepted_seconds + i.accepted_seconds,
        allowance_seconds = greatest(0, g.allowance_now - i.allowance_spent),
        allowance_at = now(),
        last_heard_at = now(),
        heartbeat_count = s.heartbeat_count + 1,
        last_seq = greatest(s.last_seq, i.seq),
        last_position = CASE WHEN g.is_newest THEN i.position ELSE s.last_position END
      FROM guard g JOIN i ON i.ord = g.ord
      WHERE s.id = g.id
      RETURNING s.id
    ),
    upd_progress AS (
      UPDATE lecture_progress p SET
        intervals = i.progress_intervals,
        covered_seconds = i.covered_seconds,
        last_position = CASE WHEN g.is_newest THEN i.position ELSE p.last_position END,
        version = p.version + 1,
        updated_at = now()
      FROM guard g JOIN i ON i.ord = g.ord
      WHERE p.user_id = g.user_id AND p.lecture_id = g.lecture_id
      RETURNING p.user_id
    ),
    ins AS (
      INSERT INTO heartbeats (session_id, seq, received_at, ip, user_agent, payload, accepted, rejected, response)
      SELECT i.session_id, i.seq, now(), i.ip, i.user_agent, i.payload, i.accepted, i.rejected, i.response
      FROM i JOIN guard g ON g.ord = i.ord
      ORDER BY i.ord
      RETURNING session_id, seq
    )
    SELECT i.ord FROM i JOIN ins ON ins.session_id = i.session_id AND ins.seq = i.seq`,
};
