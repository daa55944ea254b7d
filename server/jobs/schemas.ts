/**
 * TypeBox shape of `GET /api/jobs/:jobId` (server/jobs/routes.ts): a background job's state,
 * progress and, once done, its answer. Pure: JobsService returns its `Static` type and the web
 * imports it type-only (web/src/lib/api/types.ts), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';
import { RosterAccountSchema, RosterProblemSchema } from '../roster/schemas.ts';

/** Whether a done job's answer carries its secrets (a roster import's one-time passwords), and if not, why. */
export const SecretsStateSchema = Type.Union([Type.Literal('included'), Type.Literal('taken'), Type.Literal('expired'), Type.Literal('actor_only')], {
  description:
    'done roster imports: `included` (this answer carries the one-time passwords; it is the only one that will), `taken` (answered before), `expired` (nobody took them within 24 hours), `actor_only` (only the administrator who started the import gets them)',
});

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
  /** failed jobs: why, in English (the web app words the code) */
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  /** kinds with secrets, once done */
  passwords: Type.Optional(SecretsStateSchema),
  // The job's own answer (a roster import: imported, accounts; a failed one: problems).
  imported: Type.Optional(Type.Integer()),
  accounts: Type.Optional(Type.Array(RosterAccountSchema)),
  problems: Type.Optional(Type.Array(RosterProblemSchema)),
});

export type SecretsState = Static<typeof SecretsStateSchema>;
export type BackgroundJob = Static<typeof JobSchema>;
/** What a job kind stores as its answer (server/jobs/kinds.ts): the fields of the job's own answer. */
export type JobResult = Pick<BackgroundJob, 'imported' | 'accounts' | 'problems'>;
