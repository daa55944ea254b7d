import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { courses, lectures } from '../db/schema/index.ts';
import { transcriptMatches } from '../subtitles/repository.ts';

export type CourseRow = typeof courses.$inferSelect;
export type LectureRow = typeof lectures.$inferSelect;

/**
 * The lectures learners see (alias `l`): not removed, not hidden by the trainer, not failed —
 * the catalog never counts or shows a lecture that cannot play (issue 11). Same rule as
 * `isLearnerVisible` in service.ts.
 */
const LEARNER_VISIBLE = sql.raw(`l.removed_at IS NULL AND NOT l.hidden AND l.status <> 'failed'`);

export interface CourseQuery {
  q?: string;
  category?: string;
  status?: 'draft' | 'published' | 'archived';
  /** courses for this audience tag */
  audience?: string;
  /** courses owned (organized) by this organization */
  organizationId?: string;
  /** only these courses (an empty list matches none) */
  courseIds?: readonly string[];
  limit: number;
  offset: number;
}

export class CatalogRepository {
  constructor(private readonly db: DbOrTx) {}

  async listCourses(query: CourseQuery): Promise<{ rows: (CourseRow & { lectureCount: number; creditMinutes: number })[]; total: number }> {
    const where: SQL[] = [];
    if (query.status) where.push(eq(courses.status, query.status));
    if (query.category) where.push(sql`${courses.category}::text = ${query.category}`);
    if (query.audience) where.push(sql`${query.audience} = ANY(${courses.audience})`);
    if (query.organizationId) where.push(eq(courses.organizationId, query.organizationId));
    if (query.courseIds) where.push(query.courseIds.length ? sql`${courses.id} IN ${[...query.courseIds]}` : sql`false`);
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // and the lectures' transcripts (docs/subtitles.md, "Search"): a substring, right for Chinese
      where.push(or(ilike(courses.title, like), ilike(courses.summary, like), transcriptMatches(courses.id, query.q))!);
    }
    const condition = where.length ? and(...where) : undefined;
    const [totalRow] = await this.db.select({ n: count() }).from(courses).where(condition);
    const rows = await this.db
      .select({
        course: courses,
        lectureCount: sql<number>`(SELECT count(*) FROM ${lectures} l WHERE l.course_id = "courses"."id" AND ${LEARNER_VISIBLE})`.mapWith(Number),
        creditMinutes: sql<number>`(SELECT coalesce(sum(coalesce(least(l.credit_minutes_override, ceil(l.duration_seconds / 60)), floor(coalesce(l.duration_seconds, 0) / 60))), 0)
              FROM ${lectures} l WHERE l.course_id = "courses"."id" AND l.status = 'ready' AND ${LEARNER_VISIBLE})`.mapWith(Number),
      })
      .from(courses)
      .where(condition)
      .orderBy(desc(courses.publishedAt), asc(courses.title))
      .limit(query.limit)
      .offset(query.offset);
    return { rows: rows.map((r) => ({ ...r.course, lectureCount: r.lectureCount, creditMinutes: r.creditMinutes })), total: Number(totalRow?.n ?? 0) };
  }

  async findCourse(id: string): Promise<CourseRow | undefined> {
    const [row] = await this.db.select().from(courses).where(eq(courses.id, id));
    return row;
  }

  async lecturesOf(courseId: string): Promise<LectureRow[]> {
    return this.db.select().from(lectures).where(eq(lectures.courseId, courseId)).orderBy(asc(lectures.position));
  }

  async findLecture(id: string): Promise<LectureRow | undefined> {
    const [row] = await this.db.select().from(lectures).where(eq(lectures.id, id));
    return row;
  }

  async insertCourse(values: typeof courses.$inferInsert): Promise<CourseRow> {
    const [row] = await this.db.insert(courses).values(values).returning();
    return row!;
  }

  async updateCourse(id: string, values: Partial<typeof courses.$inferInsert>): Promise<CourseRow | undefined> {
    const [row] = await this.db.update(courses).set({ ...values, updatedAt: new Date() }).where(eq(courses.id, id)).returning();
    return row;
  }

  async insertLecture(values: typeof lectures.$inferInsert): Promise<LectureRow> {
    const [row] = await this.db.insert(lectures).values(values).returning();
    return row!;
  }

  async updateLecture(id: string, values: Partial<typeof lectures.$inferInsert>): Promise<LectureRow | undefined> {
    const [row] = await this.db.update(lectures).set({ ...values, updatedAt: new Date() }).where(eq(lectures.id, id)).returning();
    return row;
  }

  async nextLecturePosition(courseId: string): Promise<number> {
    const [row] = await this.db.select({ max: sql<number | null>`max(${lectures.position})` }).from(lectures).where(eq(lectures.courseId, courseId));
    return row?.max == null ? 1 : Number(row.max) + 1;
  }
}
