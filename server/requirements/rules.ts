/**
 * What a lawyer owes in a training year under their association's requirement rules (pure; no
 * I/O). Provinces differ — Shanghai asks 40 学时, pro-rated for a lawyer who started practising
 * during the year (≥ 6 months → 40, 2–6 months → 20, < 2 months → exempt), 24 for part-time
 * lawyers, nothing from 65 — so the rules are data an association sets, in 学时, and this module
 * applies them. How they combine with training plans: requirement.ts. Decisions: docs/audit.md,
 * "The yearly requirement". Tests: tests/unit/requirement-rules.test.ts.
 */
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const ClassHours = Type.Integer({ minimum: 0, maximum: 200, description: '学时' });

export const ProRatingStep = Type.Object(
  {
    minMonthsPractised: Type.Integer({ minimum: 0, maximum: 12, description: 'whole months practised in the training year, at least' }),
    classHours: ClassHours,
  },
  { additionalProperties: false },
);

/** The rules as stored in `organizations.requirement_rules` and sent over the API (in 学时). */
export const RequirementRulesSchema = Type.Object(
  {
    annualClassHours: Type.Integer({ minimum: 0, maximum: 200, description: '学时 a full-time lawyer who practised the whole training year owes' }),
    proRating: Type.Array(ProRatingStep, {
      maxItems: 12,
      description:
        'for a lawyer who started practising during the year: the step with the most months not above the months practised applies; fewer months than every step = exempt. Empty = no pro-rating (the annual amount)',
    }),
    partTimeClassHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 200, description: '学时 a part-time lawyer (兼职律师) owes at most' })),
    exemptFromAge: Type.Optional(Type.Integer({ minimum: 18, maximum: 120, description: 'lawyers of this age or older (reached in the calendar year the training year starts in) owe nothing' })),
  },
  { additionalProperties: false },
);

export type RequirementRules = Static<typeof RequirementRulesSchema>;
export type ProRating = Static<typeof ProRatingStep>;

/**
 * In force where no association up to the root has set rules: nothing beyond what the plans ask
 * (the plans' minutes alone, as before rules existed), so installing rules changes no report.
 */
export const BUILT_IN_RULES: RequirementRules = { annualClassHours: 0, proRating: [] };

/** What the rules say a lawyer owes, before plans (requirement.ts adds them). */
export type RequirementOutcome =
  | {
      kind: 'required';
      minutes: number;
      classHours: number;
      /** annual: the annual amount; pro_rated: a step of the table; part_time: the part-time cap */
      reason: 'annual' | 'pro_rated' | 'part_time';
    }
  | {
      kind: 'exempt';
      /** new_practice: too few months practised in the year (or none); age: the exempt age reached */
      reason: 'new_practice' | 'age';
    };

export type RequirementReason = Extract<RequirementOutcome, { kind: 'required' }>['reason'];
export type ExemptionReason = Extract<RequirementOutcome, { kind: 'exempt' }>['reason'];

/** What the rules read of a lawyer (users.practice_started_on, part_time, birth_year). */
export interface LawyerProfile {
  /** YYYY-MM-DD, the day practice started (a date in China); null = unknown: practising all year */
  practiceStartedOn: string | null;
  partTime: boolean;
  birthYear: number | null;
}

const validator = Compile(RequirementRulesSchema);

/**
 * Why these rules cannot be applied, as a sentence, or null when they can. The table must ask
 * more of a lawyer who practised longer (so starting later never costs more) and nothing more
 * than the annual amount; the part-time amount is a cap below the annual one.
 */
export function rulesProblem(rules: RequirementRules): string | null {
  const seen = new Set<number>();
  for (const step of rules.proRating) {
    if (seen.has(step.minMonthsPractised)) return `The pro-rating table names ${step.minMonthsPractised} months twice.`;
    seen.add(step.minMonthsPractised);
    if (step.classHours > rules.annualClassHours) return `A pro-rating step asks ${step.classHours} 学时, more than the ${rules.annualClassHours} 学时 of a full year.`;
  }
  const sorted = [...rules.proRating].sort((a, b) => a.minMonthsPractised - b.minMonthsPractised);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.classHours < sorted[i - 1]!.classHours) {
      return `The pro-rating table asks less of a lawyer with more months practised (${sorted[i]!.minMonthsPractised} months: ${sorted[i]!.classHours} 学时, ${sorted[i - 1]!.minMonthsPractised} months: ${sorted[i - 1]!.classHours} 学时).`;
    }
  }
  if (rules.partTimeClassHours !== undefined && rules.partTimeClassHours > rules.annualClassHours) {
    return `Part-time lawyers cannot owe more (${rules.partTimeClassHours} 学时) than full-time ones (${rules.annualClassHours} 学时).`;
  }
  return null;
}

