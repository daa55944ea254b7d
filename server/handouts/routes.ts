/**
 * Handouts (docs/handouts.md): upload as the raw file body, rename, delete, download with ranges.
 * Thin: the rules live in HandoutsService (built once in server/services.ts, `app.services.handouts`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {} from '@fastify/compress'; // the `compress` route option
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';
import { HANDOUT_CONTENT_TYPES } from './file-type.ts';
import { HandoutRenameSchema, HandoutSchema, HandoutUploadQuerySchema } from './schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const handoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.handouts;
  // The upload's body is the file itself, handed to the service as a stream (this plugin only).
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.post(
    '/courses/:courseId/handouts',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['handouts'],
        summary: 'Attach a handout (PDF, DOC, DOCX, PPT, PPTX, XLS, XLSX) to a course or one of its lectures; the body is the file (application/octet-stream)',
        description:
          'The type is read from the file’s bytes. 400 empty_handout | invalid_file_name, 413 handout_too_large (over HANDOUT_MAX_BYTES), ' +
          '415 unsupported_handout_type, 409 course_archived, 503 storage_unavailable.',
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        querystring: HandoutUploadQuerySchema,
        response: { 201: HandoutSchema, ...errors, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const length = request.headers['content-length'];
      const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      const body = request.body as Readable | undefined;
      if (!body) return reply.status(400).send({ error: 'empty_handout', message: 'The file is empty.' });
      const handout = await service.upload(request.user!, request.params.courseId, request.query, body, declared, request.ip ?? null);
      return reply.status(201).send(handout);
    },
  );

  app.patch(
    '/handouts/:handoutId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['handouts'],
        summary: 'Rename a handout',
        params: Type.Object({ handoutId: Type.String({ format: 'uuid' }) }),
        body: HandoutRenameSchema,
        response: { 200: HandoutSchema, ...errors },
      },
    },
    async (request) => service.rename(request.user!, request.params.handoutId, request.body.title, request.ip ?? null),
  );

  app.delete(
    '/handouts/:handoutId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['handouts'],
        summary: 'Delete a handout (audited; its file leaves storage)',
        params: Type.Object({ handoutId: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.remove(request.user!, request.params.handoutId, request.ip ?? null);
      return reply.status(204).send(null);
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/handouts/:handoutId/file',
    exposeHeadRoute: false,
    preHandler: app.authenticate,
    // Content-Length must be the file's: a broken download resumes from where it stopped (Range)
    compress: false,
    schema: {
      tags: ['handouts'],
      summary: 'Download a handout',
      description:
        'Local storage: the bytes (200, or 206 for a Range; Accept-Ranges, ETag, Content-Disposition with filename*). ' +
        'S3: a 302 to a short-lived signed URL. 404 for a handout of a course the caller may not see; 416 range_not_satisfiable.',
      params: Type.Object({ handoutId: Type.String({ format: 'uuid' }) }),
      response: {
        200: FileAnswer('the file, as an attachment', Object.values(HANDOUT_CONTENT_TYPES)),
        206: FileAnswer('the requested range of the file', Object.values(HANDOUT_CONTENT_TYPES)),
        302: { description: 'S3 storage: the file at a short-lived presigned URL (Location)' },
        304: { description: 'If-None-Match named this handout’s ETag' },
        401: ErrorBody,
        404: ErrorBody,
        416: ErrorBody,
        503: ErrorBody,
      },
    },
    handler: async (request, reply) => {
      const { handoutId } = request.params as { handoutId: string };
      const answer = await service.download(request.user!, handoutId, {
        method: request.method === 'HEAD' ? 'HEAD' : 'GET',
        range: request.headers.range,
        ifNoneMatch: request.headers['if-none-match'],
      });
      switch (answer.kind) {
        case 'error':
          if (answer.status === 503) request.log.warn({ handoutId, err: answer.cause }, 'handouts: storage unavailable');
          return reply.status(answer.status).headers(answer.headers ?? {}).send({ error: answer.error, message: answer.message });
        case 'redirect':
          return reply.headers(answer.headers).redirect(answer.location, 302);
        case 'not_modified':
          return reply.status(304).headers(answer.headers).send();
        case 'object':
          reply.status(answer.status).headers(answer.headers);
          return reply.send(answer.body ?? '');
      }
    },
  });
};

export default handoutRoutes;
