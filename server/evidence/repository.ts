/**
 * The only SQL of the evidence page: one lawyer's training year read from playback_sessions,
 * heartbeats, presence_checks, lecture_progress, certificates and the catalog. Four statements
 * for the whole year, whatever the number of sessions, in one read-only REPEATABLE READ
 * transaction so that sessions, their heartbeat totals and the checks are one snapshot even
 * while the lawyer keeps watching.
 */
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { dateOf as date, jsonOf as json, rowsOf } from '../db/rows.ts';
import { totalSeconds, type RejectionReason } from '../playback/credit.ts';
import type { CheckRow } from './summary.ts';

export interface LawyerRow {
  id: string;
  name: string;
  /** null for staff accounts: they are not lawyers and have no evidence page */
  licenseNo: string | null;
  disabled: boolean;
  organizationId: string;
  organizationName: string;
}

export interface LectureRow {
  lectureId: string;
  title: string;
  courseId: string;
  courseTitle: string;
  durationSeconds: number;
  coveredSeconds: number;
  completedAt: Date | null;
  creditMinutes: number;
}

export interface RefusalRow {
  reason: RejectionReason;
  seconds: number;
  heartbeats: number;
}

export interface SessionRow {
  id: string;
  lectureId: string;
  openedAt: Date;
  closedAt: Date | null;
  closedReason: string | null;
  ip: string | null;
  userAgent: string | null;
  heartbeats: number;
  lastHeartbeatAt: Date | null;
  /** the distinct source addresses of the session's heartbeats (a phone may change networks mid-session) */
  heartbeatAddresses: string[];
  /** the sum of the accepted intervals of the session's heartbeats */
  acceptedSeconds: number;
  refused: RefusalRow[];
  replacedBy: { sessionId: string; lectureTitle: string } | null;
}

export interface PresenceCheckRow extends CheckRow {
  sessionId: string;
}

export interface CertificateRow {
  id: string;
  serial: string;
  code: string;
  courseId: string;
  courseTitle: string;
  issuedAt: Date;
  creditMinutes: number;
}

export interface YearEvidence {
  lectures: LectureRow[];
  sessions: SessionRow[];
  checks: PresenceCheckRow[];
  certificates: CertificateRow[];
}

type Row = Record<string, unknown>;

export class EvidenceRepository {
  constructor(private readonly db: Db) {}

  async lawyer(userId: string): Promise<LawyerRow | null> {
    const rows = rowsOf<Row>(
      await this.db.execute(sql`
        SELECT u.id, u.name, u.license_no, u.disabled, u.organization_id, o.name AS organization_name
        FROM users u JOIN organizations o ON o.id = u.organization_id
        WHERE u.id = ${userId}`),
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: String(r.id),
      name: String(r.name),
      licenseNo: (r.license_no as string | null) ?? null,
      disabled: r.disabled === true,
      organizationId: String(r.organization_id),
      organizationName: String(r.organization_name),
    };
  }

