/** Queries of the trainer pages that the catalog does not need. */
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { courses, lectures, organizations } from '../db/schema/index.ts';
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
      .where(inArray(lectures.courseId, rows.map((r) => r.course.id)))
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
  async appendLecture(courseId: string, title: string): Promise<LectureRow> {
    return this.db.transaction(async (tx) => {
      await tx.select({ id: courses.id }).from(courses).where(eq(courses.id, courseId)).for('no key update');
      const [last] = await tx.select({ max: sql<number | null>`max(${lectures.position})` }).from(lectures).where(eq(lectures.courseId, courseId));
      const position = last?.max == null ? 1 : Number(last.max) + 1;
      const [row] = await tx.insert(lectures).values({ courseId, position, title, status: 'uploading' }).returning();
      return row!;
    });
  }
}