/**
 * Rules read from the database (a jsonb value, or its text): the rules when they fit the schema
 * and rulesProblem accepts them, else null — the organization then inherits, as if it had none.
 * Writes are validated, so only a hand-made value can be refused here.
 */
export function storedRules(value: unknown): RequirementRules | null {
  if (value == null) return null;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!validator.Check(parsed)) return null;
  return rulesProblem(parsed) === null ? parsed : null;
}

/** China Standard Time: UTC+8 all year. Training years start on the 1st of a month there. */
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

function shanghaiDate(instant: Date): { y: number; m: number; d: number } {
  const local = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() };
}

function parseDay(day: string): { y: number; m: number; d: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  return match ? { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) } : null;
}

const ordinal = (x: { y: number; m: number; d: number }): number => (x.y * 12 + x.m) * 32 + x.d;

/**
 * Whole months practised in the training year `[start, end)`, 0–12 (满 N 个月): counted from the
 * day practice started to the end of the year, a month only when it is complete — started on
 * 1 July of a calendar year: 6 months; on 2 July: 5. Started on or before the first day of the
 * year, or unknown: 12. Started on or after its end: 0. Dates are days in China (Asia/Shanghai).
 */
export function monthsPractised(practiceStartedOn: string | null, yearRange: { start: Date; end: Date }): number {
  const start = shanghaiDate(yearRange.start);
  const end = shanghaiDate(yearRange.end);
  const yearMonths = (end.y - start.y) * 12 + (end.m - start.m);
  const began = practiceStartedOn === null ? null : parseDay(practiceStartedOn);
  if (began === null || ordinal(began) <= ordinal(start)) return yearMonths;
  if (ordinal(began) >= ordinal(end)) return 0;
  const months = (end.y - began.y) * 12 + (end.m - began.m) - (began.d > end.d ? 1 : 0);
  return Math.max(0, Math.min(yearMonths, months));
}

/**
 * What the rules ask of one lawyer in training year `year` (`yearRange` its [start, end)), in
 * minutes with the association's minutes per 学时. In order: the exempt age (age = `year` minus
 * birth year: only the birth year is known); no month practised → exempt; fewer than 12 months
 * and a pro-rating table → its step (none, or 0 学时 → exempt); otherwise the annual amount; a
 * part-timer then owes at most the part-time amount — never more than a full-timer would.
 */
export function requiredMinutesFor(
  rules: RequirementRules,
  lawyer: LawyerProfile,
  year: number,
  yearRange: { start: Date; end: Date },
  minutesPerClassHour: number,
): RequirementOutcome {
  if (rules.exemptFromAge !== undefined && lawyer.birthYear !== null && year - lawyer.birthYear >= rules.exemptFromAge) {
    return { kind: 'exempt', reason: 'age' };
  }
  const months = monthsPractised(lawyer.practiceStartedOn, yearRange);
  if (months === 0) return { kind: 'exempt', reason: 'new_practice' };

  let classHours = rules.annualClassHours;
  let reason: RequirementReason = 'annual';
  if (months < 12 && rules.proRating.length > 0) {
    const step = rules.proRating.filter((s) => s.minMonthsPractised <= months).sort((a, b) => b.minMonthsPractised - a.minMonthsPractised)[0];
    if (!step || step.classHours === 0) return { kind: 'exempt', reason: 'new_practice' };
    classHours = step.classHours;
    if (classHours < rules.annualClassHours) reason = 'pro_rated';
  }
  if (lawyer.partTime && rules.partTimeClassHours !== undefined && rules.partTimeClassHours < classHours) {
    classHours = rules.partTimeClassHours;
    reason = 'part_time';
  }
  return { kind: 'required', minutes: classHours * minutesPerClassHour, classHours, reason };
}
