import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { CatalogCourseDetailSchema, CatalogListSchema, CatalogQuerySchema, type CatalogCourseDetail } from './schemas.ts';
import { courseView } from './service.ts';


const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // the caller's own state beside the catalog's fields (additive: shared/API.md's shapes stay)
  const { learning, handouts: handoutsService } = app.services;

  app.get(
    '/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['catalog'],
        summary: 'The catalog: published courses, with my progress, the organizers and where to continue',
        querystring: CatalogQuerySchema,
        response: {
          200: CatalogListSchema,
          400: ErrorBody,
          401: ErrorBody,
        },
      },
    },
    async (request) => learning.list(request.user!, request.query),
  );

  app.get(
    '/courses/:courseId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['catalog'],
        summary: 'A course with its lectures and my progress on each',
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        response: {
          200: CatalogCourseDetailSchema,
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request): Promise<CatalogCourseDetail> => {
      const { course, ...state } = await learning.course(request.user!, request.params.courseId);
      const handouts = await handoutsService.forLearners(course, state.lectures.map((l) => l.id));
      // the response schema leaves out the trainer-only timestamps courseView also carries
      return { ...courseView(course), ...state, handouts };
    },
  );
};

export default catalogRoutes;
