/** Queries of the trainer pages that the catalog does not need. */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { courses, lectureProgress, lectures, organizations, transcodeJobs, uploadReservations } from '../db/schema/index.ts';
import type { CourseRow, LectureRow } from '../catalog/repository.ts';

export class TeachRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Courses of these organizations in every status, newest first, with their lectures in order. */
  async coursesOf(organizationIds: string[]): Promise<{ course: CourseRow; organizationName: string; lectures: LectureRow[] }[]> {
    if (organizationIds.length === 0) return [];
    const rows = await this.db
      .select({ course: courses, organizationName: organizations.name })
      .from(courses)
      .innerJoin(organizations, eq(organizations.id, courses.organizationId))
      .where(inArray(courses.organizationId, organizationIds))
      .orderBy(desc(courses.updatedAt));
    if (rows.length === 0) return [];
    const lectureRows = await this.db
      .select()
      .from(lectures)
      .where(and(inArray(lectures.courseId, rows.map((r) => r.course.id)), isNull(lectures.removedAt)))
      .orderBy(asc(lectures.courseId), asc(lectures.position));
    const byCourse = new Map<string, LectureRow[]>();
    for (const l of lectureRows) byCourse.set(l.courseId, [...(byCourse.get(l.courseId) ?? []), l]);
    return rows.map((r) => ({ course: r.course, organizationName: r.organizationName, lectures: byCourse.get(r.course.id) ?? [] }));
  }

  /**
   * Adds a lecture after the course's last one. Reading the largest position and inserting the
   * next raced: two additions read the same one and the unique index refused the second (a 500,
   * issue 7). The course row is locked first, so additions to one course take turns and each
   * reads what the previous one wrote. FOR NO KEY UPDATE, so inserts that only reference the
   * course (progress, plans) are not held up.
   */
  async appendLecture(courseId: string, title: string, options: { hidden?: boolean } = {}): Promise<LectureRow> {
    return this.db.transaction(async (tx) => new TeachRepository(tx).appendLectureLocked(courseId, title, options));
  }

  /** appendLecture's body, for a caller that already runs a transaction. */
  async appendLectureLocked(courseId: string, title: string, options: { hidden?: boolean } = {}): Promise<LectureRow> {
    await this.lockCourse(courseId);
    const [last] = await this.db.select({ max: sql<number | null>`max(${lectures.position})` }).from(lectures).where(eq(lectures.courseId, courseId));
    const position = last?.max == null || Number(last.max) < 1 ? 1 : Number(last.max) + 1;
    const [row] = await this.db.insert(lectures).values({ courseId, position, title, status: 'uploading', hidden: options.hidden ?? false }).returning();
    return row!;
  }

  /**
   * Locks the course row for a change of its own fields or of its lectures' order, so two
   * editors of one course take turns (FOR NO KEY UPDATE: rows that only reference the course
   * are not held up). Answers the row as locked, or undefined when it is gone.
   */
  async lockCourse(courseId: string): Promise<CourseRow | undefined> {
    const [row] = await this.db.select().from(courses).where(eq(courses.id, courseId)).for('no key update');
    return row;
  }

  /** The lectures a course still has (removed ones left out), in order. */
  async liveLecturesOf(courseId: string): Promise<LectureRow[]> {
    return this.db
      .select()
      .from(lectures)
      .where(and(eq(lectures.courseId, courseId), isNull(lectures.removedAt)))
      .orderBy(asc(lectures.position));
  }

  /**
   * Gives the course's live lectures the positions 1…n in the order of `ids` (every live lecture
   * exactly once; the caller checks). Two steps, because (course, position) is unique: first
   * every row moves out of the way (positions above any in use), then each takes its place.
   */
  async setOrder(courseId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const [top] = await this.db.select({ max: sql<number | null>`max(${lectures.position})` }).from(lectures).where(eq(lectures.courseId, courseId));
    const offset = Math.max(Number(top?.max ?? 0), ids.length) + 1;
    await this.db
      .update(lectures)
      .set({ position: sql`${lectures.position} + ${offset}::int` })
      .where(and(eq(lectures.courseId, courseId), isNull(lectures.removedAt)));
    for (const [index, id] of ids.entries()) {
      await this.db.update(lectures).set({ position: index + 1 }).where(and(eq(lectures.id, id), eq(lectures.courseId, courseId)));
    }
  }

  /**
   * Marks a lecture removed (docs/credit.md, "Removing a lecture"): the row stays, because the
   * credit lawyers earned on it stays; it leaves the catalog and the trainer page, counts as
   * failed for course completion, and takes a position below 1 so the live ones can be 1…n.
   */
  async markRemoved(lectureId: string, courseId: string): Promise<LectureRow | undefined> {
    const [low] = await this.db.select({ min: sql<number | null>`min(${lectures.position})` }).from(lectures).where(eq(lectures.courseId, courseId));
    const position = Math.min(Number(low?.min ?? 0), 0) - 1;
    const [row] = await this.db
      .update(lectures)
      .set({
        removedAt: new Date(),
        status: 'failed',
        failureCode: 'removed',
        failureReasonZh: '讲座已被讲师删除。',
        failureReasonEn: 'The trainer removed this lecture.',
        hidden: true,
        position,
        updatedAt: new Date(),
      })
      .where(and(eq(lectures.id, lectureId), isNull(lectures.removedAt)))
      .returning();
    // its unfinished transcodes stop: their workers lose the job, as when a newer upload supersedes one
    await this.db
      .update(transcodeJobs)
      .set({ status: 'failed', errorCode: 'superseded', errorReason: 'The lecture was removed.', leaseOwner: null, leaseExpiresAt: null, finishedAt: sql`now()` })
      .where(and(eq(transcodeJobs.lectureId, lectureId), inArray(transcodeJobs.status, ['queued', 'running'])));
    return row;
  }

  /** How many lawyers have watched any of the lecture, and how many completed it. */
  async progressCounts(lectureId: string): Promise<{ started: number; completed: number }> {
    const [row] = await this.db
      .select({
        started: sql<number>`count(*)`.mapWith(Number),
        completed: sql<number>`count(${lectureProgress.completedAt})`.mapWith(Number),
      })
      .from(lectureProgress)
      .where(eq(lectureProgress.lectureId, lectureId));
    return { started: row?.started ?? 0, completed: row?.completed ?? 0 };
  }

  /**
   * A replaced recording whose positions no longer mean the same content (docs/credit.md,
   * "Replacing a recording"): coverage starts again for lawyers who had not completed the
   * lecture; completed ones keep everything. Bumps each row's version, so a heartbeat judged on
   * the old coverage (the optimistic path) loses its guard and reads again. Answers how many.
   */
  async resetUnfinishedCoverage(lectureId: string): Promise<number> {
    const rows = await this.db
      .update(lectureProgress)
      .set({ intervals: sql`'[]'::jsonb`, coveredSeconds: 0, lastPosition: 0, updatedAt: new Date(), version: sql`${lectureProgress.version} + 1` })
      .where(and(eq(lectureProgress.lectureId, lectureId), isNull(lectureProgress.completedAt)))
      .returning({ userId: lectureProgress.userId });
    return rows.length;
  }

  /** The organization a course belongs to, if the course exists. */
  async courseOrganization(courseId: string): Promise<string | undefined> {
    const [row] = await this.db.select({ organizationId: courses.organizationId }).from(courses).where(eq(courses.id, courseId));
    return row?.organizationId;
  }

  /** Who uploaded the recording that became this media source (the audit entry's actor), if known. */
  async uploaderOf(sourceId: string): Promise<string | null> {
    const [row] = await this.db.select({ userId: uploadReservations.userId }).from(uploadReservations).where(eq(uploadReservations.sourceId, sourceId)).limit(1);
    return row?.userId ?? null;
  }
}
