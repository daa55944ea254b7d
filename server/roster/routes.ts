import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { badRequest } from '../http/errors.ts';
import { ErrorBody } from '../http/schemas.ts';
import { RosterError, BACKGROUND_ABOVE, type RosterSource } from './service.ts';
import { BadRosterSchema, RosterImportBodySchema, RosterImportedSchema, RosterPreviewBodySchema, RosterPreviewSchema, RosterQueuedSchema, type RosterPreviewBody } from './schemas.ts';
import { MAX_ROSTER_ROWS } from './validate.ts';

/** The app's default body limit (256 KiB) stays for every other route; a roster's is its size (schemas.ts). */
const BODY_LIMIT = 16 * 1024 * 1024;

function sourceOf(body: RosterPreviewBody): RosterSource {
  if ((body.csv === undefined) === (body.xlsx === undefined)) throw badRequest('roster_source', 'Send the roster as exactly one of "csv" (the text) or "xlsx" (the workbook, base64).');
  return body.csv !== undefined ? { format: 'csv', text: body.csv } : { format: 'xlsx', bytes: Buffer.from(body.xlsx!, 'base64') };
}

const columns = 'header `执业证号,姓名,律师事务所` or `licenseNo,name,firm` (in any order, within the first 10 rows), optionally `执业开始日期`/`practiceStartedOn` (YYYY-MM-DD), `兼职`/`partTime` (是/否) and `出生年份`/`birthYear`';

const rosterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.roster;

  app.post(
    '/organizations/:orgId/roster/preview',
    {
      preHandler: app.authenticate,
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['audit'],
        summary: 'Check a roster without importing it',
        description: `Reads the roster (CSV text or an XLSX workbook as base64; ${columns}) and checks every row as the import would: the rows recognised, every problem with its line and a code, the firms found (with their place in the tree), the firms not found under the organization (a roster does not create firms), duplicates in the file and licence numbers already registered. Stores nothing. \`background\` says whether the import will run as a job (more than ${BACKGROUND_ABOVE} rows). 403 outside the caller's subtree.`,
        params: Type.Object({ orgId: Type.String({ format: 'uuid' }) }),
        body: RosterPreviewBodySchema,
        response: { 200: RosterPreviewSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.preview(request.user!, request.params.orgId, sourceOf(request.body)),
  );

  app.post(
    '/organizations/:orgId/roster',
    {
      preHandler: app.authenticate,
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['audit'],
        summary: 'Import a roster of lawyers (CSV or XLSX), all or nothing',
        description: `Imports lawyers from CSV text or an XLSX workbook (base64; ${columns}), at most ${MAX_ROSTER_ROWS.toLocaleString('en')} rows. All or nothing: any bad row imports no one, and the 400 names every bad row. Up to ${BACKGROUND_ABOVE} rows answer 200 with each account's one-time initial password, once; a longer roster answers 202 {jobId}: follow GET /api/jobs/:jobId, whose first answer once done carries the passwords. An import (not a dry run) writes one audit entry: the count per firm, never the passwords. 409 roster_conflict when another import registered some of the same lawyers at the same moment, 409 roster_import_pending while an import of some of them is still running (nothing imported).`,
        params: Type.Object({ orgId: Type.String({ format: 'uuid' }) }),
        body: RosterImportBodySchema,
        response: {
          200: RosterImportedSchema,
          202: RosterQueuedSchema,
          400: BadRosterSchema,
          401: ErrorBody,
          403: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      try {
        const outcome = await service.importRoster(request.user!, request.params.orgId, sourceOf(request.body), { dryRun: request.body.dryRun ?? false, ip: request.ip });
        if (outcome.kind === 'queued') return reply.status(202).send({ jobId: outcome.jobId, total: outcome.total, status: 'queued' as const });
        return { imported: outcome.imported, dryRun: outcome.dryRun, accounts: outcome.accounts };
      } catch (err) {
        if (err instanceof RosterError) {
          // The fixed shape of API.md: row, column, message (the preview route also gives codes).
          const problems = err.problems.map((p) => ({ row: p.row, ...(p.column ? { column: p.column } : {}), message: p.message }));
          return reply.status(400).send({ error: err.code, message: err.message, problems });
        }
        throw err;
      }
    },
  );
};

export default rosterRoutes;
