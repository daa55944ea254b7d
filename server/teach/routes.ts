/** Trainer routes: the courses I teach, course and lecture editing. Thin: rules live in TeachService. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, MultilineText, PlainText } from '../http/schemas.ts';
import { AUDIENCES, COURSE_CATEGORIES } from '../catalog/service.ts';
import { HandoutSchema } from '../handouts/schemas.ts';

const Category = Type.Enum(COURSE_CATEGORIES);
const Audience = Type.Enum(AUDIENCES);
const CourseStatus = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')]);
const LectureStatus = Type.Union([Type.Literal('uploading'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Failure = Type.Object({ code: Type.String(), reasonZh: Type.String(), reasonEn: Type.String() });
const Job = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  progress: Type.Integer(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  error: Nullable(Failure),
  retryReason: Nullable(Type.String()),
  waitingForStorageSince: Nullable(Type.String({ description: 'set while the worker waits out a storage outage' })),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});
const TeachLecture = Type.Object({
  id: Type.String(),
  title: Type.String(),
  position: Type.Integer(),
  status: LectureStatus,
  durationSeconds: Nullable(Type.Number()),
  creditMinutes: Type.Integer(),
  creditMinutesOverride: Nullable(Type.Integer()),
  hidden: Type.Boolean({ description: 'left out of the catalog by the trainer' }),
  mediaVersion: Type.Integer({ description: '0 before the first recording is published, then 1, 2 … with each replacement' }),
  failure: Nullable(Failure),
  job: Nullable(Job),
});
const TeachCourse = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  category: Category,
  audience: Type.Array(Type.String()),
  status: CourseStatus,
  organizationId: Type.String(),
  organizationName: Type.String(),
  maxPlaybackRate: Type.Number(),
  completionRatio: Type.Number(),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
  publishedAt: Nullable(Type.String()),
  updatedAt: Type.String(),
  lectures: Type.Array(TeachLecture),
  handouts: Type.Array(HandoutSchema, { description: 'the course’s own handouts and its lectures’ (lectureId), in order' }),
});
const TranscodeStatus = Type.Object({ lectureId: Type.String(), lectureStatus: LectureStatus, failure: Nullable(Failure), job: Nullable(Job) });

const Title = PlainText({ minLength: 1, maxLength: 200 });
const CourseFields = {
  title: Title,
  summary: MultilineText({ maxLength: 5000 }),
  category: Category,
  audience: Type.Array(Audience, { maxItems: 3, uniqueItems: true }),
  /** 1.0 = normal speed only; trainers may allow up to double speed */
  maxPlaybackRate: Type.Number({ minimum: 1, maximum: 2 }),
  completionRatio: Type.Number({ minimum: 0.5, maximum: 1 }),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
};
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const teachRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.teach;

  app.get(
    '/teach/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Courses of the organizations I train for, drafts included, and those organizations',
        response: {
          200: Type.Object({
            items: Type.Array(TeachCourse),
            organizations: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() })),
            handoutMaxBytes: Type.Integer({ description: 'the largest handout the server takes (HANDOUT_MAX_BYTES)' }),
          }),
          ...errors,
        },
      },
    },
    async (request) => ({ ...(await service.listMyCourses(request.user!)), handoutMaxBytes: app.handouts.maxBytes }),
  );

  app.post(
    '/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Create a draft course',
        body: Type.Object(
          {
            title: CourseFields.title,
            summary: Type.Optional(CourseFields.summary),
            category: CourseFields.category,
            audience: Type.Optional(CourseFields.audience),
            organizationId: Type.String({ format: 'uuid' }),
            maxPlaybackRate: Type.Optional(CourseFields.maxPlaybackRate),
            completionRatio: Type.Optional(CourseFields.completionRatio),
            requireVisible: Type.Optional(CourseFields.requireVisible),
            presenceChecks: Type.Optional(CourseFields.presenceChecks),
          },
          { additionalProperties: false },
        ),
        response: { 201: TeachCourse, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await service.createCourse(request.user!, request.body, request.ip ?? null)),
  );

  app.patch(
    '/courses/:courseId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Edit a course; status moves draft → published (every shown lecture ready: 409 unready_lectures) → archived',
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        body: Type.Object(
          {
            title: Type.Optional(CourseFields.title),
            summary: Type.Optional(CourseFields.summary),
            category: Type.Optional(CourseFields.category),
            audience: Type.Optional(CourseFields.audience),
            maxPlaybackRate: Type.Optional(CourseFields.maxPlaybackRate),
            completionRatio: Type.Optional(CourseFields.completionRatio),
            requireVisible: Type.Optional(CourseFields.requireVisible),
            presenceChecks: Type.Optional(CourseFields.presenceChecks),
            status: Type.Optional(CourseStatus),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: TeachCourse, ...errors },
      },
    },
    async (request) => service.updateCourse(request.user!, request.params.courseId, request.body, request.ip ?? null),
  );

  app.post(
    '/courses/:courseId/lectures',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Add a lecture (status uploading) at the end of the course; hidden when the course is published',
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ title: Title }, { additionalProperties: false }),
        response: { 201: TeachLecture, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await service.addLecture(request.user!, request.params.courseId, request.body.title, request.ip ?? null)),
  );

  app.patch(
    '/lectures/:lectureId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Rename, hide or show a lecture, or set its credit minutes (null: the duration rounded down; at most the duration rounded up)',
        params: Type.Object({ lectureId: Type.String({ format: 'uuid' }) }),
        body: Type.Object(
          {
            title: Type.Optional(Title),
            creditMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1440 }))),
            hidden: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: TeachLecture, ...errors },
      },
    },
    async (request) => service.updateLecture(request.user!, request.params.lectureId, request.body, request.ip ?? null),
  );

  app.put(
    '/courses/:courseId/lecture-order',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Put the lectures in this order (every lecture of the course exactly once: 400 lecture_order_mismatch)',
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ lectureIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 500 }) }, { additionalProperties: false }),
        response: { 200: TeachCourse, ...errors },
      },
    },
    async (request) => service.reorderLectures(request.user!, request.params.courseId, request.body.lectureIds, request.ip ?? null),
  );

  app.delete(
    '/lectures/:lectureId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Remove a lecture: credit earned on it stays, course completion is re-evaluated (docs/credit.md)',
        params: Type.Object({ lectureId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({ ...TeachCourse.properties, coursesCompleted: Type.Integer({ description: 'lawyers who completed the course because of the removal' }) }),
          ...errors,
        },
      },
    },
    async (request) => service.removeLecture(request.user!, request.params.lectureId, request.ip ?? null),
  );

  app.get(
    '/lectures/:lectureId/transcode',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Transcoding state of a lecture: job status, progress 0–100, failure reasons',
        params: Type.Object({ lectureId: Type.String({ format: 'uuid' }) }),
        response: { 200: TranscodeStatus, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.transcodeStatus(request.user!, request.params.lectureId);
    },
  );
};

export default teachRoutes;
