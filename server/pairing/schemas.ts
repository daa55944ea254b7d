/**
 * TypeBox shapes of the pairing bodies and answers (docs/programme.md, "Pairing"). Pure: the
 * service takes and returns their `Static` types, the web app imports them type-only
 * (web/src/lib/api/pairing.ts) and nothing of the server is bundled.
 */
import { Type, type Static } from 'typebox';
import { PlainText, Uuid } from '../http/schemas.ts';
import { CourseProgressSchema, ResumeSchema } from '../learning/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Named = Type.Object({ id: Type.String(), name: Type.String() });

// ── requests ──

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a Beijing date, YYYY-MM-DD' });
const Dates = { startsOn: Day, endsOn: Type.Optional(Type.Union([Day, Type.Null()], { description: 'the last day (included); absent or null: open-ended' })) };
/** POST /api/organizations/:orgId/pairs */
export const NewPairSchema = Type.Union([
  Type.Object({ kind: Type.Literal('firm'), mentorOrganizationId: Uuid, menteeOrganizationId: Uuid, ...Dates }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('lawyer'),
      mentor: PlainText({ minLength: 1, maxLength: 64, description: 'licence number or login of the senior lawyer' }),
      mentee: PlainText({ minLength: 1, maxLength: 64, description: 'licence number or login of the young lawyer (practising under 3 years)' }),
      ...Dates,
    },
    { additionalProperties: false },
  ),
]);

/** POST /api/pairs/:pairId/recommendations */
export const NewRecommendationSchema = Type.Object({ courseId: Uuid, note: Type.Optional(Type.Union([PlainText({ maxLength: 300 }), Type.Null()])) }, { additionalProperties: false });

export type NewPair = Static<typeof NewPairSchema>;
export type NewRecommendation = Static<typeof NewRecommendationSchema>;

// ── answers ──

export const PairSideSchema = Type.Object(
  { id: Type.String(), name: Type.String(), licenseNo: Nullable(Type.String()), firm: Nullable(Named) },
  { description: 'the firm (firm pairs) or the lawyer, with licence number and firm (lawyer pairs)' },
);

export const PairSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('firm'), Type.Literal('lawyer')]),
  organization: Named,
  mentor: PairSideSchema,
  mentee: PairSideSchema,
  startsOn: Type.String({ description: 'Beijing date, YYYY-MM-DD, the first day of the pair' }),
  endsOn: Nullable(Type.String({ description: 'Beijing date, the last day; null: open-ended' })),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('active'), Type.Literal('expired'), Type.Literal('ended')]),
  createdAt: Type.String(),
  endedAt: Nullable(Type.String()),
});

/** GET /api/organizations/:orgId/pairs */
export const PairListSchema = Type.Object({ today: Type.String(), items: Type.Array(PairSchema) });

export const MenteeSchema = Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Nullable(Type.String()), firm: Type.String() });

export const RecommendationSchema = Type.Object({
  id: Type.String(),
  pairId: Type.String(),
  courseId: Type.String(),
  courseTitle: Type.String(),
  note: Nullable(Type.String()),
  recommendedBy: Nullable(Named),
  createdAt: Type.String(),
});

export const MentoringSchema = Type.Object({
  items: Type.Array(Type.Object({ ...PairSchema.properties, mentees: Type.Array(MenteeSchema), recommendations: Type.Array(RecommendationSchema) })),
});

/** What the mentor side reads of a mentee: the numbers of the mentee's own /me. */
export const MenteeProgressSchema = Type.Object({
  pair: PairSchema,
  mentee: MenteeSchema,
  requirement: Type.Object({
    year: Type.Integer(),
    planned: Type.Boolean(),
    requiredMinutes: Type.Integer(),
    creditMinutes: Type.Integer(),
    onlineMinutes: Type.Integer(),
    inPersonMinutes: Type.Integer(),
    remainingMinutes: Type.Integer(),
    minutesPerClassHour: Type.Integer(),
    requiredClassHours: Type.Number(),
    creditClassHours: Type.Number(),
    remainingClassHours: Type.Number(),
    requiredCourses: Type.Array(Type.Object({ courseId: Type.String(), title: Type.String(), completed: Type.Boolean() })),
    deadline: Type.String(),
    met: Nullable(Type.Boolean()),
  }),
  resume: Nullable(ResumeSchema),
  recommendations: Type.Array(Type.Object({ ...RecommendationSchema.properties, progress: CourseProgressSchema })),
});

export const MyRecommendationsSchema = Type.Object({
  mentors: Type.Array(Type.Object({ pairId: Type.String(), kind: Type.Union([Type.Literal('firm'), Type.Literal('lawyer')]), name: Type.String(), firm: Nullable(Type.String()) })),
  items: Type.Array(Type.Object({ ...RecommendationSchema.properties, mentor: Type.String(), progress: CourseProgressSchema })),
});

export const PairingReportSchema = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String(), regionCode: Type.String() }),
  year: Type.Integer(),
  minutesPerClassHour: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(
    Type.Object({
      ...PairSchema.properties,
      mentees: Type.Integer({ description: 'lawyers on the mentee side (enabled)' }),
      menteeCreditMinutes: Type.Integer({ description: 'their credit of the training year: online + in person' }),
      menteesMet: Type.Integer(),
      recommendations: Type.Integer(),
      followed: Type.Integer({ description: 'recommendations a mentee started watching after they were made' }),
    }),
  ),
});

export type Pair = Static<typeof PairSchema>;
export type PairList = Static<typeof PairListSchema>;
export type Recommendation = Static<typeof RecommendationSchema>;
export type Mentoring = Static<typeof MentoringSchema>;
export type MenteeProgress = Static<typeof MenteeProgressSchema>;
export type MyRecommendations = Static<typeof MyRecommendationsSchema>;
export type PairingReport = Static<typeof PairingReportSchema>;
