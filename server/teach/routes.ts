/** Trainer routes: the courses I teach, course and lecture editing. Thin: rules live in TeachService. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import {
  CoursePatchSchema,
  LectureOrderSchema,
  LecturePatchSchema,
  NewCourseSchema,
  NewLectureSchema,
  RemovedLectureSchema,
  TeachCourseSchema,
  TeachLectureSchema,
  TeachOverviewSchema,
  TranscodeStateSchema,
  type TeachOverview,
} from './schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const teachRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { teach: service, handouts } = app.services;

  app.get(
    '/teach/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Courses of the organizations I train for, drafts included, and those organizations',
        response: {
          200: TeachOverviewSchema,
          ...errors,
        },
      },
    },
    async (request): Promise<TeachOverview> => ({ ...(await service.listMyCourses(request.user!)), handoutMaxBytes: handouts.maxBytes }),
  );

  app.post(
    '/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Create a draft course',
        body: NewCourseSchema,
        response: { 201: TeachCourseSchema, ...errors },
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
        body: CoursePatchSchema,
        response: { 200: TeachCourseSchema, ...errors },
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
        body: NewLectureSchema,
        response: { 201: TeachLectureSchema, ...errors },
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
        body: LecturePatchSchema,
        response: { 200: TeachLectureSchema, ...errors },
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
        body: LectureOrderSchema,
        response: { 200: TeachCourseSchema, ...errors },
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
        response: { 200: RemovedLectureSchema, ...errors },
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
        response: { 200: TranscodeStateSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.transcodeStatus(request.user!, request.params.lectureId);
    },
  );
};

export default teachRoutes;
