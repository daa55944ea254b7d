/**
 * The one heartbeat write statement (docs/credit.md, "Group commit"), built for either guard:
 *
 * - `locked`: inside the locking transaction (service.ts `judgeAndRecord`), the session and
 *   progress rows already locked and judged on that transaction's clock read. It may complete the
 *   lecture, and it runs for late heartbeats of closed sessions too.
 * - `unchanged`: the optimistic write without a prior lock. Its `guard` step locks the rows and
 *   checks that nothing the judgment used has changed — both rows' versions (every other writer
 *   bumps them), the session open and not idle, its opening time, the lecture and course rules
 *   (triggers bump these: migrations/0012), the login (with a token hash), the heartbeat rate, the
 *   allowance on the database clock, and a seq above the session's last (so the evidence is new).
 *   The heartbeats that arrive together share this statement and its commit
 *   (server/db/batched-statement.ts).
 *
 * Either way the rows go in as one JSON parameter (`jsonb_to_recordset … ord`). Under `locked` the
 * evidence row is appended with `ON CONFLICT (session_id, seq) DO NOTHING` and the session and
 * progress are updated only for a row whose evidence was new; under `unchanged` the guard already
 * admitted only new seqs. So a duplicate or a failed guard changes nothing and is missing from the
 * answer (the `ord`s that applied): its caller re-reads, as after a lost race.
 *
 * One JSON parameter rather than one array per column: the evidence columns are jsonb, which a
 * text[] array would carry escaped twice; the JSON is serialised once, and PostgreSQL reads the rows
 * with the column types declared below (double precision for seconds, as the tables store them).
 */
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { BatchedStatement } from '../db/batched-statement.ts';
import { ALLOWANCE_CAP_SECONDS, IDLE_CLOSE_SECONDS } from './allowance.ts';
import type { Interval } from './credit.ts';
import type { LockedSession } from './repository.ts';

/** What one heartbeat writes: its evidence row and the new session and progress values. */
export interface HeartbeatWrite {
  sessionId: string;
  userId: string;
  lectureId: string;
  seq: number;
  ip: string | null;
  userAgent: string | null;
  payload: unknown;
  accepted: Interval[];
  rejected: unknown;
  response: unknown;
  acceptedSeconds: number;
  position: number;
  /** the allowance left after this heartbeat, as of the judgment's clock (the locked write stores it) */
  allowanceSeconds: number;
  /** wall seconds of allowance this heartbeat spends (the unchanged write re-checks it on `now()`) */
  allowanceSpent: number;
  /** a late heartbeat of a closed session does not move the resume position */
  movePosition: boolean;
  progressIntervals: Interval[];
  coveredSeconds: number;
}

/** How a write is guarded: what it may assume, and what it must check. */
export type HeartbeatGuard =
  /**
   * rows locked by this transaction, judged at `at` (its database clock); may complete the lecture.
   * `commit`: commit together with this statement (one round trip) — only when nothing else was
   * written in the transaction, since a duplicate then keeps nothing.
   */
  | { kind: 'locked'; at: Date; completion: { creditMinutes: number; at: Date } | null; commit: boolean }
  /** no lock held: applies only if `state` (read or remembered) still holds, with the login of `tokenHash` */
  | { kind: 'unchanged'; state: Pick<LockedSession, 'version' | 'progressVersion' | 'openedAt' | 'lectureRulesVersion' | 'courseRulesVersion'>; tokenHash?: string };

export interface GuardedHeartbeat {
  write: HeartbeatWrite;
  guard: HeartbeatGuard;
}

const COLUMNS = sql.raw(`ord int, session_id uuid, user_id uuid, lecture_id uuid, seq integer, received_at timestamptz,
  version integer, progress_version integer, opened_at timestamptz, lecture_rules integer, course_rules integer, token_hash text,
  accepted_seconds float8, allowance_seconds float8, allowance_spent float8, move_position boolean, position float8,
  covered_seconds float8, completed_at timestamptz, credit_minutes float8,
  ip text, user_agent text, payload jsonb, accepted jsonb, rejected jsonb, response jsonb, progress_intervals jsonb`);

