import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';
import { ReportSchema, YearQuery } from './schemas.ts';

const IncludeDisabled = Type.Boolean({ description: 'also list disabled accounts (left out by default), flagged disabled' });

const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.reports;
  const params = Type.Object({ orgId: Type.String({ format: 'uuid' }) });

  app.get(
    '/organizations/:orgId/report',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'Every lawyer of the subtree: credit in the training year against the plans that target their firm',
        params,
        querystring: Type.Object({ year: Type.Optional(YearQuery), includeDisabled: Type.Optional(IncludeDisabled) }, { additionalProperties: false }),
        response: { 200: ReportSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.report(request.user!, request.params.orgId, request.query.year, request.query.includeDisabled ?? false),
  );

  app.get(
    '/organizations/:orgId/report.csv',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The report as CSV (UTF-8 with BOM, CRLF; Chinese headers, or English with lang=en; a last 已停用/Disabled column with includeDisabled=true)',
        params,
        querystring: Type.Object(
          { year: Type.Optional(YearQuery), lang: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])), includeDisabled: Type.Optional(IncludeDisabled) },
          { additionalProperties: false },
        ),
        response: { 200: FileAnswer('the report as CSV, UTF-8 with BOM', ['text/csv']), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const csv = await service.reportCsv(request.user!, request.params.orgId, request.query.year, request.query.lang ?? 'zh-CN', request.query.includeDisabled ?? false);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', csv.filename)
        .header('cache-control', 'private, no-store')
        .send(csv.body);
    },
  );
};

export default reportRoutes;
