/**
 * The dashboard (JSON) and the bulletin (通报) files of an association, PDF and XLSX, for a period
 * (docs/programme.md, "Dashboard and bulletin (通报)"). Thin: the service (`app.services.bulletin`,
 * server/services.ts) decides who may see what.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { attachmentDisposition } from '../http/content-disposition.ts';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';
import { renderBulletinPdf } from './pdf.ts';
import { BulletinQuery, DashboardQuery, DashboardSchema } from './schemas.ts';
import { bulletinFileName } from './text.ts';
import { renderBulletinXlsx } from './xlsx.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const bulletinRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.bulletin;
  const params = Type.Object({ orgId: Type.String({ format: 'uuid' }) });
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

  app.get(
    '/organizations/:orgId/dashboard',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The association’s dashboard for a period: per province and city, participation, compliance, 学时 per lawyer, young lawyers, county vs city firms, month by month, and the commendation list',
        params,
        querystring: DashboardQuery,
        response: { 200: DashboardSchema, ...errors },
      },
    },
    async (request) => service.dashboard(request.user!, request.params.orgId, request.query),
  );

  app.get(
    '/organizations/:orgId/bulletin.pdf',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The bulletin (通报) of a period as a PDF to send out as it is (Chinese; English with lang=en)',
        params,
        querystring: BulletinQuery,
        response: { 200: FileAnswer('the bulletin as PDF', ['application/pdf']), ...errors },
      },
    },
    async (request, reply) => {
      const { lang, ...query } = request.query;
      const dashboard = await service.dashboard(request.user!, request.params.orgId, query);
      const pdf = await renderBulletinPdf(dashboard, lang ?? 'zh-CN', (m) => request.log.warn(m));
      const name = bulletinFileName(dashboard, 'pdf');
      return reply.header('content-type', 'application/pdf').header('content-disposition', attachmentDisposition(name.real, name.fallback)).header('cache-control', 'private, no-store').send(pdf);
    },
  );

  app.get(
    '/organizations/:orgId/bulletin.xlsx',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The bulletin (通报) of a period as an XLSX workbook: overview, regions, months, commended firms and lawyers',
        params,
        querystring: BulletinQuery,
        response: { 200: FileAnswer('the bulletin as XLSX', [XLSX]), ...errors },
      },
    },
    async (request, reply) => {
      const { lang, ...query } = request.query;
      const dashboard = await service.dashboard(request.user!, request.params.orgId, query);
      const xlsx = await renderBulletinXlsx(dashboard, lang ?? 'zh-CN');
      const name = bulletinFileName(dashboard, 'xlsx');
      return reply.header('content-type', XLSX).header('content-disposition', attachmentDisposition(name.real, name.fallback)).header('cache-control', 'private, no-store').send(xlsx);
    },
  );
};

export default bulletinRoutes;
