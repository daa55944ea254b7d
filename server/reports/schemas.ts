/**
 * The report route's answer (API.md "Audit", docs/audit.md), pure TypeBox: the route documents
 * with it, rows.ts and ReportsService are typed from it, and the web imports the `Static<…>`
 * types with `import type`.
 */
import { Type, type Static } from 'typebox';

/** Training years are named by the calendar year they start in. */
export const YearQuery = Type.Integer({ minimum: 2000, maximum: 2100, description: 'training year, e.g. 2026 (default: the current one)' });

/** Why the lawyer owes what they owe, as one code (JSON rows, CSV, web). */
export const RequirementBasisSchema = Type.Union(
  [Type.Literal('not_planned'), Type.Literal('annual'), Type.Literal('pro_rated'), Type.Literal('part_time'), Type.Literal('exempt_new_practice'), Type.Literal('exempt_age')],
  { description: 'why the lawyer owes what they owe: the requirement rules applied to them (docs/audit.md, "The yearly requirement")' },
);

export const ReportTotalsSchema = Type.Object({
  lawyers: Type.Integer(),
  creditMinutes: Type.Integer(),
  onlineMinutes: Type.Integer(),
  inPersonMinutes: Type.Integer(),
  met: Type.Integer({ description: 'planned lawyers who met the year (lawyers no plan covers are never counted)' }),
  planned: Type.Integer({ description: 'lawyers a plan covers' }),
});

export const ReportLawyerSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  licenseNo: Type.String(),
  disabled: Type.Boolean({ description: 'a disabled account; listed only with includeDisabled=true' }),
  firm: Type.String(),
  firmId: Type.String(),
  regionCode: Type.String(),
  county: Type.Boolean(),
  creditMinutes: Type.Integer({ description: 'what counts toward the year: online + in-person' }),
  onlineMinutes: Type.Integer({ description: 'of creditMinutes, lectures completed online in the year' }),
  inPersonMinutes: Type.Integer({ description: 'of creditMinutes, in-person sessions (现场培训) held in the year' }),
  classHours: Type.Number({ description: 'creditMinutes in 学时 (the reported organization’s minutes per 学时)' }),
  planned: Type.Boolean({ description: 'false: no plan of the year covers the lawyer; then met is null and requiredMinutes 0' }),
  basis: RequirementBasisSchema,
  requiredMinutes: Type.Integer({ description: 'the year’s target: the rules’ amount for this lawyer, raised by the plans (0 when not planned or exempt)' }),
  requiredClassHours: Type.Number(),
  electiveMinutes: Type.Integer({ description: '选修: of requiredMinutes, at least this many from courses that are not required' }),
  electiveCreditMinutes: Type.Integer({ description: 'credit of the year from courses that are not required' }),
  planCount: Type.Integer({ description: 'how many plans of the year target the firm' }),
  missingCourses: Type.Array(Type.Object({ id: Type.String(), title: Type.String() }), { description: 'required courses not completed by the end of the year' }),
  met: Type.Union([Type.Boolean(), Type.Null()], { description: 'null when not planned: never counted as compliant' }),
});

export const ReportSchema = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), regionCode: Type.String() }),
  year: Type.Integer(),
  trainingYearStartMonth: Type.Integer(),
  minutesPerClassHour: Type.Integer(),
  from: Type.String({ description: 'start of the training year (inclusive), UTC' }),
  to: Type.String({ description: 'end of the training year (exclusive), UTC' }),
  lawyers: Type.Array(ReportLawyerSchema),
  totals: ReportTotalsSchema,
});

export type RequirementBasis = Static<typeof RequirementBasisSchema>;
/** One lawyer's row of the report (also the requirement's and the bulletin's measure). */
export type ReportLawyer = Static<typeof ReportLawyerSchema>;
export type ReportTotals = Static<typeof ReportTotalsSchema>;
/** GET /api/organizations/:orgId/report */
export type Report = Static<typeof ReportSchema>;
