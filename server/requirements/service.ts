/**
 * The yearly requirement (docs/audit.md, "The yearly requirement"): associations set their
 * requirement rules in 学时 (inherited down the tree like the minutes per 学时), and a lawyer
 * reads what they owe this year — the same numbers as every report that lists them, because both
 * come from the report statement and rows.ts.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import type { OrganizationRow, OrganizationsRepository } from '../organizations/repository.ts';
import { creditRulesOf } from '../organizations/service.ts';
import { classHours, trainingYearOf, trainingYearRange } from '../playback/credit.ts';
import type { ReportsRepository } from '../reports/repository.ts';
import { requirementOf, toReportLawyer } from '../reports/rows.ts';
import type { RequirementsRepository } from './repository.ts';
import { BUILT_IN_RULES, rulesProblem, storedRules, type RequirementRules } from './rules.ts';
import type { MyRequirement, RulesView } from './schemas.ts';

export type { MyRequirement, RulesView } from './schemas.ts';

/** The rules in force for an organization, from its ancestor chain (itself first). */
export function effectiveRulesOf(chain: readonly OrganizationRow[]): { rules: RequirementRules; from: OrganizationRow | null } {
  // the nearest organization with rules decides; a stored value that is not valid rules is
  // ignored and the built-in rules apply (as in the report statement)
  const nearest = chain.find((o) => o.requirementRules != null);
  const rules = nearest ? storedRules(nearest.requirementRules) : null;
  return rules && nearest ? { rules, from: nearest } : { rules: BUILT_IN_RULES, from: null };
}

export class RequirementsService {
  constructor(
    private readonly repo: RequirementsRepository,
    private readonly reports: ReportsRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Own and effective rules of an organization; 403 unless the caller administers it or above. */
  async rules(user: SessionUser, organizationId: string): Promise<RulesView> {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const org = chain[0]!;
    const { rules, from } = effectiveRulesOf(chain);
    return {
      organizationId: org.id,
      kind: org.kind,
      own: storedRules(org.requirementRules),
      effective: rules,
      effectiveFrom: from ? { id: from.id, name: from.name } : null,
      minutesPerClassHour: creditRulesOf(chain).minutesPerClassHour,
      editable: org.kind !== 'firm',
    };
  }

  /**
   * Sets an association's own rules (null = inherit again). Any administrator of the association
   * or above it may; firms have none (their lawyers follow the association) and the root has
   * nothing to inherit. One audit entry, in the same transaction.
   */
  async updateRules(user: SessionUser, organizationId: string, rules: RequirementRules | null, ip: string): Promise<RulesView> {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const org = chain[0]!;
    if (org.kind === 'firm') throw new HttpError(400, 'not_an_association', 'Plans and training settings belong to associations, not to law firms.');
    if (rules === null && org.parentId === null) throw badRequest('root_cannot_inherit', 'The national association has nothing to inherit from; give a value.');
    const problem = rules === null ? null : rulesProblem(rules);
    if (problem) throw badRequest('invalid_requirement_rules', `${problem} Correct the rules and save again.`);
    await this.repo.transaction(async (repo, tx) => {
      const { before, after } = await repo.updateRules(org.id, rules);
      await AuditLog.record(tx, { actor: user, action: 'organization.settings_changed', organizationId: org.id, targetType: 'organization', targetId: org.id, before: { ...before }, after: { ...after }, ip });
    });
    return this.rules(user, organizationId);
  }

  /**
   * What I owe in a training year (default: the current one of my association). Accounts without
   * a licence number are not lawyers: the report never lists them, so no plan covers them here.
   */
  async myRequirement(user: SessionUser, requestedYear?: number): Promise<MyRequirement> {
    const { minutesPerClassHour, trainingYearStartMonth } = creditRulesOf(await this.organizations.ancestors(user.organizationId));
    const year = requestedYear ?? trainingYearOf(this.now(), trainingYearStartMonth);
    const range = trainingYearRange(year, trainingYearStartMonth);
    const [facts] = await this.reports.lawyerFacts({ organizationId: user.organizationId, year, start: range.start, end: range.end, userId: user.id });
    const hours = (minutes: number) => classHours(minutes, minutesPerClassHour);
    const common = { year, deadline: range.end.toISOString(), from: range.start.toISOString(), minutesPerClassHour };

    if (!facts) {
      const creditMinutes = await this.repo.creditMinutes(user.id, range.start, range.end);
      return {
        ...common,
        planned: false,
        requiredMinutes: 0,
        creditMinutes,
        onlineMinutes: creditMinutes,
        inPersonMinutes: 0,
        remainingMinutes: 0,
        requiredCourses: [],
        requiredClassHours: 0,
        creditClassHours: hours(creditMinutes),
        onlineClassHours: hours(creditMinutes),
        inPersonClassHours: 0,
        remainingClassHours: 0,
        electiveMinutes: 0,
        electiveCreditMinutes: creditMinutes,
        basis: 'not_planned',
        met: null,
      };
    }
    const row = toReportLawyer(facts, { year, range, minutesPerClassHour });
    const owes = requirementOf(facts, { year, range }).kind === 'required';
    const remainingMinutes = owes ? Math.max(0, row.requiredMinutes - row.creditMinutes, row.electiveMinutes - row.electiveCreditMinutes) : 0;
    // an exempt lawyer owes no course either; a lawyer no plan covers has none
    const requiredCourses = owes ? (facts.requiredCourses ?? []).map((c) => ({ courseId: c.id, title: c.title, completed: c.completed })) : [];
    return {
      ...common,
      planned: row.planned,
      requiredMinutes: row.requiredMinutes,
      creditMinutes: row.creditMinutes,
      onlineMinutes: row.onlineMinutes,
      inPersonMinutes: row.inPersonMinutes,
      remainingMinutes,
      requiredCourses,
      requiredClassHours: hours(row.requiredMinutes),
      creditClassHours: hours(row.creditMinutes),
      onlineClassHours: hours(row.onlineMinutes),
      inPersonClassHours: hours(row.inPersonMinutes),
      remainingClassHours: hours(remainingMinutes),
      electiveMinutes: row.electiveMinutes,
      electiveCreditMinutes: row.electiveCreditMinutes,
      basis: row.basis,
      met: row.met,
    };
  }
}
