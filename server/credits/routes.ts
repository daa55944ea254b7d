import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const creditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credits: service, access } = app.services;

  app.get(
    '/me/credits',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'My credit in a training year (default: the current one of my firm), in minutes and 学时',
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            year: Type.Integer(),
            creditMinutes: Type.Integer(),
            classHours: Type.Number(),
            minutesPerClassHour: Type.Integer(),
            trainingYearStartMonth: Type.Integer(),
            from: Type.String(),
            to: Type.String(),
            lectures: Type.Array(
              Type.Object({
                lectureId: Type.String(),
                courseId: Type.String(),
                title: Type.String(),
                coverageRatio: Type.Number(),
                completed: Type.Boolean(),
                completedAt: Nullable(Type.String()),
                creditMinutes: Type.Integer(),
              }),
            ),
            courses: Type.Array(
              Type.Object({
                courseId: Type.String(),
                title: Type.String(),
                completed: Type.Boolean(),
                completedAt: Nullable(Type.String()),
                lectureCount: Type.Integer(),
                completedLectures: Type.Integer(),
                certificateId: Nullable(Type.String()),
                certificateCode: Nullable(Type.String()),
                certificateSerial: Nullable(Type.String()),
              }),
            ),
          }),
          400: ErrorBody,
          401: ErrorBody,
        },
      },
    },
    async (request) => service.myCredits(request.user!, request.query.year),
  );

  app.get(
    '/organizations/:orgId/evidence.xapi.json',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'Audit: the heartbeat evidence of the organization’s lawyers as xAPI (Video Profile) statements',
        params: Type.Object({ orgId: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object(
          {
            year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })),
            after: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'the cursor `more` carries: the last registration of the previous page' }),
            limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'registrations (playback sessions) per page, each whole: initialized … terminated' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ statements: Type.Array(Type.Unknown()), more: Type.String() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) =>
      service.evidenceXapi(request.user!, request.params.orgId, {
        year: request.query.year,
        after: request.query.after,
        limit: request.query.limit,
        publicUrl: app.deps.config.publicUrl.replace(/\/$/, ''),
        access,
      }),
  );
};

export default creditRoutes;
