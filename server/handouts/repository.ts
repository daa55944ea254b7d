/** The only code that touches `handouts`. */
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { handouts, lectures } from '../db/schema/index.ts';

export type HandoutRow = typeof handouts.$inferSelect;
export type NewHandout = Omit<typeof handouts.$inferInsert, 'position' | 'createdAt'> & { id: string };

export class HandoutsRepository {
  constructor(private readonly db: DbOrTx) {}

  async find(id: string): Promise<HandoutRow | undefined> {
    const [row] = await this.db.select().from(handouts).where(eq(handouts.id, id));
    return row;
  }

  /**
   * The handouts of these courses (course-wide and per lecture), in each course's order; those of
   * removed lectures are left out (they stay stored with the lecture's row, as its credit does).
   */
  async ofCourses(courseIds: readonly string[]): Promise<HandoutRow[]> {
    if (courseIds.length === 0) return [];
    const rows = await this.db
      .select({ handout: handouts })
      .from(handouts)
      .leftJoin(lectures, eq(lectures.id, handouts.lectureId))
      .where(and(inArray(handouts.courseId, [...courseIds]), or(isNull(handouts.lectureId), isNull(lectures.removedAt))))
      .orderBy(asc(handouts.courseId), asc(handouts.position));
    return rows.map((r) => r.handout);
  }

  /**
   * Adds a handout after the course's last one. The caller holds the course row locked
   * (TeachRepository.lockCourse) in the same transaction, so two uploads take turns for the position.
   */
  async insertLocked(values: NewHandout): Promise<HandoutRow> {
    const [last] = await this.db.select({ max: sql<number | null>`max(${handouts.position})` }).from(handouts).where(eq(handouts.courseId, values.courseId));
    const position = last?.max == null ? 1 : Number(last.max) + 1;
    const [row] = await this.db
      .insert(handouts)
      .values({ ...values, position })
      .returning();
    return row!;
  }

  async rename(id: string, title: string): Promise<HandoutRow | undefined> {
    const [row] = await this.db.update(handouts).set({ title }).where(eq(handouts.id, id)).returning();
    return row;
  }

  async delete(id: string): Promise<HandoutRow | undefined> {
    const [row] = await this.db.delete(handouts).where(eq(handouts.id, id)).returning();
    return row;
  }
}
