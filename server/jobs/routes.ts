/** GET /api/jobs/:jobId: a background job's state, progress and, once done, its answer. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { RosterAccountSchema, RosterProblemSchema } from '../roster/schemas.ts';

export const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: '`roster_import`' }),
  organizationId: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  progress: Type.Integer({ description: 'items done of `total` (a roster: lawyers whose password is ready)' }),
  total: Type.Integer(),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  passwords: Type.Optional(
    Type.Union([Type.Literal('included'), Type.Literal('taken'), Type.Literal('expired'), Type.Literal('actor_only')], {
      description: 'done roster imports: `included` (this answer carries the one-time passwords; it is the only one that will), `taken` (answered before), `expired` (nobody took them within 24 hours), `actor_only` (only the administrator who started the import gets them)',
    }),
  ),
  imported: Type.Optional(Type.Integer()),
  accounts: Type.Optional(Type.Array(RosterAccountSchema)),
  problems: Type.Optional(Type.Array(RosterProblemSchema)),
});

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
    async (request) => service.get(request.user!, request.params.jobId) as never,
  );
};

export default jobRoutes;
