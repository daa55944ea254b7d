/**
 * The tables behind the requirement: an organization's own requirement rules
 * (`organizations.requirement_rules`, jsonb) and, for an account that is not a lawyer, its credit.
 * A lawyer's numbers come from the report statement (server/reports/repository.ts).
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { jsonOf } from '../db/rows.ts';
import { lectureProgress, organizations } from '../db/schema/index.ts';
import type { OwnSettingsState } from '../plans/repository.ts';
import type { RequirementRules } from './rules.ts';

export class RequirementsRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Runs `work` in one transaction; the audit entry is written with the same `tx`. */
  async transaction<T>(work: (repo: RequirementsRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new RequirementsRepository(tx), tx));
  }

  /**
   * Sets the organization's own rules (null = inherit) and answers its own settings before and
   * after. Inside `transaction()`: the row is locked from the read to the commit (NO KEY UPDATE,
   * as for the other settings), so "before" is what this change replaced.
   */
  async updateRules(organizationId: string, rules: RequirementRules | null): Promise<{ before: OwnSettingsState; after: OwnSettingsState }> {
    const [row] = await this.db
      .select({ minutesPerClassHour: organizations.minutesPerClassHour, trainingYearStartMonth: organizations.trainingYearStartMonth, requirementRules: organizations.requirementRules })
      .from(organizations)
      .where(eq(organizations.id, organizationId))
      .for('no key update');
    // JSON text cast to jsonb, as the audit log does: both drivers then store an object, never a
    // JSON string inside the jsonb.
    const value = rules === null ? sql`NULL` : sql`${JSON.stringify(rules)}::jsonb`;
    await this.db.update(organizations).set({ requirementRules: value }).where(eq(organizations.id, organizationId));
    const before = { ...row!, requirementRules: jsonOf<unknown>(row!.requirementRules) ?? null };
    return { before, after: { ...before, requirementRules: rules } };
  }

  /** Credit completed in [start, end) by an account the report does not list (no licence number). */
  async creditMinutes(userId: string, start: Date, end: Date): Promise<number> {
    const [row] = await this.db
      .select({ minutes: sql<string | number | null>`sum(${lectureProgress.creditMinutes})` })
      .from(lectureProgress)
      .where(and(eq(lectureProgress.userId, userId), gte(lectureProgress.completedAt, start), lt(lectureProgress.completedAt, end)));
    return Number(row?.minutes ?? 0);
  }
}
