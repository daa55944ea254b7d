import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';
import { ReportsRepository } from './repository.ts';
import { ReportsService } from './service.ts';

/** Training years are named by the calendar year they start in. */
export const YearQuery = Type.Integer({ minimum: 2000, maximum: 2100, description: 'training year, e.g. 2026 (default: the current one)' });

const ReportLawyer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  licenseNo: Type.String(),
  disabled: Type.Boolean({ description: 'a disabled account; listed only with includeDisabled=true' }),
  firm: Type.String(),
  firmId: Type.String(),
  regionCode: Type.String(),
  county: Type.Boolean(),
  creditMinutes: Type.Integer({ description: 'what counts toward the year: online + in-person' }),
  onlineMinutes: Type.Integer({ description: 'of creditMinutes, lectures completed online in the year' }),
  inPersonMinutes: Type.Integer({ description: 'of creditMinutes, in-person sessions (现场培训) held in the year' }),
  classHours: Type.Number({ description: 'creditMinutes in 学时 (the reported organization’s minutes per 学时)' }),
  planned: Type.Boolean({ description: 'false: no plan of the year covers the lawyer; then met is null and requiredMinutes 0' }),
  basis: Type.Union(
    [Type.Literal('not_planned'), Type.Literal('annual'), Type.Literal('pro_rated'), Type.Literal('part_time'), Type.Literal('exempt_new_practice'), Type.Literal('exempt_age')],
    { description: 'why the lawyer owes what they owe: the requirement rules applied to them (docs/audit.md, "The yearly requirement")' },
  ),
  requiredMinutes: Type.Integer({ description: 'the year’s target: the rules’ amount for this lawyer, raised by the plans (0 when not planned or exempt)' }),
  requiredClassHours: Type.Number(),
  electiveMinutes: Type.Integer({ description: '选修: of requiredMinutes, at least this many from courses that are not required' }),
  electiveCreditMinutes: Type.Integer({ description: 'credit of the year from courses that are not required' }),
  planCount: Type.Integer({ description: 'how many plans of the year target the firm' }),
  missingCourses: Type.Array(Type.Object({ id: Type.String(), title: Type.String() }), { description: 'required courses not completed by the end of the year' }),
  met: Type.Union([Type.Boolean(), Type.Null()], { description: 'null when not planned: never counted as compliant' }),
});

const Report = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), regionCode: Type.String() }),
  year: Type.Integer(),
  trainingYearStartMonth: Type.Integer(),
  minutesPerClassHour: Type.Integer(),
  from: Type.String({ description: 'start of the training year (inclusive), UTC' }),
  to: Type.String({ description: 'end of the training year (exclusive), UTC' }),
  lawyers: Type.Array(ReportLawyer),
  totals: Type.Object({
    lawyers: Type.Integer(),
    creditMinutes: Type.Integer(),
    onlineMinutes: Type.Integer(),
    inPersonMinutes: Type.Integer(),
    met: Type.Integer({ description: 'planned lawyers who met the year (lawyers no plan covers are never counted)' }),
    planned: Type.Integer({ description: 'lawyers a plan covers' }),
  }),
});

const IncludeDisabled = Type.Boolean({ description: 'also list disabled accounts (left out by default), flagged disabled' });

const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new ReportsService(new ReportsRepository(app.deps.db), app.access);
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
        response: { 200: Report, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
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
