import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { MyCreditsQuerySchema, MyCreditsSchema, XapiQuerySchema, XapiStatementPageSchema } from './schemas.ts';

const creditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credits: service, access } = app.services;

  app.get(
    '/me/credits',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'My credit in a training year (default: the current one of my firm), in minutes and 学时',
        querystring: MyCreditsQuerySchema,
        response: {
          200: MyCreditsSchema,
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
        querystring: XapiQuerySchema,
        response: { 200: XapiStatementPageSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
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
