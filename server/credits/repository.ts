import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { dateOf as date, jsonOf as json, rowsOf } from '../db/rows.ts';
import type { HeartbeatEvidence, LearnerLecture, RegistrationEvidence } from './xapi.ts';

export interface LectureCreditRow {
  lectureId: string;
  lectureTitle: string;
  courseId: string;
  durationSeconds: number;
  coveredSeconds: number;
  completedAt: Date | null;
  creditMinutes: number;
}

export interface CourseStateRow {
  courseId: string;
  title: string;
  lectureCount: number;
  completedLectures: number;
  completedAt: Date | null;
  certificateId: string | null;
  certificateCode: string | null;
  certificateSerial: string | null;
}


export class CreditsRepository {
  constructor(private readonly db: DbOrTx) {}

  /**
   * The user's lecture progress that belongs to [start, end): lectures completed in it, plus (when
   * `includeOpen`) lectures started but not yet complete, which will count in the year they complete.
   */
  async lectures(userId: string, start: Date, end: Date, includeOpen: boolean): Promise<LectureCreditRow[]> {
    const rows = await this.db.execute(sql`
      SELECT p.lecture_id, l.title, l.course_id, l.duration_seconds, p.covered_seconds, p.completed_at, p.credit_minutes
      FROM lecture_progress p JOIN lectures l ON l.id = p.lecture_id
      WHERE p.user_id = ${userId}
        AND ((p.completed_at >= ${start.toISOString()}::timestamptz AND p.completed_at < ${end.toISOString()}::timestamptz)
             OR (${includeOpen} AND p.completed_at IS NULL AND p.covered_seconds > 0))
      ORDER BY coalesce(p.completed_at, p.updated_at) DESC`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      lectureId: String(r.lecture_id),
      lectureTitle: String(r.title),
      courseId: String(r.course_id),
      durationSeconds: Number(r.duration_seconds ?? 0),
      coveredSeconds: Number(r.covered_seconds ?? 0),
      completedAt: date(r.completed_at),
      creditMinutes: Number(r.credit_minutes ?? 0),
    }));
  }

  /** Completion state of the given courses, plus every course the user completed in [start, end). */
  async courses(userId: string, courseIds: string[], start: Date, end: Date): Promise<CourseStateRow[]> {
    const ids = courseIds.length ? sql`c.id IN ${courseIds}` : sql`false`;
    const rows = await this.db.execute(sql`
      SELECT c.id, c.title,
        (SELECT count(*) FROM lectures l WHERE l.course_id = c.id AND l.status <> 'failed' AND NOT l.hidden) AS lecture_count,
        (SELECT count(*) FROM lectures l JOIN lecture_progress p ON p.lecture_id = l.id AND p.user_id = ${userId}
           WHERE l.course_id = c.id AND l.status <> 'failed' AND NOT l.hidden AND p.completed_at IS NOT NULL) AS completed_lectures,
        cc.completed_at, cert.id AS certificate_id, cert.code, cert.serial
      FROM courses c
      LEFT JOIN course_completions cc ON cc.course_id = c.id AND cc.user_id = ${userId}
      LEFT JOIN certificates cert ON cert.course_id = c.id AND cert.user_id = ${userId}
      WHERE ${ids} OR (cc.completed_at >= ${start.toISOString()}::timestamptz AND cc.completed_at < ${end.toISOString()}::timestamptz)
      ORDER BY c.title`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      courseId: String(r.id),
      title: String(r.title),
      lectureCount: Number(r.lecture_count ?? 0),
      completedLectures: Number(r.completed_lectures ?? 0),
      completedAt: date(r.completed_at),
      certificateId: (r.certificate_id as string | null) ?? null,
      certificateCode: (r.code as string | null) ?? null,
      certificateSerial: (r.serial as string | null) ?? null,
    }));
  }

  /** Heartbeats of lawyers in the organization's subtree received in [start, end), after heartbeat id `after`. */
  /**
   * One page of playback sessions (xAPI registrations) of lawyers in the organization's subtree
   * whose first heartbeat arrived in [start, end), in the order of that heartbeat's id, after the
   * cursor `after` (the previous page's last first-heartbeat id); each with all its heartbeats and,
   * when one of them completed the lecture, the completion.
   */
  async registrations(orgId: string, start: Date, end: Date, after: number, limit: number): Promise<{ cursor: number; registration: RegistrationEvidence }[]> {
    const sessions = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        ${subtreeCte(orgId)}, firsts AS (
          SELECT h.session_id, min(h.id) AS first_id
          FROM heartbeats h
          JOIN playback_sessions s ON s.id = h.session_id
          JOIN users u ON u.id = s.user_id
          WHERE u.organization_id IN (SELECT id FROM down) AND NOT s.preview
          GROUP BY h.session_id
          HAVING min(h.received_at) >= ${start.toISOString()}::timestamptz AND min(h.received_at) < ${end.toISOString()}::timestamptz
        )
        SELECT f.first_id, s.id AS session_id, s.opened_at, s.closed_at, s.user_agent AS session_user_agent,
               u.id AS user_id, u.name, u.license_no, l.id AS lecture_id, l.title, l.course_id, l.duration_seconds, c.completion_ratio
        FROM firsts f
        JOIN playback_sessions s ON s.id = f.session_id
        JOIN users u ON u.id = s.user_id
        JOIN lectures l ON l.id = s.lecture_id
        JOIN courses c ON c.id = l.course_id
        WHERE f.first_id > ${after}
        ORDER BY f.first_id
        LIMIT ${limit}`),
    );
    const assembled = await this.assemble(sessions);
    return sessions.map((r, i) => ({ cursor: Number(r.first_id), registration: assembled[i]! }));
  }

  /**
   * These playback sessions as registrations, whole (for the LRS outbox, server/lrs): the same
   * evidence as the export's, so a statement has the same id and content in both. Sessions with no
   * heartbeat and previews are left out, as in the export.
   */
  async registrationsOf(sessionIds: string[]): Promise<RegistrationEvidence[]> {
    if (sessionIds.length === 0) return [];
    const idList = sql.join(sessionIds.map((id) => sql`${id}::uuid`), sql`, `);
    const sessions = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        SELECT s.id AS session_id, s.opened_at, s.closed_at, s.user_agent AS session_user_agent,
               u.id AS user_id, u.name, u.license_no, l.id AS lecture_id, l.title, l.course_id, l.duration_seconds, c.completion_ratio
        FROM playback_sessions s
        JOIN users u ON u.id = s.user_id
        JOIN lectures l ON l.id = s.lecture_id
        JOIN courses c ON c.id = l.course_id
        WHERE s.id IN (${idList}) AND NOT s.preview AND EXISTS (SELECT 1 FROM heartbeats h WHERE h.session_id = s.id)
        ORDER BY s.opened_at, s.id`),
    );
    return this.assemble(sessions);
  }

  /** Session rows (as both queries select them) with their heartbeats and completion. */
  private async assemble(sessions: Record<string, unknown>[]): Promise<RegistrationEvidence[]> {
    if (sessions.length === 0) return [];
    const ids = sessions.map((r) => String(r.session_id));
    const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
    const beats = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        SELECT h.id, h.session_id, h.seq, h.received_at, h.accepted, h.rejected, h.response->'coverageRatio' AS coverage_ratio, h.ip, h.user_agent
        FROM heartbeats h WHERE h.session_id IN (${idList}) ORDER BY h.session_id, h.seq`),
    );
    // the session of the latest heartbeat at or before the completion: the one that completed it
    const completions = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        SELECT p.completed_at, p.credit_minutes, (
                 SELECT h.session_id FROM heartbeats h JOIN playback_sessions s ON s.id = h.session_id
                 WHERE s.user_id = p.user_id AND s.lecture_id = p.lecture_id AND h.received_at <= p.completed_at
                 ORDER BY h.received_at DESC, h.id DESC LIMIT 1) AS session_id
        FROM lecture_progress p
        WHERE p.completed_at IS NOT NULL
          AND (p.user_id, p.lecture_id) IN (SELECT user_id, lecture_id FROM playback_sessions WHERE id IN (${idList}))`),
    );
    const heartbeatsOf = new Map<string, HeartbeatEvidence[]>(ids.map((id) => [id, []]));
    for (const r of beats) {
      heartbeatsOf.get(String(r.session_id))!.push({
        heartbeatId: Number(r.id),
        seq: Number(r.seq),
        receivedAt: date(r.received_at)!,
        accepted: json<[number, number][]>(r.accepted) ?? [],
        rejected: json<{ from: number; to: number; reason: string }[]>(r.rejected) ?? [],
        coverageRatio: r.coverage_ratio == null ? null : Number(json(r.coverage_ratio)),
        ip: (r.ip as string | null) ?? null,
        userAgent: (r.user_agent as string | null) ?? null,
      });
    }
    const completionOf = new Map(completions.filter((c) => c.session_id != null).map((c) => [String(c.session_id), { completedAt: date(c.completed_at)!, creditMinutes: Number(c.credit_minutes ?? 0) }]));
    return sessions.map((r) => ({
      ...learnerLecture(r),
      sessionId: String(r.session_id),
      openedAt: date(r.opened_at)!,
      endedAt: date(r.closed_at),
      userAgent: (r.session_user_agent as string | null) ?? null,
      completionThreshold: Number(r.completion_ratio),
      heartbeats: heartbeatsOf.get(String(r.session_id))!,
      completion: completionOf.get(String(r.session_id)) ?? null,
    }));
  }
}

/** `down(id)`: the organization and everything below it, for the subtree-wide exports. */
function subtreeCte(orgId: string) {
  return sql`WITH RECURSIVE down(id) AS (
        SELECT id FROM organizations WHERE id = ${orgId}
        UNION SELECT o.id FROM organizations o JOIN down ON o.parent_id = down.id
      )`;
}

/** The learner and lecture columns both exports select under the same names. */
function learnerLecture(r: Record<string, unknown>): LearnerLecture {
  return {
    userId: String(r.user_id),
    userName: String(r.name),
    licenseNo: (r.license_no as string | null) ?? null,
    lectureId: String(r.lecture_id),
    lectureTitle: String(r.title),
    courseId: String(r.course_id),
    durationSeconds: Number(r.duration_seconds ?? 0),
  };
}
