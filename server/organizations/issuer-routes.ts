/**
 * An association's certificate settings (signer, seal) for its administrators, and the seal
 * image itself, public like the certificates that carry it (docs/credit.md, "Certificates").
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, FileAnswer, Uuid } from '../http/schemas.ts';
import { notFound } from '../http/errors.ts';
import { CertificateSettingsSchema, SealUploadSchema, SignerChangeSchema } from './schemas.ts';
import { SEAL_MAX_BYTES } from './seal.ts';

const OrgParams = Type.Object({ orgId: Uuid });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

const issuerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.issuers;

  app.get(
    '/organizations/:orgId/certificate-settings',
    {
      preHandler: app.authenticate,
      schema: { tags: ['certificates'], summary: 'The signer and seal an association’s certificates carry', params: OrgParams, response: { 200: CertificateSettingsSchema, ...errors } },
    },
    async (request) => service.view(request.user!, request.params.orgId),
  );

  app.patch(
    '/organizations/:orgId/certificate-settings',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['certificates'],
        summary: 'Set the signer’s name and title (null or empty: none)',
        description: 'Administrators of the association or above it; 400 firm_not_issuer for a firm. Each real change is one audit entry (organization.certificate_settings_changed).',
        params: OrgParams,
        body: SignerChangeSchema,
        response: { 200: CertificateSettingsSchema, ...errors },
      },
    },
    async (request) => service.update(request.user!, request.params.orgId, request.body, request.ip),
  );

  app.put(
    '/organizations/:orgId/certificate-settings/seal',
    {
      preHandler: app.authenticate,
      // base64 of 200 kB is 273 kB: above the app's 256 kB, so the size check can answer in words
      bodyLimit: 512 * 1024,
      schema: {
        tags: ['certificates'],
        summary: 'Upload the seal image',
        description: `\`image\`: base64 of a PNG or JPEG (a \`data:\` URL prefix is allowed), at most ${SEAL_MAX_BYTES / 1024} kB, checked by its bytes. 400 seal_not_base64, seal_not_image, seal_too_large, seal_unreadable, firm_not_issuer. Audited.`,
        params: OrgParams,
        body: SealUploadSchema,
        response: { 200: CertificateSettingsSchema, ...errors },
      },
    },
    async (request) => service.setSeal(request.user!, request.params.orgId, request.body.image, request.ip),
  );

  app.delete(
    '/organizations/:orgId/certificate-settings/seal',
    {
      preHandler: app.authenticate,
      schema: { tags: ['certificates'], summary: 'Remove the seal image', params: OrgParams, response: { 200: CertificateSettingsSchema, ...errors } },
    },
    async (request) => service.setSeal(request.user!, request.params.orgId, null, request.ip),
  );

  app.get(
    '/organizations/:orgId/seal',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Public: an association’s seal image (it is printed on every certificate it issues)',
        params: OrgParams,
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: FileAnswer('the seal image', ['image/png', 'image/jpeg']), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const seal = await service.sealImage(request.params.orgId);
      if (!seal) throw notFound('The seal');
      // a link naming this image's hash never changes; one without it is checked again soon
      const pinned = request.query.v !== undefined && seal.sha256.startsWith(request.query.v) && request.query.v.length >= 8;
      return reply
        .header('content-type', seal.contentType)
        .header('cache-control', pinned ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
        .header('etag', `"${seal.sha256}"`)
        .send(seal.bytes as never);
    },
  );
};

export default issuerRoutes;
