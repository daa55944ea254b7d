/** GET /api/jobs/:jobId: a background job's state, progress and, once done, its answer. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { JobSchema } from './schemas.ts';

const jobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.jobs;

  app.get(
    '/jobs/:jobId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'A background job (a long roster import): state, progress, answer',
        description:
          'For an administrator of the job’s organization or above (403 otherwise, also for an unknown id). Once `done`, a roster import answers the same body as the import route (`imported`, `accounts`); the one-time passwords come once, in the first answer to the administrator who started it (`passwords: "included"`), and are then removed from the server. A `failed` job carries `error` and, for a roster that could no longer be imported, `problems`.',
        params: Type.Object({ jobId: Type.String({ format: 'uuid' }) }),
        response: { 200: JobSchema, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.get(request.user!, request.params.jobId),
  );
};

export default jobRoutes;
