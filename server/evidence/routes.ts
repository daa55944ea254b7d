/** `GET /api/users/:userId/evidence?year=` — the evidence page's one route (docs/audit.md, "The evidence page"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { YearQuery } from '../reports/schemas.ts';
import { LawyerEvidenceSchema } from './schemas.ts';

const evidenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.evidence;

  app.get(
    '/users/:userId/evidence',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'Audit: a lawyer’s training year — lectures, sessions, accepted and refused seconds with reasons, presence checks, certificates (read-only)',
        description:
          'For administrators of the lawyer’s organization or above; 403 otherwise, also for an unknown id. The year follows the lawyer’s association (start month); default: the current one.',
        params: Type.Object({ userId: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object({ year: Type.Optional(YearQuery) }, { additionalProperties: false }),
        response: { 200: LawyerEvidenceSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    // Cache-Control: no-store comes from the app's default for /api/ answers (server/app.ts).
    async (request) => service.lawyerEvidence(request.user!, request.params.userId, request.query.year),
  );
};

export default evidenceRoutes;
