/**
 * The trainer routes' contract (the course editor: docs/credit.md, docs/jobs-and-uploads.md), pure
 * TypeBox: the routes validate and document with these, TeachService takes and answers their
 * Static types, and the web (routes/teach/teach-api.ts) imports them with `import type`.
 */
import { Type, type Static } from 'typebox';
import { AudienceSchema, CategorySchema, CourseStatusSchema, LectureStatusSchema } from '../catalog/schemas.ts';
import { HandoutSchema } from '../handouts/schemas.ts';
import { MultilineText, PlainText, Uuid } from '../http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const FailureReasonSchema = Type.Object({ code: Type.String(), reasonZh: Type.String(), reasonEn: Type.String() });
export const TranscodeJobSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  progress: Type.Integer(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  error: Nullable(FailureReasonSchema),
  retryReason: Nullable(Type.String({ description: 'set while a job waits to be retried after an error that was not about the file' })),
  waitingForStorageSince: Nullable(Type.String({ description: 'set while the worker waits out a storage outage (the job keeps its attempt and its work)' })),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});
export const TeachLectureSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  position: Type.Integer(),
  status: LectureStatusSchema,
  durationSeconds: Nullable(Type.Number()),
  creditMinutes: Type.Integer(),
  creditMinutesOverride: Nullable(Type.Integer()),
  hidden: Type.Boolean({ description: 'left out of the catalog by the trainer' }),
  mediaVersion: Type.Integer({ description: '0 before the first recording is published, then 1, 2 … with each replacement' }),
  failure: Nullable(FailureReasonSchema),
  job: Nullable(TranscodeJobSchema),
});
const teachCourseFields = {
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  category: CategorySchema,
  audience: Type.Array(Type.String()),
  status: CourseStatusSchema,
  organizationId: Type.String(),
  organizationName: Type.String(),
  maxPlaybackRate: Type.Number(),
  completionRatio: Type.Number(),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
  publishedAt: Nullable(Type.String()),
  updatedAt: Type.String(),
  lectures: Type.Array(TeachLectureSchema),
  handouts: Type.Array(HandoutSchema, { description: 'the course’s own handouts and its lectures’ (lectureId), in order' }),
};
export const TeachCourseSchema = Type.Object(teachCourseFields);
export const RemovedLectureSchema = Type.Object({
  ...teachCourseFields,
  coursesCompleted: Type.Integer({ description: 'lawyers who completed the course because of the removal' }),
});
export const TeachOverviewSchema = Type.Object({
  items: Type.Array(TeachCourseSchema),
  organizations: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() }), { description: 'where this trainer may create courses' }),
  handoutMaxBytes: Type.Integer({ description: 'the largest handout the server takes (HANDOUT_MAX_BYTES)' }),
});
export const TranscodeStateSchema = Type.Object({ lectureId: Type.String(), lectureStatus: LectureStatusSchema, failure: Nullable(FailureReasonSchema), job: Nullable(TranscodeJobSchema) });

const Title = PlainText({ minLength: 1, maxLength: 200 });
const CourseFields = {
  title: Title,
  summary: MultilineText({ maxLength: 5000 }),
  category: CategorySchema,
  audience: Type.Array(AudienceSchema, { maxItems: 3, uniqueItems: true }),
  /** 1.0 = normal speed only; trainers may allow up to double speed */
  maxPlaybackRate: Type.Number({ minimum: 1, maximum: 2 }),
  completionRatio: Type.Number({ minimum: 0.5, maximum: 1 }),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
};
export const NewCourseSchema = Type.Object(
  {
    title: CourseFields.title,
    summary: Type.Optional(CourseFields.summary),
    category: CourseFields.category,
    audience: Type.Optional(CourseFields.audience),
    organizationId: Uuid,
    maxPlaybackRate: Type.Optional(CourseFields.maxPlaybackRate),
    completionRatio: Type.Optional(CourseFields.completionRatio),
    requireVisible: Type.Optional(CourseFields.requireVisible),
    presenceChecks: Type.Optional(CourseFields.presenceChecks),
  },
  { additionalProperties: false },
);
export const CoursePatchSchema = Type.Object(
  {
    title: Type.Optional(CourseFields.title),
    summary: Type.Optional(CourseFields.summary),
    category: Type.Optional(CourseFields.category),
    audience: Type.Optional(CourseFields.audience),
    maxPlaybackRate: Type.Optional(CourseFields.maxPlaybackRate),
    completionRatio: Type.Optional(CourseFields.completionRatio),
    requireVisible: Type.Optional(CourseFields.requireVisible),
    presenceChecks: Type.Optional(CourseFields.presenceChecks),
    status: Type.Optional(CourseStatusSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const NewLectureSchema = Type.Object({ title: Title }, { additionalProperties: false });
export const LecturePatchSchema = Type.Object(
  {
    title: Type.Optional(Title),
    creditMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1440 }))),
    hidden: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const LectureOrderSchema = Type.Object({ lectureIds: Type.Array(Uuid, { minItems: 1, maxItems: 500 }) }, { additionalProperties: false });

export type FailureReason = Static<typeof FailureReasonSchema>;
export type TranscodeJob = Static<typeof TranscodeJobSchema>;
/** The catalogue's lecture row plus what only the trainer sees. */
export type TeachLecture = Static<typeof TeachLectureSchema>;
export type TeachCourse = Static<typeof TeachCourseSchema>;
/** DELETE /api/lectures/:lectureId: the course, and how many lawyers completed it because of the removal */
export type RemovedLecture = Static<typeof RemovedLectureSchema>;
/** GET /api/teach/courses */
export type TeachOverview = Static<typeof TeachOverviewSchema>;
/** GET /api/lectures/:lectureId/transcode */
export type TranscodeState = Static<typeof TranscodeStateSchema>;
/** POST /api/courses */
export type NewCourse = Static<typeof NewCourseSchema>;
/** PATCH /api/courses/:courseId */
export type CoursePatch = Static<typeof CoursePatchSchema>;
/** PATCH /api/lectures/:lectureId */
export type LecturePatch = Static<typeof LecturePatchSchema>;
