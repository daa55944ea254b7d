/**
 * Training classes (培训班, docs/programme.md): create, edit, list, read, the report (JSON, CSV,
 * XLSX), the lawyer's own classes and class certificate PDFs. Thin: the service (`app.services.classes`,
 * server/services.ts) decides.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { renderCertificatePdf } from '../certificates/pdf.ts';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';
import { classHours } from '../playback/credit.ts';
import { reportCsv, reportDisposition, reportTable, reportXlsx } from './export.ts';
import { ClassBodySchema, ClassDetailSchema, ClassListSchema, ClassReportSchema, ClassUpdateBodySchema, MyClassesSchema } from './schemas.ts';

const Uuid = Type.String({ format: 'uuid' });
const tags = ['training-classes'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Lang = Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])) }, { additionalProperties: false });

const classRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { classes: service, issuers, organizations } = app.services;
  const publicUrl = app.deps.config.publicUrl.replace(/\/$/, '');

  app.post(
    '/organizations/:orgId/training-classes',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'Create a training class (培训班) of the organization (administrators of it or above)', params: Type.Object({ orgId: Uuid }), body: ClassBodySchema, response: { 201: ClassDetailSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await service.create(request.user!, request.params.orgId, request.body, request.ip)),
  );

  app.get(
    '/organizations/:orgId/training-classes',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'Training classes owned by the organization or inside its subtree', params: Type.Object({ orgId: Uuid }), response: { 200: ClassListSchema, ...errors } },
    },
    async (request) => service.list(request.user!, request.params.orgId),
  );

  app.get(
    '/training-classes/:classId',
    { preHandler: app.authenticate, schema: { tags, summary: 'A training class with its courses, sessions and enrolment', params: Type.Object({ classId: Uuid }), response: { 200: ClassDetailSchema, ...errors } } },
    async (request) => service.detail(request.user!, request.params.classId),
  );

  app.put(
    '/training-classes/:classId',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'Replace a training class’s fields, courses, sessions and enrolment (audited)', params: Type.Object({ classId: Uuid }), body: ClassUpdateBodySchema, response: { 200: ClassDetailSchema, ...errors, 409: ErrorBody } },
    },
    async (request) => service.update(request.user!, request.params.classId, request.body, request.ip),
  );

  app.get(
    '/training-classes/:classId/report',
    { preHandler: app.authenticate, schema: { tags, summary: 'The class report: enrolled, started, completed and hours, per lawyer and in total', params: Type.Object({ classId: Uuid }), response: { 200: ClassReportSchema, ...errors } } },
    async (request) => {
      const report = await service.report(request.user!, request.params.classId);
      const rows = report.rows.map(({ doneCourseIds: _c, attendedSessionIds: _s, completedAt, ...row }) => ({ ...row, completedAt: completedAt?.toISOString() ?? null }));
      return { ...report, rows };
    },
  );

  for (const ext of ['csv', 'xlsx'] as const) {
    app.get(
      `/training-classes/:classId/report.${ext}`,
      {
        preHandler: app.authenticate,
        schema: {
          tags,
          summary: `The class report as ${ext.toUpperCase()}`,
          params: Type.Object({ classId: Uuid }),
          querystring: Lang,
          response: { 200: FileAnswer(`the class report (${ext === 'csv' ? 'UTF-8 with BOM' : 'one sheet'})`, [ext === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']), ...errors },
        },
      },
      async (request, reply) => {
        const report = await service.report(request.user!, request.params.classId);
        const table = reportTable(report.rows, report.minutesPerClassHour, request.query.lang ?? 'zh-CN');
        const body = ext === 'csv' ? reportCsv(table) : await reportXlsx(table, report.class.name);
        return reply
          .header('content-type', ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', reportDisposition(report.class.name, ext))
          .header('cache-control', 'private, no-store')
          .send(body as never);
      },
    );
  }

  app.get(
    '/me/training-classes',
    { preHandler: app.authenticate, schema: { tags, summary: 'My training classes: progress, deadline and the class certificate once all is done', response: { 200: MyClassesSchema, 401: ErrorBody } } },
    async (request) => service.mine(request.user!),
  );

  app.get(
    '/me/class-certificates/:certificateId/pdf',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Download my class certificate as PDF',
        params: Type.Object({ certificateId: Uuid }),
        response: { 200: FileAnswer('the class certificate (A4, with the issuer’s seal and a QR code to /verify)', ['application/pdf']), ...errors },
      },
    },
    async (request, reply) => {
      const cert = await service.ownCertificate(request.user!, request.params.certificateId);
      const rules = await organizations.creditRules(cert.organizationId);
      const issuer = await issuers.issuerFor(cert.classOrganizationId);
      const seal = issuer?.sealUrl ? await issuers.sealImage(issuer.organizationId) : null;
      const pdf = await renderCertificatePdf(
        {
          kind: 'class',
          serial: cert.serial,
          code: cert.code,
          holderName: cert.holderName,
          licenseNo: cert.licenseNo,
          courseTitle: cert.className,
          creditMinutes: cert.creditMinutes,
          classHours: classHours(cert.creditMinutes, rules.minutesPerClassHour),
          minutesPerClassHour: rules.minutesPerClassHour,
          issuedAt: cert.issuedAt,
          verifyUrl: `${publicUrl}/verify/${cert.code}`,
          issuer: issuer ? { name: issuer.name, signerName: issuer.signerName, signerTitle: issuer.signerTitle, seal: seal?.bytes ?? null } : null,
        },
        (message) => request.log.warn(message),
      );
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="class-certificate-${cert.serial}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf as never);
    },
  );
};

export default classRoutes;
