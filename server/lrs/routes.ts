import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../http/schemas.ts';
import { LrsRetryAnswer, LrsStatus } from './schemas.ts';

const lrsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.lrs;

  app.get(
    '/admin/lrs',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'National administrators: delivery of xAPI statements to the configured LRS (queued, sent, failed, last success, last error)',
        response: { 200: LrsStatus, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.status(request.user!),
  );

  app.post(
    '/admin/lrs/retry-failed',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'National administrators: queue the statements the LRS refused again (after fixing the credentials or endpoint); audited',
        response: { 200: LrsRetryAnswer, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.retryFailed(request.user!, request.ip),
  );
};

export default lrsRoutes;
