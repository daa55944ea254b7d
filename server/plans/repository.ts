/** Training plans, their targets and required courses, and the training settings of organizations. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { jsonOf } from '../db/rows.ts';
import { courses, organizations, trainingPlanCourses, trainingPlans, trainingPlanTargets } from '../db/schema/index.ts';

export interface PlanRecord {
  id: string;
  organizationId: string;
  organizationName: string;
  year: number;
  name: string;
  requiredMinutes: number;
  /** 选修: of the year's minutes, at least this many from courses that are not required */
  electiveMinutes: number;
  createdAt: Date;
  targets: { id: string; name: string }[];
  requiredCourses: { id: string; title: string }[];
}

export interface NewPlan {
  organizationId: string;
  year: number;
  name: string;
  requiredMinutes: number;
  electiveMinutes: number;
  targetOrganizationIds: string[];
  requiredCourseIds: string[];
}

export interface OwnSettings {
  minutesPerClassHour: number | null;
  trainingYearStartMonth: number | null;
}

/** An organization's own training settings as the audit log keeps them (null = inherited). */
export interface OwnSettingsState extends OwnSettings {
  /** its own requirement rules (server/requirements/rules.ts) as stored; null = inherited */
  requirementRules: unknown;
}

export class PlansRepository {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Runs `work` in one transaction with a repository bound to it; the change's audit entry is
   * written with the same `tx` (server/audit), so both or neither stay.
   */
  async transaction<T>(work: (repo: PlansRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new PlansRepository(tx), tx));
  }

  /**
   * Inserts the plan with its targets and courses; inside `transaction()`, so it is all or
   * nothing. Null when the name is taken.
   */
  async insert(plan: NewPlan): Promise<string | null> {
    const [row] = await this.db
      .insert(trainingPlans)
      .values({ organizationId: plan.organizationId, year: plan.year, name: plan.name, requiredMinutes: plan.requiredMinutes, electiveMinutes: plan.electiveMinutes })
      .onConflictDoNothing()
      .returning({ id: trainingPlans.id });
    if (!row) return null;
    if (plan.targetOrganizationIds.length) {
      await this.db.insert(trainingPlanTargets).values(plan.targetOrganizationIds.map((organizationId) => ({ planId: row.id, organizationId })));
    }
    if (plan.requiredCourseIds.length) {
      await this.db.insert(trainingPlanCourses).values(plan.requiredCourseIds.map((courseId) => ({ planId: row.id, courseId })));
    }
    return row.id;
  }

  async findOwner(planId: string): Promise<{ id: string; organizationId: string } | undefined> {
    const [row] = await this.db.select({ id: trainingPlans.id, organizationId: trainingPlans.organizationId }).from(trainingPlans).where(eq(trainingPlans.id, planId));
    return row;
  }

  /** Deletes the plan (its targets and courses go with it); false when it was already gone. */
  async delete(planId: string): Promise<boolean> {
    const rows = await this.db.delete(trainingPlans).where(eq(trainingPlans.id, planId)).returning({ id: trainingPlans.id });
    return rows.length > 0;
  }

  /** Plans owned by the given organizations (optionally of one year), with targets and courses. */
  async listOwnedBy(organizationIds: string[], year?: number): Promise<PlanRecord[]> {
    if (organizationIds.length === 0) return [];
    const where = year === undefined ? inArray(trainingPlans.organizationId, organizationIds) : and(inArray(trainingPlans.organizationId, organizationIds), eq(trainingPlans.year, year));
    const plans = await this.selectPlans()
      .where(where)
      .orderBy(sql`${trainingPlans.year} DESC`, asc(organizations.regionCode), asc(trainingPlans.name));
    return this.attach(plans);
  }

  async findById(planId: string): Promise<PlanRecord | undefined> {
    const plans = await this.selectPlans().where(eq(trainingPlans.id, planId));
    return (await this.attach(plans))[0];
  }

  /** Plan rows with their owner's name; callers add the filter. */
  private selectPlans() {
    return this.db
      .select({
        id: trainingPlans.id,
        organizationId: trainingPlans.organizationId,
        organizationName: organizations.name,
        year: trainingPlans.year,
        name: trainingPlans.name,
        requiredMinutes: trainingPlans.requiredMinutes,
        electiveMinutes: trainingPlans.electiveMinutes,
        createdAt: trainingPlans.createdAt,
      })
      .from(trainingPlans)
      .innerJoin(organizations, eq(organizations.id, trainingPlans.organizationId));
  }

  private async attach(plans: Omit<PlanRecord, 'targets' | 'requiredCourses'>[]): Promise<PlanRecord[]> {
    if (plans.length === 0) return [];
    const ids = plans.map((p) => p.id);
    const targets = await this.db
      .select({ planId: trainingPlanTargets.planId, id: organizations.id, name: organizations.name })
      .from(trainingPlanTargets)
      .innerJoin(organizations, eq(organizations.id, trainingPlanTargets.organizationId))
      .where(inArray(trainingPlanTargets.planId, ids))
      .orderBy(asc(organizations.regionCode), asc(organizations.name));
    const required = await this.db
      .select({ planId: trainingPlanCourses.planId, id: courses.id, title: courses.title })
      .from(trainingPlanCourses)
      .innerJoin(courses, eq(courses.id, trainingPlanCourses.courseId))
      .where(inArray(trainingPlanCourses.planId, ids))
      .orderBy(asc(courses.title));
    return plans.map((p) => ({
      ...p,
      targets: targets.filter((t) => t.planId === p.id).map(({ id, name }) => ({ id, name })),
      requiredCourses: required.filter((c) => c.planId === p.id).map(({ id, title }) => ({ id, title })),
    }));
  }

  async existingOrganizationIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.select({ id: organizations.id }).from(organizations).where(inArray(organizations.id, ids));
    return new Set(rows.map((r) => r.id));
  }

  async coursesByIds(ids: string[]): Promise<{ id: string; status: string }[]> {
    if (ids.length === 0) return [];
    return this.db.select({ id: courses.id, status: courses.status }).from(courses).where(inArray(courses.id, ids));
  }

  /**
   * Sets the organization's own training settings (null = inherit from the parent) and answers
   * them before and after. Inside `transaction()`: the row is locked from the read to the commit,
   * so "before" is what this change replaced, even when two administrators save at once (NO KEY
   * UPDATE, like the update itself: rows pointing at the organization can still be written).
   * Before and after carry the requirement rules too, so every settings entry of the audit log
   * shows all of the organization's own settings.
   */
  async updateSettings(organizationId: string, values: Partial<OwnSettings>): Promise<{ before: OwnSettingsState; after: OwnSettingsState }> {
    const [before] = await this.db
      .select({ minutesPerClassHour: organizations.minutesPerClassHour, trainingYearStartMonth: organizations.trainingYearStartMonth, requirementRules: organizations.requirementRules })
      .from(organizations)
      .where(eq(organizations.id, organizationId))
      .for('no key update');
    if (Object.keys(values).length > 0) await this.db.update(organizations).set(values).where(eq(organizations.id, organizationId));
    const state = { ...before!, requirementRules: jsonOf<unknown>(before!.requirementRules) ?? null };
    return { before: state, after: { ...state, ...values } };
  }
}
