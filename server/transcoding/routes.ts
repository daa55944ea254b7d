/** POST /api/lectures/:lectureId/transcode/retry: a failed transcode again, from the stored source. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, Uuid } from '../http/schemas.ts';
import { RetryAnswerSchema } from './schemas.ts';

const transcodingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.transcodeRetry;

  app.post(
    '/lectures/:lectureId/transcode/retry',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: 'Transcode a failed lecture again from its stored recording',
        description:
          'For a trainer or an administrator of the course’s organization or above (403 otherwise). Queues a new job on the source of the failed one and answers 202; the lecture turns `processing` (or stays `ready` on its old package when a replacement had failed). Audit-logged (`lecture.transcode_retried`). 409 `transcode_in_progress` while a job is queued or running, `nothing_to_retry` when the newest job did not fail, `source_missing` when the recording is no longer stored (upload it again).',
        params: Type.Object({ lectureId: Uuid }),
        response: { 202: RetryAnswerSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const answer = await service.retry(request.user!, request.params.lectureId, request.ip);
      return reply.code(202).send(answer);
    },
  );
};

export default transcodingRoutes;
