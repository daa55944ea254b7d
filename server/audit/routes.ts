/** The audit log's one route: an organization's entries for its administrators (docs/audit.md). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, Uuid } from '../http/schemas.ts';
import { AuditPageSchema } from './schemas.ts';
import { DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from './service.ts';

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const audit = app.services.audit;

  app.get(
    '/organizations/:orgId/audit',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The audit log of the organization and its subtree, newest first (administrators of the org or above)',
        description: `Password resets, disables and re-enables, roster imports, plan and settings changes, organizations created, changed, closed and reopened, staff accounts created, roles granted and revoked. Pages of \`limit\` entries (default ${DEFAULT_AUDIT_PAGE}, at most ${MAX_AUDIT_PAGE}); pass \`nextBefore\` as \`before\` for the next page. 403 for anyone else and for an unknown organization; 400 unknown_cursor when \`before\` is not an entry of this log.`,
        params: Type.Object({ orgId: Uuid }),
        querystring: Type.Object(
          { before: Type.Optional(Uuid), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE })) },
          { additionalProperties: false },
        ),
        response: {
          200: AuditPageSchema,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const page = await audit.list(request.user!, request.params.orgId, request.query);
      // who changed what is for the administrator in front of the screen, not for caches
      reply.header('cache-control', 'private, no-store');
      return page;
    },
  );
};

export default auditRoutes;
