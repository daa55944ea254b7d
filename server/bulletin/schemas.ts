/**
 * The dashboard's answer and the bulletin's query (TypeBox only: the web imports the types,
 * nothing of the server is bundled). docs/programme.md, "Dashboard and bulletin (通报)".
 */
import { Type, type Static } from 'typebox';
import { PERIOD_PATTERN } from './period.ts';

const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);

export const SegmentSchema = Type.Object({
  lawyers: Type.Integer(),
  participants: Type.Integer({ description: 'lawyers with credit (online or in person) in the training year up to the period’s end' }),
  participation: Share,
  planned: Type.Integer({ description: 'lawyers a plan of the year covers' }),
  met: Type.Integer({ description: 'planned lawyers who met the year, with the credit up to the period’s end' }),
  compliance: Type.Union([Type.Number(), Type.Null()], { description: 'met ÷ planned; null when nobody is planned' }),
  yearMinutes: Type.Integer({ description: 'online + in-person minutes of the training year up to the period’s end' }),
  classHoursPerLawyer: Type.Number({ description: 'yearMinutes in 学时 per lawyer' }),
  periodMinutes: Type.Integer({ description: 'online + in-person minutes in the period' }),
  periodClassHoursPerLawyer: Type.Number(),
  periodParticipants: Type.Integer({ description: 'lawyers with credit in the period' }),
  completions: Type.Integer({ description: 'courses completed in the period' }),
});

export const MonthSchema = Type.Object({
  month: Type.String({ description: 'YYYY-MM (Beijing)' }),
  onlineMinutes: Type.Integer(),
  inPersonMinutes: Type.Integer(),
  completions: Type.Integer(),
  activeLawyers: Type.Integer({ description: 'lawyers with credit in the month' }),
});

export const GroupSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  regionCode: Type.String(),
  all: SegmentSchema,
  countyFirms: SegmentSchema,
  cityFirms: SegmentSchema,
  young: SegmentSchema,
  firms: Type.Object({ county: Type.Integer(), city: Type.Integer(), countyParticipating: Type.Integer(), cityParticipating: Type.Integer() }),
  months: Type.Array(MonthSchema, { description: 'the training year’s months up to the period’s end' }),
});

export const LawyerRankingSchema = Type.Union([Type.Literal('class_hours'), Type.Literal('completions')], { description: 'rank lawyers by 学时 or by courses completed in the period' });
export const FirmRankingSchema = Type.Union([Type.Literal('class_hours_per_lawyer'), Type.Literal('class_hours'), Type.Literal('completions'), Type.Literal('compliance')], {
  description: 'rank firms by 学时 per lawyer, total 学时, courses completed in the period, or the share of planned lawyers who met the year',
});

export const CommendationRulesSchema = Type.Object({
  lawyersBy: LawyerRankingSchema,
  firmsBy: FirmRankingSchema,
  top: Type.Integer({ minimum: 1, maximum: 100 }),
  minClassHours: Type.Number({ minimum: 0, maximum: 2000 }),
  countyOnly: Type.Boolean(),
  minFirmLawyers: Type.Integer({ minimum: 1, maximum: 1000 }),
});

export const DashboardQuery = Type.Object(
  {
    period: Type.Optional(Type.String({ pattern: PERIOD_PATTERN, description: 'a training year (2026), a quarter of it (2026-Q2) or a month (2026-05); default: the current training year' })),
    lawyersBy: Type.Optional(LawyerRankingSchema),
    firmsBy: Type.Optional(FirmRankingSchema),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'how many lawyers and firms the commendation lists at most (default 10)' })),
    minClassHours: Type.Optional(Type.Number({ minimum: 0, maximum: 2000, description: 'listed only with at least this many 学时 in the period (a firm: per lawyer); default 0' })),
    countyOnly: Type.Optional(Type.Boolean({ description: 'commend only county firms and their lawyers' })),
    minFirmLawyers: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'a firm is listed only with at least this many lawyers (default 1)' })),
  },
  { additionalProperties: false },
);

export const BulletinQuery = Type.Object(
  { ...DashboardQuery.properties, lang: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')], { description: 'the file’s language (default zh-CN)' })) },
  { additionalProperties: false },
);

export const CommendedLawyerSchema = Type.Object({
  rank: Type.Integer(),
  id: Type.String(),
  name: Type.String(),
  licenseNo: Type.String(),
  firm: Type.String(),
  county: Type.Boolean(),
  periodMinutes: Type.Integer(),
  classHours: Type.Number(),
  completions: Type.Integer(),
});

export const CommendedFirmSchema = Type.Object({
  rank: Type.Integer(),
  id: Type.String(),
  name: Type.String(),
  regionCode: Type.String(),
  county: Type.Boolean(),
  lawyers: Type.Integer(),
  periodMinutes: Type.Integer(),
  classHours: Type.Number(),
  classHoursPerLawyer: Type.Number(),
  completions: Type.Integer(),
  planned: Type.Integer(),
  met: Type.Integer(),
  compliance: Type.Union([Type.Number(), Type.Null()]),
});

export const DashboardSchema = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), regionCode: Type.String() }),
  period: Type.Object({
    id: Type.String(),
    kind: Type.Union([Type.Literal('year'), Type.Literal('quarter'), Type.Literal('month')]),
    year: Type.Integer({ description: 'the training year the period lies in' }),
    from: Type.String({ description: 'start (inclusive), UTC' }),
    to: Type.String({ description: 'end (exclusive), UTC' }),
    label: Type.Object({ zh: Type.String(), en: Type.String() }),
    months: Type.Array(Type.String()),
  }),
  minutesPerClassHour: Type.Integer(),
  total: GroupSchema,
  provinces: Type.Array(GroupSchema, { description: 'under a national association: each province' }),
  cities: Type.Array(GroupSchema),
  commendation: Type.Object({ rules: CommendationRulesSchema, lawyers: Type.Array(CommendedLawyerSchema), firms: Type.Array(CommendedFirmSchema) }),
  generatedAt: Type.String(),
});

export type Dashboard = Static<typeof DashboardSchema>;
export type DashboardGroup = Static<typeof GroupSchema>;
export type DashboardSegment = Static<typeof SegmentSchema>;
export type DashboardQueryInput = Static<typeof DashboardQuery>;
