import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { RosterError, RosterService } from './service.ts';

const rosterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new RosterService(app.deps.db, app.access);

  app.post(
    '/organizations/:orgId/roster',
    {
      preHandler: app.authenticate,
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        tags: ['audit'],
        description: 'Imports lawyers (licence number, name, firm) from CSV text. All or nothing; each account gets a one-time initial password, answered once. An import (not a dry run) writes one audit entry: the count per firm, never the passwords. 409 roster_conflict when another import registered some of the same lawyers at the same moment (nothing imported).',
        params: Type.Object({ orgId: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ csv: Type.String({ minLength: 1, maxLength: 2_000_000 }), dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            imported: Type.Integer(),
            dryRun: Type.Boolean(),
            accounts: Type.Array(Type.Object({ licenseNo: Type.String(), name: Type.String(), login: Type.String(), initialPassword: Type.String() })),
          }),
          400: Type.Object({ error: Type.String(), message: Type.String(), problems: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), column: Type.Optional(Type.String()), message: Type.String() }))) }),
          401: ErrorBody,
          403: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      try {
        return await service.importCsv(request.user!, request.params.orgId, request.body.csv, request.body.dryRun ?? false, request.ip);
      } catch (err) {
        if (err instanceof RosterError) return reply.status(400).send({ error: err.code, message: err.message, problems: err.problems });
        throw err;
      }
    },
  );
};

export default rosterRoutes;
