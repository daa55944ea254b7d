import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../http/schemas.ts';
import { MyProgressSchema } from './schemas.ts';

const learningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.learning;

  app.get(
    '/me/progress',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'Continue learning: the lecture to resume (the most recently watched unfinished one) and where',
        response: { 200: MyProgressSchema, 401: ErrorBody },
      },
    },
    async (request) => service.mine(request.user!),
  );
};

export default learningRoutes;
