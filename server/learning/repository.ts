import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { dateOf, rowsOf } from '../db/rows.ts';

/** One lawyer's state on one course, from lecture_progress and course_completions. */
export interface CourseProgressRow {
  courseId: string;
  /** lectures that count toward completion (not failed) */
  lectureCount: number;
  completedLectures: number;
  /** covered media seconds of the ready lectures, each at most its duration */
  coveredSeconds: number;
  durationSeconds: number;
  /** minutes granted for the course's lectures */
  creditMinutes: number;
  completed: boolean;
  /** last heartbeat on any of its lectures; null: never watched */
  lastWatchedAt: Date | null;
}

export interface LectureProgressRow {
  lectureId: string;
  coveredSeconds: number;
  lastPosition: number;
  completed: boolean;
  creditMinutes: number;
  updatedAt: Date;
}

export interface ResumeRow {
  lectureId: string;
  lectureTitle: string;
  position: number;
  durationSeconds: number;
  lastPosition: number;
  coveredSeconds: number;
  courseId: string;
  courseTitle: string;
  watchedAt: Date;
}

export interface CourseNamesRow {
  courseId: string;
  organizerId: string;
  organizerName: string;
  trainerName: string | null;
}

/** The learner's own state (issue 11, "Learner state everywhere"): read-only, the caller's rows only. */
export class LearningRepository {
  constructor(private readonly db: DbOrTx) {}

  async courseProgress(userId: string, courseIds: readonly string[]): Promise<CourseProgressRow[]> {
    if (courseIds.length === 0) return [];
    const rows = await this.db.execute(sql`
      SELECT l.course_id,
        count(*) FILTER (WHERE l.status <> 'failed' AND NOT l.hidden) AS lecture_count,
        count(p.completed_at) FILTER (WHERE l.status <> 'failed' AND NOT l.hidden) AS completed_lectures,
        coalesce(sum(least(coalesce(p.covered_seconds, 0), l.duration_seconds)) FILTER (WHERE l.status = 'ready'), 0) AS covered_seconds,
        coalesce(sum(l.duration_seconds) FILTER (WHERE l.status = 'ready'), 0) AS duration_seconds,
        coalesce(sum(p.credit_minutes), 0) AS credit_minutes,
        max(p.updated_at) FILTER (WHERE p.covered_seconds > 0 OR p.last_position > 0) AS last_watched_at,
        EXISTS (SELECT 1 FROM course_completions cc WHERE cc.user_id = ${userId} AND cc.course_id = l.course_id) AS completed
      FROM lectures l
      LEFT JOIN lecture_progress p ON p.lecture_id = l.id AND p.user_id = ${userId}
      WHERE l.course_id IN ${[...courseIds]}
      GROUP BY l.course_id`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      courseId: String(r.course_id),
      lectureCount: Number(r.lecture_count ?? 0),
      completedLectures: Number(r.completed_lectures ?? 0),
      coveredSeconds: Number(r.covered_seconds ?? 0),
      durationSeconds: Number(r.duration_seconds ?? 0),
      creditMinutes: Number(r.credit_minutes ?? 0),
      completed: r.completed === true || r.completed === 't',
      lastWatchedAt: dateOf(r.last_watched_at),
    }));
  }

  async lectureProgress(userId: string, courseId: string): Promise<LectureProgressRow[]> {
    const rows = await this.db.execute(sql`
      SELECT p.lecture_id, p.covered_seconds, p.last_position, p.completed_at, p.credit_minutes, p.updated_at
      FROM lecture_progress p JOIN lectures l ON l.id = p.lecture_id
      WHERE p.user_id = ${userId} AND l.course_id = ${courseId}`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      lectureId: String(r.lecture_id),
      coveredSeconds: Number(r.covered_seconds ?? 0),
      lastPosition: Number(r.last_position ?? 0),
      completed: r.completed_at != null,
      creditMinutes: Number(r.credit_minutes ?? 0),
      updatedAt: dateOf(r.updated_at)!,
    }));
  }

  /**
   * The lecture to resume: the most recently watched one that is not complete, ready, in a
   * published course (optionally one course). "Watched": something covered or a position kept;
   * opening a lecture alone writes an empty row that does not count.
   */
  async resume(userId: string, courseId?: string): Promise<ResumeRow | null> {
    const rows = await this.db.execute(sql`
      SELECT p.lecture_id, l.title, l.position, l.duration_seconds, p.last_position, p.covered_seconds,
             c.id AS course_id, c.title AS course_title, p.updated_at
      FROM lecture_progress p
      JOIN lectures l ON l.id = p.lecture_id
      JOIN courses c ON c.id = l.course_id
      WHERE p.user_id = ${userId} AND p.completed_at IS NULL AND (p.covered_seconds > 0 OR p.last_position > 0)
        AND l.status = 'ready' AND c.status = 'published'
        ${courseId ? sql`AND c.id = ${courseId}` : sql``}
      ORDER BY p.updated_at DESC, l.position
      LIMIT 1`);
    const r = rowsOf<Record<string, unknown>>(rows)[0];
    if (!r) return null;
    return {
      lectureId: String(r.lecture_id),
      lectureTitle: String(r.title),
      position: Number(r.position),
      durationSeconds: Number(r.duration_seconds ?? 0),
      lastPosition: Number(r.last_position ?? 0),
      coveredSeconds: Number(r.covered_seconds ?? 0),
      courseId: String(r.course_id),
      courseTitle: String(r.course_title),
      watchedAt: dateOf(r.updated_at)!,
    };
  }

  /** The organizing association and the trainer (the course's author) of each course. */
  async courseNames(courseIds: readonly string[]): Promise<CourseNamesRow[]> {
    if (courseIds.length === 0) return [];
    const rows = await this.db.execute(sql`
      SELECT c.id, o.id AS organizer_id, o.name AS organizer_name, u.name AS trainer_name
      FROM courses c JOIN organizations o ON o.id = c.organization_id LEFT JOIN users u ON u.id = c.created_by
      WHERE c.id IN ${[...courseIds]}`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      courseId: String(r.id),
      organizerId: String(r.organizer_id),
      organizerName: String(r.organizer_name),
      trainerName: (r.trainer_name as string | null) ?? null,
    }));
  }

  /** The organizations that own a published course: the organizer filter's choices. */
  async organizers(): Promise<{ id: string; name: string }[]> {
    const rows = await this.db.execute(sql`
      SELECT DISTINCT o.id, o.name FROM courses c JOIN organizations o ON o.id = c.organization_id
      WHERE c.status = 'published' ORDER BY o.name`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({ id: String(r.id), name: String(r.name) }));
  }
}