const allowanceNow = sql.raw(
  `least(greatest(${Number(ALLOWANCE_CAP_SECONDS)}::float8, s.allowance_seconds), s.allowance_seconds + extract(epoch from (now() - s.allowance_at))::float8)`,
);

/** What the `unchanged` guard checks, row by row (nothing for `locked`: its transaction holds the rows). */
const UNCHANGED = sql`
        AND i.seq > s.last_seq
        AND s.version = i.version AND p.version = i.progress_version AND s.closed_at IS NULL
        AND date_trunc('milliseconds', s.opened_at) = i.opened_at
        AND now() - coalesce(s.last_heard_at, s.opened_at) <= make_interval(secs => ${sql.raw(String(Number(IDLE_CLOSE_SECONDS)))})
        AND s.heartbeat_count < 120 + floor(extract(epoch from (now() - s.opened_at)) / 2)
        AND ${allowanceNow} + 1e-6 >= i.allowance_spent
        AND l.rules_version = i.lecture_rules AND c.rules_version = i.course_rules
        AND (i.token_hash IS NULL OR EXISTS (SELECT 1 FROM auth_sessions a JOIN users u ON u.id = a.user_id
             WHERE a.token_hash = i.token_hash AND a.user_id = s.user_id AND a.expires_at > now() AND NOT u.disabled))`;

function rowOf({ write, guard }: GuardedHeartbeat, index: number) {
  const state = guard.kind === 'unchanged' ? guard.state : null;
  const completion = guard.kind === 'locked' ? guard.completion : null;
  return {
    ord: index + 1,
    session_id: write.sessionId,
    user_id: write.userId,
    lecture_id: write.lectureId,
    seq: write.seq,
    // locked: the judgment's clock; unchanged: the statement's own now()
    received_at: guard.kind === 'locked' ? guard.at.toISOString() : null,
    version: state?.version ?? null,
    progress_version: state?.progressVersion ?? null,
    opened_at: state?.openedAt.toISOString() ?? null,
    lecture_rules: state?.lectureRulesVersion ?? null,
    course_rules: state?.courseRulesVersion ?? null,
    token_hash: (guard.kind === 'unchanged' && guard.tokenHash) || null,
    accepted_seconds: write.acceptedSeconds,
    allowance_seconds: write.allowanceSeconds,
    allowance_spent: write.allowanceSpent,
    move_position: write.movePosition,
    position: write.position,
    covered_seconds: write.coveredSeconds,
    completed_at: completion?.at.toISOString() ?? null,
    credit_minutes: completion?.creditMinutes ?? null,
    ip: write.ip,
    user_agent: write.userAgent,
    payload: write.payload,
    accepted: write.accepted,
    rejected: write.rejected,
    response: write.response,
    progress_intervals: write.progressIntervals,
  };
}

/**
 * The statement for heartbeats under one kind of guard. Rows are locked in `ord` order (ORDER BY
 * before FOR UPDATE), and the batcher sorts a batch by key, so two batches lock in one order.
 *
 * Its text is the same for every batch (the rows are its one parameter), so it is rendered once per
 * guard and only the rows are serialised per call: rendering the template each time cost about
 * 10 µs of the API's CPU per heartbeat (docs/benchmarks.md, 2026-12-07).
 */
export function heartbeatWriteStatement(items: GuardedHeartbeat[], guard: HeartbeatGuard['kind']): SQL {
  const [head, tail] = (rendered[guard] ??= render(guard));
  return sql`${sql.raw(head)}${JSON.stringify(items.map(rowOf))}${sql.raw(tail)}`;
}

const rendered: Partial<Record<HeartbeatGuard['kind'], [string, string]>> = {};

/** The statement's text around its one parameter, `$1`. */
function render(guard: HeartbeatGuard['kind']): [string, string] {
  const { sql: text, params } = new PgDialect().sqlToQuery(statementTemplate(guard));
  const parts = text.split('$1');
  if (params.length !== 1 || parts.length !== 2) throw new Error('the heartbeat write must have exactly one parameter, its rows');
  return [parts[0]!, parts[1]!];
}

