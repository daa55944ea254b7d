import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql } from 'drizzle-orm';

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Object({ status: Type.Literal('unavailable'), failing: Type.Array(Type.String()) }) } } },
    async (request, reply) => {
      const failing: string[] = [];
      await app.deps.db.execute(sql`select 1`).catch((err) => {
        request.log.warn({ err }, 'health: database');
        failing.push('database');
      });
      await app.deps.storage.checkWritable().catch((err) => {
        request.log.warn({ err }, 'health: storage');
        failing.push('storage');
      });
      if (failing.length) return reply.status(503).send({ status: 'unavailable' as const, failing });
      return { status: 'ok' as const };
    },
  );
};

export default healthRoutes;