  /**
   * The year [start, end) of one lawyer. A session belongs to the year when it was opened in it, or
   * when it was opened before the year's end on a lecture completed in it (all the sessions whose
   * coverage made that credit). A lecture belongs to the year when one of its sessions does or it
   * was completed in it.
   */
  async year(userId: string, start: Date, end: Date): Promise<YearEvidence> {
    const from = start.toISOString();
    const to = end.toISOString();
    const scope = sql`completed AS (
        SELECT lecture_id FROM lecture_progress
        WHERE user_id = ${userId} AND completed_at >= ${from}::timestamptz AND completed_at < ${to}::timestamptz
      ),
      shown AS (
        SELECT * FROM playback_sessions
        WHERE user_id = ${userId} AND opened_at < ${to}::timestamptz
          AND (opened_at >= ${from}::timestamptz OR lecture_id IN (SELECT lecture_id FROM completed))
      )`;
    const read = async (db: DbOrTx): Promise<YearEvidence> => {
      const lectures = rowsOf<Row>(
        await db.execute(sql`
          WITH ${scope}
          SELECT * FROM (
            SELECT l.id, l.title, l.duration_seconds, c.id AS course_id, c.title AS course_title,
                   p.completed_at, p.credit_minutes, p.covered_seconds,
                   (SELECT min(s.opened_at) FROM shown s WHERE s.lecture_id = l.id) AS first_opened
            FROM lectures l
            JOIN courses c ON c.id = l.course_id
            LEFT JOIN lecture_progress p ON p.lecture_id = l.id AND p.user_id = ${userId}
            WHERE l.id IN (SELECT lecture_id FROM completed UNION SELECT lecture_id FROM shown)
          ) x
          ORDER BY coalesce(x.first_opened, x.completed_at), x.title, x.id`),
      );
      // Heartbeat totals per session from the evidence rows themselves: count, last arrival, the
      // accepted intervals summed, and the rejected intervals summed per reason.
      const sessions = rowsOf<Row>(
        await db.execute(sql`
          WITH ${scope},
          beats AS (
            SELECT h.session_id, count(*) AS n, max(h.received_at) AS last_at,
                   coalesce(jsonb_agg(DISTINCT h.ip ORDER BY h.ip) FILTER (WHERE h.ip IS NOT NULL), '[]'::jsonb) AS addresses
            FROM heartbeats h WHERE h.session_id IN (SELECT id FROM shown) GROUP BY h.session_id
          ),
          accepted AS (
            SELECT h.session_id, sum((iv->>1)::float8 - (iv->>0)::float8) AS seconds
            FROM heartbeats h CROSS JOIN LATERAL jsonb_array_elements(h.accepted) iv
            WHERE h.session_id IN (SELECT id FROM shown) GROUP BY h.session_id
          ),
          refused AS (
            SELECT h.session_id, r->>'reason' AS reason, sum((r->>'to')::float8 - (r->>'from')::float8) AS seconds, count(DISTINCT h.id) AS n
            FROM heartbeats h CROSS JOIN LATERAL jsonb_array_elements(h.rejected) r
            WHERE h.session_id IN (SELECT id FROM shown) GROUP BY h.session_id, r->>'reason'
          )
          SELECT s.id, s.lecture_id, s.opened_at, s.closed_at, s.closed_reason, s.ip, s.user_agent,
                 coalesce(b.n, 0) AS heartbeats, b.last_at, b.addresses, coalesce(a.seconds, 0) AS accepted_seconds,
                 (SELECT coalesce(jsonb_agg(jsonb_build_object('reason', f.reason, 'seconds', f.seconds, 'heartbeats', f.n) ORDER BY f.reason), '[]'::jsonb)
                  FROM refused f WHERE f.session_id = s.id) AS refused,
                 nxt.id AS replaced_by_id, nl.title AS replaced_by_title
          FROM shown s
          LEFT JOIN beats b ON b.session_id = s.id
          LEFT JOIN accepted a ON a.session_id = s.id
          -- the session that replaced this one was opened in the same transaction that closed it, at the same instant
          LEFT JOIN LATERAL (
            SELECT n.id, n.lecture_id FROM playback_sessions n
            WHERE s.closed_reason = 'replaced' AND n.user_id = s.user_id AND n.opened_at = s.closed_at AND n.id <> s.id
            ORDER BY n.id LIMIT 1
          ) nxt ON true
          LEFT JOIN lectures nl ON nl.id = nxt.lecture_id
          ORDER BY s.opened_at, s.id`),
      );
      const checks = rowsOf<Row>(
        await db.execute(sql`
          WITH ${scope}
          SELECT pc.session_id, pc.id, pc.due_at_media, pc.issued_at, pc.expires_at, pc.confirmed_at, pc.wrong_answers, pc.held_intervals
          FROM presence_checks pc
          WHERE pc.session_id IN (SELECT id FROM shown)
          ORDER BY pc.issued_at NULLS LAST, pc.due_at_media, pc.id`),
      );
      const certificates = rowsOf<Row>(
        await db.execute(sql`
          SELECT id, serial, code, course_id, course_title, credit_minutes, issued_at
          FROM certificates
          WHERE user_id = ${userId} AND issued_at >= ${from}::timestamptz AND issued_at < ${to}::timestamptz
          ORDER BY issued_at, serial`),
      );
      return {
        lectures: lectures.map(toLecture),
        sessions: sessions.map(toSession),
        checks: checks.map(toCheck),
        certificates: certificates.map(toCertificate),
      };
    };
    return this.db.transaction(
      async (tx) => {
        // The per-session heartbeat aggregates are estimated far too high, so PostgreSQL JIT-compiled
        // the sessions statement: 680 ms of compiling for 11 ms of work at 6.8 million heartbeats
        // (bench:report, docs/benchmarks.md). Like the report, this read never profits from JIT.
        await tx.execute(sql`SET LOCAL jit = off`);
        return read(tx);
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }
}

const num = (v: unknown): number => Number(v ?? 0);

function toLecture(r: Row): LectureRow {
  return {
    lectureId: String(r.id),
    title: String(r.title),
    courseId: String(r.course_id),
    courseTitle: String(r.course_title),
    durationSeconds: num(r.duration_seconds),
    coveredSeconds: num(r.covered_seconds),
    completedAt: date(r.completed_at),
    creditMinutes: num(r.credit_minutes),
  };
}

function toSession(r: Row): SessionRow {
  const refused = json<{ reason: RejectionReason; seconds: unknown; heartbeats: unknown }[]>(r.refused) ?? [];
  return {
    id: String(r.id),
    lectureId: String(r.lecture_id),
    openedAt: date(r.opened_at)!,
    closedAt: date(r.closed_at),
    closedReason: (r.closed_reason as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    heartbeats: num(r.heartbeats),
    lastHeartbeatAt: date(r.last_at),
    heartbeatAddresses: json<string[] | null>(r.addresses) ?? [],
    acceptedSeconds: num(r.accepted_seconds),
    refused: refused.map((f) => ({ reason: f.reason, seconds: num(f.seconds), heartbeats: num(f.heartbeats) })),
    replacedBy: r.replaced_by_id ? { sessionId: String(r.replaced_by_id), lectureTitle: String(r.replaced_by_title ?? '') } : null,
  };
}

function toCheck(r: Row): PresenceCheckRow {
  return {
    sessionId: String(r.session_id),
    id: String(r.id),
    dueAtMedia: num(r.due_at_media),
    issuedAt: date(r.issued_at),
    expiresAt: date(r.expires_at),
    confirmedAt: date(r.confirmed_at),
    wrongAnswers: num(r.wrong_answers),
    heldSeconds: totalSeconds(json<[number, number][]>(r.held_intervals) ?? []),
  };
}

function toCertificate(r: Row): CertificateRow {
  return {
    id: String(r.id),
    serial: String(r.serial),
    code: String(r.code),
    courseId: String(r.course_id),
    courseTitle: String(r.course_title),
    issuedAt: date(r.issued_at)!,
    creditMinutes: num(r.credit_minutes),
  };
}
