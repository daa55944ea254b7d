/** Queries of the trainer pages that the catalog does not need. */
import { asc, desc, eq, inArray } from 'drizzle-orm';
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
}
