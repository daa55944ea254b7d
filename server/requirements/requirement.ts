/**
 * A lawyer's requirement for the year: the association's rules (rules.ts) where a training plan
 * covers the lawyer, with what the plans add (pure). Used per report row (server/reports/rows.ts)
 * and for "my requirement" (service.ts), so a lawyer reads the same numbers in both.
 * docs/audit.md, "The yearly requirement".
 */
import type { ExemptionReason, RequirementOutcome, RequirementReason } from './rules.ts';

/** What the plans of the year that cover the lawyer ask, together. */
export interface PlanDemand {
  /** how many plans of the year cover the lawyer's firm */
  planCount: number;
  /** the largest requiredMinutes of those plans */
  planRequiredMinutes: number;
  /** the largest electiveMinutes (选修 minimum) of those plans */
  planElectiveMinutes: number;
}

export type YearRequirement =
  /** no plan covers the lawyer: nothing is measured, so never "met" */
  | { kind: 'not_planned' }
  /** a plan covers the lawyer, but the rules exempt them: nothing is owed this year */
  | { kind: 'exempt'; reason: ExemptionReason }
  | {
      kind: 'required';
      /** the year's target in minutes */
      minutes: number;
      /** of which at least this many from courses that are not required (选修) */
      electiveMinutes: number;
      reason: RequirementReason;
    };

/**
 * Rules and plans together. The rules decide whether and how much a lawyer owes; a plan is what
 * brings the lawyer into the year (no plan: not planned). A plan's requiredMinutes is what it asks
 * of a full-time lawyer for a whole year, so it raises the annual amount but never a pro-rated or
 * part-time amount, nor undoes an exemption — those are the provincial rules. The elective minimum
 * is part of the year's minutes: it raises an annual target and is capped by a reduced one.
 */
export function yearRequirement(outcome: RequirementOutcome, plans: PlanDemand): YearRequirement {
  if (plans.planCount === 0) return { kind: 'not_planned' };
  if (outcome.kind === 'exempt') return { kind: 'exempt', reason: outcome.reason };
  if (outcome.reason === 'annual') {
    return { kind: 'required', minutes: Math.max(outcome.minutes, plans.planRequiredMinutes, plans.planElectiveMinutes), electiveMinutes: plans.planElectiveMinutes, reason: 'annual' };
  }
  return { kind: 'required', minutes: outcome.minutes, electiveMinutes: Math.min(plans.planElectiveMinutes, outcome.minutes), reason: outcome.reason };
}

export interface LawyerProgress {
  /** credit earned in the training year */
  creditMinutes: number;
  /** of which from courses that are not among the lawyer's required courses */
  electiveCreditMinutes: number;
  /** required courses not completed by the end of the year */
  missingCourses: readonly unknown[];
}

/**
 * Met: the target reached, no required course missing and the elective minimum reached. An
 * exempt lawyer owes nothing, so has met the year; a lawyer no plan covers is null — neither met
 * nor not met, and never counted as compliant.
 */
export function isMet(requirement: YearRequirement, progress: LawyerProgress): boolean | null {
  switch (requirement.kind) {
    case 'not_planned':
      return null;
    case 'exempt':
      return true;
    case 'required':
      return progress.creditMinutes >= requirement.minutes && progress.missingCourses.length === 0 && progress.electiveCreditMinutes >= requirement.electiveMinutes;
  }
}

/** The year's target in minutes: 0 when not planned or exempt. */
export function targetMinutes(requirement: YearRequirement): number {
  return requirement.kind === 'required' ? requirement.minutes : 0;
}
