/**
 * The catalog routes' contract (API.md "Catalog", with the learner's own state: docs/web.md
 * "Learner state"), pure TypeBox: the routes validate and document with these, LearningService
 * answers their Static types, and the web imports them with `import type` (erased: nothing of
 * the server is bundled). The category and audience codes come from codes.ts, as the database enum's do.
 */
import { Type, type Static } from 'typebox';
import { HandoutSchema } from '../handouts/schemas.ts';
import { PlainText } from '../http/schemas.ts';
import { AUDIENCE_CODES, CATEGORY_CODES, type AudienceCode, type CategoryCode } from './codes.ts';
import { CourseProgressSchema, LectureProgressSchema, Organizer, Required, ResumeSchema, Trainer } from '../learning/schemas.ts';

export const CategorySchema = Type.Enum(CATEGORY_CODES);
export const AudienceSchema = Type.Enum(AUDIENCE_CODES);
export const CourseStatusSchema = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')]);
export const LectureStatusSchema = Type.Union([Type.Literal('uploading'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]);

export const CatalogQuerySchema = Type.Object(
  {
    q: Type.Optional(PlainText({ maxLength: 100 })),
    category: Type.Optional(CategorySchema),
    audience: Type.Optional(Type.Union(AUDIENCE_CODES.map((a) => Type.Literal(a)))),
    organizer: Type.Optional(Type.String({ format: 'uuid', description: 'the organizing association' })),
    required: Type.Optional(Type.Boolean({ description: 'only my required (必修) courses of this training year' })),
    page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
    pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);

export const OrganizerSchema = Type.Object({ id: Type.String(), name: Type.String() });

export const TranscriptMatchSchema = Type.Object({
  lectureId: Type.String(),
  lectureTitle: Type.String(),
  lang: Type.String(),
  snippet: Type.String({ description: 'the transcript around the hit' }),
  atSeconds: Type.Integer({ description: 'the start of the cue the hit is in: open the lecture at ?t=' }),
});

/** API.md's fixed course fields. */
const courseSummaryFields = {
  id: Type.String(),
  title: Type.String(),
  category: CategorySchema,
  status: CourseStatusSchema,
  lectureCount: Type.Integer(),
  creditMinutes: Type.Integer(),
};
export const CourseSummarySchema = Type.Object(courseSummaryFields);

export const CatalogCourseSchema = Type.Object({
  ...courseSummaryFields,
  audience: Type.Array(Type.String()),
  organizer: Organizer,
  trainer: Trainer,
  required: Required,
  progress: CourseProgressSchema,
  transcriptMatch: Type.Union([TranscriptMatchSchema, Type.Null()], { description: 'with q: the first lecture whose transcript contains it (docs/subtitles.md)' }),
});

export const CatalogListSchema = Type.Object({
  items: Type.Array(CatalogCourseSchema),
  total: Type.Integer(),
  organizers: Type.Array(OrganizerSchema, { description: 'the organizer filter’s choices' }),
  resume: Type.Union([ResumeSchema, Type.Null()]),
});

/** API.md's fixed lecture fields. */
const lectureSummaryFields = {
  id: Type.String(),
  title: Type.String(),
  position: Type.Integer(),
  status: LectureStatusSchema,
  durationSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'null until the transcoder has measured it' }),
  creditMinutes: Type.Integer(),
};
export const LectureSummarySchema = Type.Object(lectureSummaryFields);
export const CatalogLectureSchema = Type.Object({ ...lectureSummaryFields, progress: LectureProgressSchema });

export const CatalogCourseDetailSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  category: CategorySchema,
  status: CourseStatusSchema,
  audience: Type.Array(Type.String()),
  organizationId: Type.String(),
  maxPlaybackRate: Type.Number(),
  completionRatio: Type.Number(),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
  lectures: Type.Array(CatalogLectureSchema),
  organizer: Organizer,
  trainer: Trainer,
  required: Required,
  progress: CourseProgressSchema,
  resume: Type.Union([ResumeSchema, Type.Null()], { description: 'the lecture of this course to continue' }),
  handouts: Type.Array(HandoutSchema, { description: 'the course’s own handouts and those of the lectures listed (lectureId)' }),
});

export type { AudienceCode, CategoryCode };
export type CourseStatus = Static<typeof CourseStatusSchema>;
export type LectureStatus = Static<typeof LectureStatusSchema>;
/** GET /api/courses?… (the route's query after defaults) */
export type CatalogQuery = Static<typeof CatalogQuerySchema>;
export type TranscriptMatch = Static<typeof TranscriptMatchSchema>;
export type CourseSummary = Static<typeof CourseSummarySchema>;
export type LectureSummary = Static<typeof LectureSummarySchema>;
/** one of GET /api/courses's items, with my state */
export type CatalogCourse = Static<typeof CatalogCourseSchema>;
/** GET /api/courses */
export type CatalogList = Static<typeof CatalogListSchema>;
export type CatalogLecture = Static<typeof CatalogLectureSchema>;
/** GET /api/courses/:courseId */
export type CatalogCourseDetail = Static<typeof CatalogCourseDetailSchema>;
