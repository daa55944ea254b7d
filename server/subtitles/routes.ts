/**
 * Subtitle files and transcripts of a lecture (docs/subtitles.md). The upload is the file itself
 * as the body (`text/vtt` or `application/x-subrip`, at most 2 MiB), so the server sees its bytes
 * and can tell a GBK file from UTF-8; request-guards.ts lets these two types through on this one
 * route (neither can be sent cross-site without a preflight, which gets no CORS answer).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { SubtitleFileError } from './parse.ts';
import { LectureParamsSchema, SubtitleErrorSchema, SubtitleListSchema, SubtitleParamsSchema, SubtitleViewSchema, TranscriptQuerySchema, TranscriptSchema, VttQuerySchema } from './schemas.ts';
import { SUBTITLE_CONTENT_TYPES, SUBTITLE_MAX_BYTES } from './service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const subtitleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // over the app's one TeachService (server/services.ts): its trainer check decides who may upload
  const service = app.services.subtitles;

  // The file's bytes, as they are (this plugin's scope only).
  app.addContentTypeParser(Object.keys(SUBTITLE_CONTENT_TYPES), { parseAs: 'buffer', bodyLimit: SUBTITLE_MAX_BYTES }, (_request, body, done) => done(null, body));

  app.get(
    '/lectures/:lectureId/subtitles',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['subtitles'],
        summary: 'The lecture’s subtitle files (trainers of the course)',
        params: LectureParamsSchema,
        response: { 200: SubtitleListSchema, ...errors },
      },
    },
    async (request) => ({ items: await service.listForTrainer(request.user!, request.params.lectureId) }),
  );

  app.put(
    '/lectures/:lectureId/subtitles/:lang',
    {
      preHandler: app.authenticate,
      bodyLimit: SUBTITLE_MAX_BYTES,
      schema: {
        tags: ['subtitles'],
        summary: 'Upload or replace the lecture’s subtitles in one language: the file as the body (text/vtt or application/x-subrip); 422 names the bad line',
        params: SubtitleParamsSchema,
        response: { 200: SubtitleViewSchema, 415: ErrorBody, 422: SubtitleErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format = SUBTITLE_CONTENT_TYPES[mediaType];
      const body = request.body;
      if (!format || !Buffer.isBuffer(body)) {
        return reply.status(415).send({ error: 'subtitle_content_type', message: 'Send the subtitle file as text/vtt (WebVTT) or application/x-subrip (SRT).' });
      }
      try {
        return await service.upload(request.user!, request.params.lectureId, request.params.lang, body, format, request.ip ?? null);
      } catch (error) {
        if (error instanceof SubtitleFileError) return reply.status(422).send({ error: error.code, message: error.message, line: error.line });
        throw error;
      }
    },
  );

  app.delete(
    '/lectures/:lectureId/subtitles/:lang',
    {
      preHandler: app.authenticate,
      schema: { tags: ['subtitles'], summary: 'Remove the lecture’s subtitles in one language', params: SubtitleParamsSchema, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await service.remove(request.user!, request.params.lectureId, request.params.lang, request.ip ?? null);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/lectures/:lectureId/subtitles/:lang.vtt',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['subtitles'],
        summary: 'The subtitle file as WebVTT (for <track>), to whoever may watch the lecture',
        params: SubtitleParamsSchema,
        querystring: VttQuerySchema,
      },
    },
    async (request, reply) => {
      const { object, etag } = await service.file(request.user!, request.params.lectureId, request.params.lang);
      // personal (behind the login), but the same for every viewer until replaced (the URL's ?v= changes then)
      reply.header('content-type', 'text/vtt; charset=utf-8').header('cache-control', 'private, max-age=86400').header('etag', etag);
      if (request.headers['if-none-match'] === etag) {
        object.body.destroy();
        return reply.status(304).send();
      }
      return reply.header('content-length', String(object.bytes)).send(object.body);
    },
  );

  app.get(
    '/lectures/:lectureId/transcript',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['subtitles'],
        summary: 'The transcript: the cues of one language (zh-CN by default), for the player’s transcript panel',
        params: LectureParamsSchema,
        querystring: TranscriptQuerySchema,
        response: { 200: TranscriptSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-cache');
      return service.transcript(request.user!, request.params.lectureId, request.query.lang);
    },
  );
};

export default subtitleRoutes;