function statementTemplate(guard: HeartbeatGuard['kind']): SQL {
  // the allowance after the heartbeat: as judged under the lock, or re-computed on now() without one
  const allowanceAfter = guard === 'locked' ? sql`i.allowance_seconds` : sql`greatest(0, ${allowanceNow} - i.allowance_spent)`;
  // Locked: a late or repeated seq is possible, so only a row the INSERT kept applies. Unchanged: the
  // guard admitted only seqs above the session's last (kept in this statement, under the row lock), so
  // every guarded row is new, and the INSERT has no conflict to skip. Joining the INSERT's answer back
  // cost a nested loop over the batch squared (19 µs a heartbeat at 62 in a batch; docs/credit.md).
  const keptOnly = guard === 'locked' ? sql` JOIN ins ON ins.session_id = i.session_id AND ins.seq = i.seq` : sql``;
  return sql`
    WITH i AS (SELECT * FROM jsonb_to_recordset(${'rows'}::jsonb) AS i(${COLUMNS})),
    guard AS (
      SELECT i.ord, s.id, ${allowanceAfter} AS allowance_after,
        coalesce(i.received_at, now()) AS at, i.move_position AND i.seq > s.last_seq AS is_newest
      FROM i
      JOIN playback_sessions s ON s.id = i.session_id
      JOIN lecture_progress p ON p.user_id = s.user_id AND p.lecture_id = s.lecture_id
      JOIN lectures l ON l.id = s.lecture_id
      JOIN courses c ON c.id = l.course_id
      WHERE p.user_id = i.user_id AND p.lecture_id = i.lecture_id ${guard === 'unchanged' ? UNCHANGED : sql``}
      ORDER BY i.ord
      FOR UPDATE OF s, p
    ),
    ins AS (
      INSERT INTO heartbeats (session_id, seq, received_at, ip, user_agent, payload, accepted, rejected, response)
      SELECT i.session_id, i.seq, g.at, i.ip, i.user_agent, i.payload, i.accepted, i.rejected, i.response
      FROM i JOIN guard g ON g.ord = i.ord
      ORDER BY i.ord
      ${guard === 'locked' ? sql`ON CONFLICT (session_id, seq) DO NOTHING RETURNING session_id, seq` : sql``}
    ),
    -- the heartbeats whose evidence row is new: only these change the session and the progress
    applied AS (SELECT i.*, g.id, g.allowance_after, g.at, g.is_newest FROM i JOIN guard g ON g.ord = i.ord${keptOnly}),
    upd_session AS (
      UPDATE playback_sessions s SET
        version = s.version + 1,
        accepted_seconds = s.accepted_seconds + a.accepted_seconds,
        allowance_seconds = a.allowance_after,
        -- never back in time: a transaction that waited for the lock has an older clock than the
        -- write it waited for, and the allowance it judged is as of that write
        allowance_at = greatest(s.allowance_at, a.at),
        last_heard_at = a.at,
        heartbeat_count = s.heartbeat_count + 1,
        last_seq = greatest(s.last_seq, a.seq),
        last_position = CASE WHEN a.is_newest THEN a.position ELSE s.last_position END
      FROM applied a
      WHERE s.id = a.id
      RETURNING s.id
    ),
    upd_progress AS (
      UPDATE lecture_progress p SET
        intervals = a.progress_intervals,
        covered_seconds = a.covered_seconds,
        last_position = CASE WHEN a.is_newest THEN a.position ELSE p.last_position END,
        completed_at = CASE WHEN p.completed_at IS NULL AND a.completed_at IS NOT NULL THEN a.completed_at ELSE p.completed_at END,
        credit_minutes = CASE WHEN p.completed_at IS NULL AND a.completed_at IS NOT NULL THEN a.credit_minutes ELSE p.credit_minutes END,
        version = p.version + 1,
        updated_at = a.at
      FROM applied a
      WHERE p.user_id = a.user_id AND p.lecture_id = a.lecture_id
      RETURNING p.user_id
    )
    SELECT a.ord FROM applied a`;
}

/** The unchanged-guard write as a batched statement: one per progress row (and so per session) in a statement, which must not update a row twice. */
export const unchangedHeartbeats: BatchedStatement<GuardedHeartbeat> = {
  key: ({ write }) => `${write.userId}/${write.lectureId}`,
  statement: (items) => heartbeatWriteStatement(items, 'unchanged'),
};
