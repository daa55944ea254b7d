/**
 * The training plan and settings routes' contract (docs/audit.md, "The yearly requirement"), pure
 * TypeBox: the routes validate and document with these, PlansService takes and answers their
 * Static types, and the web imports them with `import type`.
 */
import { Type, type Static } from 'typebox';
import { PlainText } from '../http/schemas.ts';

const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const PlanYearSchema = Type.Integer({ minimum: 2000, maximum: 2100, description: 'training year, named by the calendar year it starts in' });

export const PlanSchema = Type.Object({
  id: Type.String(),
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  year: Type.Integer(),
  name: Type.String(),
  requiredMinutes: Type.Integer({ description: 'minutes a full-time lawyer practising the whole year must earn at least (raises the requirement rules’ annual amount)' }),
  electiveMinutes: Type.Integer({ description: '选修: of the year’s minutes, at least this many from courses that are not required' }),
  targets: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'empty = the whole subtree of the owner' }),
  requiredCourses: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
  createdAt: Type.String(),
  inherited: Type.Boolean({ description: 'set by an organization above the one asked about' }),
});

export const PlanListSchema = Type.Object({ items: Type.Array(PlanSchema) });

export const NewPlanSchema = Type.Object(
  {
    year: PlanYearSchema,
    name: PlainText({ minLength: 1, maxLength: 200 }),
    requiredMinutes: Type.Integer({ minimum: 0, maximum: 60_000, description: 'minutes (the web app converts 学时 with the organization’s minutes per 学时)' }),
    electiveMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: '选修 minimum in minutes; default 0' })),
    targetOrganizationIds: Type.Optional(Type.Array(Uuid, { maxItems: 500 })),
    requiredCourseIds: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const TrainingRulesSchema = Type.Object({ minutesPerClassHour: Type.Integer(), trainingYearStartMonth: Type.Integer() });
export const TrainingSettingsSchema = Type.Object({
  organizationId: Type.String(),
  kind: Type.String(),
  own: Type.Object({ minutesPerClassHour: Nullable(Type.Integer()), trainingYearStartMonth: Nullable(Type.Integer()) }, { description: 'null = inherited' }),
  effective: TrainingRulesSchema,
  editable: Type.Boolean(),
});

export const SettingsChangeSchema = Type.Object(
  {
    minutesPerClassHour: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 240 }))),
    trainingYearStartMonth: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 12 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A training plan as the routes answer it. */
export type TrainingPlan = Static<typeof PlanSchema>;
/** POST /api/organizations/:orgId/plans */
export type NewTrainingPlan = Static<typeof NewPlanSchema>;
export type TrainingRules = Static<typeof TrainingRulesSchema>;
/** GET/PATCH /api/organizations/:orgId/settings */
export type TrainingSettings = Static<typeof TrainingSettingsSchema>;
export type SettingsChange = Static<typeof SettingsChangeSchema>;
