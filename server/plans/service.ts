/**
 * Training plans: an association sets, for a training year, the minutes every lawyer it targets
 * must earn and, optionally, courses they must complete. Targets are organizations inside the
 * association's subtree (a plan with none targets the whole subtree). Also the association's
 * training settings (minutes per 学时, month the training year starts), inherited down the tree.
 * Creating or deleting a plan and changing settings each write an audit entry in the same
 * transaction (docs/audit.md, "The audit log").
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog, type AuditState } from '../audit/service.ts';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../http/errors.ts';
import type { OrganizationsRepository } from '../organizations/repository.ts';
import { creditRulesOf, type OrganizationsService } from '../organizations/service.ts';
import type { PlanRecord, PlansRepository } from './repository.ts';
import type { NewTrainingPlan, SettingsChange, TrainingPlan, TrainingSettings } from './schemas.ts';

/** What the routes take and answer (schemas.ts). */
export type CreatePlanInput = NewTrainingPlan;
export type PlanView = TrainingPlan;
export type SettingsInput = SettingsChange;

export class PlansService {
  constructor(
    private readonly repo: PlansRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly rules: OrganizationsService,
    private readonly access: AccessPolicy,
  ) {}

  async create(user: SessionUser, organizationId: string, input: CreatePlanInput, ip: string): Promise<PlanView> {
    const org = await this.adminAssociation(user, organizationId);
    const name = input.name.trim();
    if (!name) throw badRequest('invalid_name', 'The plan needs a name.');
    const targetIds = [...new Set(input.targetOrganizationIds ?? [])];
    const courseIds = [...new Set(input.requiredCourseIds ?? [])];

    if (targetIds.length) {
      const inside = new Set((await this.organizations.subtree([org.id])).map((o) => o.id));
      const existing = await this.repo.existingOrganizationIds(targetIds);
      for (const id of targetIds) {
        if (inside.has(id)) continue;
        if (!existing.has(id)) throw badRequest('unknown_organization', `There is no organization ${id}.`);
        // Outside the plan's subtree: a 403 when the caller may not even see it, else a bad body.
        if (!(await this.access.hasRole(user, id, 'admin'))) throw forbidden('A plan can only target organizations you administer.');
        throw badRequest('target_outside_organization', `Organization ${id} is not inside ${org.name}; a plan can only target organizations below the one that sets it.`);
      }
    }
    if (courseIds.length) {
      const found = new Map((await this.repo.coursesByIds(courseIds)).map((c) => [c.id, c.status]));
      for (const id of courseIds) {
        const status = found.get(id);
        if (!status) throw badRequest('unknown_course', `There is no course ${id}.`);
        if (status !== 'published') throw badRequest('course_not_published', `Course ${id} is not published, so lawyers could not take it.`);
      }
    }
    const electiveMinutes = input.electiveMinutes ?? 0;
    if (input.requiredMinutes === 0 && electiveMinutes === 0 && courseIds.length === 0) {
      throw badRequest('empty_plan', 'A plan needs required minutes, an elective minimum or required courses.');
    }
    const plan = await this.repo.transaction(async (repo, tx) => {
      const id = await repo.insert({ organizationId: org.id, year: input.year, name, requiredMinutes: input.requiredMinutes, electiveMinutes, targetOrganizationIds: targetIds, requiredCourseIds: courseIds });
      if (!id) return null;
      const created = (await repo.findById(id))!;
      await AuditLog.record(tx, { actor: user, action: 'plan.created', organizationId: org.id, targetType: 'plan', targetId: id, before: null, after: auditStateOf(created), ip });
      return created;
    });
    if (!plan) throw conflict('plan_exists', `${org.name} already has a plan named “${name}” for ${input.year}.`);
    return view(plan, new Set([org.id]));
  }

