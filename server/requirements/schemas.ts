/**
 * The requirement routes' contract (API.md "Administration", docs/audit.md "The yearly
 * requirement"), pure TypeBox: the routes validate and document with these, RequirementsService
 * answers their Static types, and the web imports them with `import type`.
 */
import { Type, type Static } from 'typebox';
import { RequirementBasisSchema } from '../reports/schemas.ts';
import { RequirementRulesSchema } from './rules.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const RulesViewSchema = Type.Object({
  organizationId: Type.String(),
  kind: Type.String(),
  own: Nullable(RequirementRulesSchema),
  effective: RequirementRulesSchema,
  effectiveFrom: Nullable(Type.Object({ id: Type.String(), name: Type.String() }, { description: 'whose rules are in force; null = the built-in rules (0 学时: only what the plans ask)' })),
  minutesPerClassHour: Type.Integer({ description: 'minutes per 学时 in force here' }),
  editable: Type.Boolean({ description: 'false for a law firm: firms follow their association' }),
});

export const RulesChangeSchema = Type.Object({ rules: Nullable(RequirementRulesSchema) }, { additionalProperties: false });

export const MyRequirementSchema = Type.Object({
  year: Type.Integer(),
  planned: Type.Boolean({ description: 'false when no plan of the year covers me; then requiredMinutes is 0' }),
  requiredMinutes: Type.Integer(),
  creditMinutes: Type.Integer({ description: 'what counts toward the year: online + in-person (onlineMinutes + inPersonMinutes)' }),
  onlineMinutes: Type.Integer({ description: 'of creditMinutes, lectures completed online in the year' }),
  inPersonMinutes: Type.Integer({ description: 'of creditMinutes, in-person sessions (现场培训) held in the year' }),
  remainingMinutes: Type.Integer({ description: 'still to earn: to the target, or to the elective minimum when that is further' }),
  requiredCourses: Type.Array(Type.Object({ courseId: Type.String(), title: Type.String(), completed: Type.Boolean() })),
  deadline: Type.String({ description: 'end of the training year (exclusive), UTC' }),
  from: Type.String({ description: 'start of the training year, UTC' }),
  minutesPerClassHour: Type.Integer(),
  requiredClassHours: Type.Number(),
  creditClassHours: Type.Number(),
  onlineClassHours: Type.Number(),
  inPersonClassHours: Type.Number(),
  remainingClassHours: Type.Number(),
  electiveMinutes: Type.Integer({ description: '选修: of requiredMinutes, at least this many from courses that are not required' }),
  electiveCreditMinutes: Type.Integer(),
  basis: RequirementBasisSchema,
  met: Nullable(Type.Boolean()),
});

/** GET/PATCH /api/organizations/:orgId/requirement-rules */
export type RulesView = Static<typeof RulesViewSchema>;
/** GET /api/me/requirement (API.md's fixed fields first) */
export type MyRequirement = Static<typeof MyRequirementSchema>;
export type { RequirementRules } from './rules.ts';
