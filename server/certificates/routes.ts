import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';
import { classHours } from '../playback/credit.ts';
import { CertificateVerificationSchema, MyCertificateListSchema, type MyCertificate } from './schemas.ts';
import { renderCertificatePdf } from './pdf.ts';

const certificateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { certificates: service, issuers, organizations } = app.services;
  const publicUrl = app.deps.config.publicUrl.replace(/\/$/, '');
  const verifyUrl = (code: string) => `${publicUrl}/verify/${code}`;

  app.get(
    '/certificates/verify/:code',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Public: check a certificate by its verification code',
        params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: CertificateVerificationSchema,
          404: ErrorBody,
        },
      },
    },
    async (request) => service.verify(request.params.code),
  );

  app.get(
    '/me/certificates',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['certificates'],
        summary: 'My certificates',
        response: {
          200: MyCertificateListSchema,
          401: ErrorBody,
        },
      },
    },
    async (request) =>
      (await service.listOwn(request.user!)).map((c): MyCertificate => ({
        id: c.id,
        serial: c.serial,
        code: c.code,
        courseId: c.courseId,
        course: c.courseTitle,
        creditMinutes: c.creditMinutes,
        issuedAt: c.issuedAt.toISOString(),
        pdfUrl: `/api/me/certificates/${c.id}/pdf`,
        verifyUrl: verifyUrl(c.code),
      })),
  );

  app.get(
    '/me/certificates/:certificateId/pdf',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['certificates'],
        summary: 'Download my certificate as PDF',
        params: Type.Object({ certificateId: Type.String({ format: 'uuid' }) }),
        response: { 200: FileAnswer('the certificate (A4, with the issuer’s seal and a QR code to /verify)', ['application/pdf']), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const cert = await service.ownCertificate(request.user!, request.params.certificateId);
      const rules = await organizations.creditRules(cert.organizationId);
      const issuer = await issuers.issuerFor(cert.courseOrganizationId);
      const seal = issuer?.sealUrl ? await issuers.sealImage(issuer.organizationId) : null;
      const pdf = await renderCertificatePdf(
        {
          serial: cert.serial,
          code: cert.code,
          holderName: cert.holderName,
          licenseNo: cert.licenseNo,
          courseTitle: cert.courseTitle,
          creditMinutes: cert.creditMinutes,
          classHours: classHours(cert.creditMinutes, rules.minutesPerClassHour),
          minutesPerClassHour: rules.minutesPerClassHour,
          issuedAt: cert.issuedAt,
          verifyUrl: verifyUrl(cert.code),
          issuer: issuer ? { name: issuer.name, signerName: issuer.signerName, signerTitle: issuer.signerTitle, seal: seal?.bytes ?? null } : null,
        },
        (message) => request.log.warn(message),
      );
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="certificate-${cert.serial}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf as never);
    },
  );
};

export default certificateRoutes;
