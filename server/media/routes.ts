/**
 * GET/HEAD /api/media/:exp/:sig/* — signed media delivery (see server/storage/signing.ts and
 * docs/storage.md). No session is needed: the signed path is the authorisation, which is what
 * lets hls.js, <img>, a service worker and a CDN fetch segments plainly.
 */
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/compress'; // the `compress` route option
import { Type } from 'typebox';
import { ErrorBody, FileAnswer } from '../http/schemas.ts';

/** what a package holds: playlists, segments, slide images, subtitles */
const MEDIA_TYPES = ['application/vnd.apple.mpegurl', 'video/mp2t', 'video/mp4', 'audio/aac', 'image/jpeg', 'text/vtt'];

const Params = Type.Object({
  exp: Type.String({ maxLength: 20, description: 'expiry, Unix seconds' }),
  sig: Type.String({ maxLength: 64, description: 'base64url HMAC over the signed prefix and the expiry' }),
  '*': Type.String({ maxLength: 2048, description: 'storage key under the signed prefix' }),
});

export default async function mediaRoutes(app: FastifyInstance): Promise<void> {
  const media = app.services.media;

  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/:exp/:sig/*',
    exposeHeadRoute: false,
    // Playlists of a long lecture run to tens of KB and shrink ~10×: worth it at 128 kbit/s. Segments
    // and images are already compressed; ranges (206) are never compressed by the plugin.
    compress: { customTypes: /^(?:application\/vnd\.apple\.mpegurl|text\/vtt|application\/json)(?:;|$)/ },
    schema: {
      tags: ['media'],
      summary: 'Read a media file through a signed, expiring, prefix-scoped link',
      params: Params,
      description:
        'Answers the bytes (200, or 206 for a Range), or on S3 a 302 to a presigned URL for anything but playlists; ' +
        'on S3 a media playlist names its segments by presigned URLs shared by every viewer of a time window (public, cacheable, ETag, 304). ' +
        'Errors are JSON {error, message}: 403 bad_signature | expired, 404 not_found, 416 range_not_satisfiable, 503 storage_unavailable.',
      response: {
        200: FileAnswer('the file', MEDIA_TYPES),
        206: FileAnswer('the requested range of the file', MEDIA_TYPES),
        302: { description: 'S3 storage: the file at a presigned URL (Location)' },
        304: { description: 'S3 storage: the shared playlist has not changed (If-None-Match)' },
        403: ErrorBody,
        404: ErrorBody,
        416: ErrorBody,
        503: ErrorBody,
      },
    },
    handler: async (request, reply) => {
      const params = request.params as { exp: string; sig: string; '*': string };
      const answer = await media.answer({
        exp: params.exp,
        sig: params.sig,
        key: params['*'],
        method: request.method === 'HEAD' ? 'HEAD' : 'GET',
        range: request.headers.range,
        acceptEncoding: request.headers['accept-encoding'],
        ifNoneMatch: request.headers['if-none-match'],
      });
      switch (answer.kind) {
        case 'error':
          if (answer.status === 503) request.log.warn({ key: params['*'], err: answer.cause }, 'media: storage unavailable');
          return reply.status(answer.status).headers(answer.headers ?? {}).send({ error: answer.error, message: answer.message });
        case 'redirect':
          return reply.status(302).headers(answer.headers).redirect(answer.location, 302);
        case 'object':
          reply.status(answer.status).headers(answer.headers);
          return reply.send(answer.body ?? '');
      }
    },
  });
}