  /**
   * Plans that concern the organization: those it or its ancestors set (which may target it) and
   * those set inside its subtree.
   */
  async list(user: SessionUser, organizationId: string, year?: number): Promise<PlanView[]> {
    const above = (await this.access.assertRole(user, organizationId, 'admin')).map((o) => o.id);
    const below = (await this.organizations.subtree([organizationId])).map((o) => o.id);
    const plans = await this.repo.listOwnedBy([...new Set([...above, ...below])], year);
    const mine = new Set(below);
    const related = new Set([...above, ...below]);
    // A plan set above applies here only when it targets this organization, one above it, or
    // something inside it (no targets = the setter's whole subtree, which includes this one).
    const concerns = (p: PlanRecord) => mine.has(p.organizationId) || p.targets.length === 0 || p.targets.some((t) => related.has(t.id));
    return plans.filter(concerns).map((p) => view(p, mine));
  }

  async delete(user: SessionUser, planId: string, ip: string): Promise<void> {
    const owner = await this.repo.findOwner(planId);
    if (!owner) throw notFound('The plan');
    await this.access.assertRole(user, owner.organizationId, 'admin');
    await this.repo.transaction(async (repo, tx) => {
      const plan = await repo.findById(planId);
      // Gone since the check (another administrator deleted it): one deletion, one entry.
      if (!plan || !(await repo.delete(planId))) throw notFound('The plan');
      await AuditLog.record(tx, { actor: user, action: 'plan.deleted', organizationId: plan.organizationId, targetType: 'plan', targetId: planId, before: auditStateOf(plan), after: null, ip });
    });
  }

  async settings(user: SessionUser, organizationId: string): Promise<TrainingSettings> {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const org = chain[0]!;
    const effective = creditRulesOf(chain);
    return {
      organizationId: org.id,
      kind: org.kind,
      own: { minutesPerClassHour: org.minutesPerClassHour, trainingYearStartMonth: org.trainingYearStartMonth },
      effective,
      editable: org.kind !== 'firm',
    };
  }

  /**
   * Any admin of an association (or above it) may set its minutes per 学时 and year start; firms
   * cannot — their lawyers follow the association they belong to. Null returns to inheriting.
   */
  async updateSettings(user: SessionUser, organizationId: string, input: SettingsInput, ip: string): Promise<TrainingSettings> {
    const org = await this.adminAssociation(user, organizationId);
    if (org.parentId === null && (input.minutesPerClassHour === null || input.trainingYearStartMonth === null)) {
      throw badRequest('root_cannot_inherit', 'The national association has nothing to inherit from; give a value.');
    }
    const values: { minutesPerClassHour?: number | null; trainingYearStartMonth?: number | null } = {};
    if (input.minutesPerClassHour !== undefined) values.minutesPerClassHour = input.minutesPerClassHour;
    if (input.trainingYearStartMonth !== undefined) values.trainingYearStartMonth = input.trainingYearStartMonth;
    await this.repo.transaction(async (repo, tx) => {
      const { before, after } = await repo.updateSettings(org.id, values);
      await AuditLog.record(tx, { actor: user, action: 'organization.settings_changed', organizationId: org.id, targetType: 'organization', targetId: org.id, before: { ...before }, after: { ...after }, ip });
    });
    return this.settings(user, organizationId);
  }

  private async adminAssociation(user: SessionUser, organizationId: string) {
    await this.access.assertRole(user, organizationId, 'admin');
    const org = await this.organizations.findById(organizationId);
    if (!org) throw forbidden();
    if (org.kind === 'firm') throw new HttpError(400, 'not_an_association', 'Plans and training settings belong to associations, not to law firms.');
    return org;
  }
}

/** What the audit log keeps of a plan: what it asks of whom (names can change, ids stay). */
function auditStateOf(p: PlanRecord): AuditState {
  return {
    organizationId: p.organizationId,
    year: p.year,
    name: p.name,
    requiredMinutes: p.requiredMinutes,
    electiveMinutes: p.electiveMinutes,
    targetOrganizationIds: p.targets.map((t) => t.id),
    requiredCourseIds: p.requiredCourses.map((c) => c.id),
  };
}

function view(p: PlanRecord, own: Set<string>): PlanView {
  return {
    id: p.id,
    organization: { id: p.organizationId, name: p.organizationName },
    year: p.year,
    name: p.name,
    requiredMinutes: p.requiredMinutes,
    electiveMinutes: p.electiveMinutes,
    targets: p.targets,
    requiredCourses: p.requiredCourses,
    createdAt: p.createdAt.toISOString(),
    inherited: !own.has(p.organizationId),
  };
}
