import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PlainText } from '../http/schemas.ts';
import { CatalogRepository } from './repository.ts';
import { CatalogService, COURSE_CATEGORIES, courseView, lectureView } from './service.ts';

const Category = Type.Enum(COURSE_CATEGORIES);
const Status = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')]);
const LectureStatus = Type.Union([Type.Literal('uploading'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]);

const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new CatalogService(new CatalogRepository(app.deps.db), app.access);

  app.get(
    '/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['catalog'],
        querystring: Type.Object(
          {
            q: Type.Optional(PlainText({ maxLength: 100 })),
            category: Type.Optional(Category),
            page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), category: Category, status: Status, lectureCount: Type.Integer(), creditMinutes: Type.Integer() })),
            total: Type.Integer(),
          }),
          400: ErrorBody,
          401: ErrorBody,
        },
      },
    },
    async (request) => service.listPublished(request.query),
  );

  app.get(
    '/courses/:courseId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['catalog'],
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({
            id: Type.String(),
            title: Type.String(),
            summary: Type.String(),
            category: Category,
            status: Status,
            audience: Type.Array(Type.String()),
            organizationId: Type.String(),
            maxPlaybackRate: Type.Number(),
            completionRatio: Type.Number(),
            requireVisible: Type.Boolean(),
            presenceChecks: Type.Boolean(),
            lectures: Type.Array(
              Type.Object({
                id: Type.String(),
                title: Type.String(),
                position: Type.Integer(),
                status: LectureStatus,
                durationSeconds: Type.Union([Type.Number(), Type.Null()]),
                creditMinutes: Type.Integer(),
              }),
            ),
          }),
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { course, lectures } = await service.getCourse(request.user!, request.params.courseId);
      // the response schema leaves out the trainer-only timestamps courseView also carries
      return { ...courseView(course), lectures: lectures.map(lectureView) };
    },
  );
};

export default catalogRoutes;
