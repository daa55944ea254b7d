/**
 * TypeBox shapes of the credit routes (server/credits/routes.ts): `GET /api/me/credits` and the
 * xAPI export. Pure: CreditsService returns their `Static` types and the web imports them
 * type-only (web/src/lib/api/types.ts), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Year = Type.Integer({ minimum: 2000, maximum: 2100 });

// ── requests ──

export const MyCreditsQuerySchema = Type.Object({ year: Type.Optional(Year) }, { additionalProperties: false });

export const XapiQuerySchema = Type.Object(
  {
    year: Type.Optional(Year),
    after: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'the cursor `more` carries: the last registration of the previous page' }),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'registrations (playback sessions) per page, each whole: initialized … terminated' }),
  },
  { additionalProperties: false },
);

// ── answers ──

export const LectureCreditSchema = Type.Object({
  lectureId: Type.String(),
  courseId: Type.String(),
  title: Type.String(),
  coverageRatio: Type.Number(),
  completed: Type.Boolean(),
  completedAt: Nullable(Type.String()),
  creditMinutes: Type.Integer(),
});

export const CourseCreditSchema = Type.Object({
  courseId: Type.String(),
  title: Type.String(),
  completed: Type.Boolean(),
  completedAt: Nullable(Type.String()),
  lectureCount: Type.Integer(),
  completedLectures: Type.Integer(),
  /** null until the course is completed and the certificate issued */
  certificateId: Nullable(Type.String()),
  certificateCode: Nullable(Type.String()),
  certificateSerial: Nullable(Type.String()),
});

export const MyCreditsSchema = Type.Object({
  year: Type.Integer(),
  creditMinutes: Type.Integer(),
  classHours: Type.Number(),
  minutesPerClassHour: Type.Integer(),
  trainingYearStartMonth: Type.Integer(),
  /** the training year's bounds (ISO dates) */
  from: Type.String(),
  to: Type.String(),
  lectures: Type.Array(LectureCreditSchema),
  courses: Type.Array(CourseCreditSchema),
});

/** One page of `GET /api/organizations/:orgId/evidence.xapi.json`: `more` is the next page's path, or "". */
export const XapiStatementPageSchema = Type.Object({ statements: Type.Array(Type.Unknown()), more: Type.String() });

export type LectureCredit = Static<typeof LectureCreditSchema>;
export type CourseCredit = Static<typeof CourseCreditSchema>;
export type MyCredits = Static<typeof MyCreditsSchema>;
export type XapiStatementPage = Static<typeof XapiStatementPageSchema>;
