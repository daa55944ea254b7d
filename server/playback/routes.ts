import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { ErrorBody } from '../http/schemas.ts';
import { CatalogRepository } from '../catalog/repository.ts';
import { CatalogService } from '../catalog/service.ts';
import { REJECTION_REASONS } from './credit.ts';
import { PlaybackRepository } from './repository.ts';
import { sqlRunner } from '../db/runner.ts';
import { SESSION_COOKIE } from '../auth/cookie.ts';
import { hashToken } from '../auth/service.ts';
import { PlaybackService, type HeartbeatBody } from './service.ts';

/** Seconds and rates are finite numbers; ±1e7 s is far beyond any lecture but keeps arithmetic sane. */
const MediaSeconds = Type.Number({ minimum: -1e7, maximum: 1e7 });

export const HeartbeatSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    intervals: Type.Array(Type.Tuple([MediaSeconds, MediaSeconds]), { maxItems: 200 }),
    playbackRate: Type.Number({ exclusiveMinimum: 0, maximum: 16 }),
    visible: Type.Boolean(),
    position: Type.Number({ minimum: 0, maximum: 1e7 }),
  },
  { additionalProperties: false },
);

const PresenceSchema = Type.Object({ checkId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/**
 * The app's Ajv coerces types ("1" → 1, "false" → false); evidence must be exactly what the player
 * sent, so these bodies are checked strictly, without coercion or defaults.
 */
const strict: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const validator = Compile(schema);
  return (data: unknown) => {
    if (validator.Check(data)) return { value: data };
    const first = [...validator.Errors(data)][0] as { instancePath?: string; message?: string } | undefined;
    const where = first?.instancePath ? `body${first.instancePath.replace(/\//g, '.')}` : 'body';
    const error = new Error(`${where} ${first?.message ?? 'is not valid'}`) as Error & { validation: unknown[] };
    error.validation = [first ?? {}];
    return { error };
  };
};

const Rejection = Type.Object({ from: Type.Number(), to: Type.Number(), reason: Type.Union([Type.Literal('outside_lecture'), Type.Literal('rate_too_high'), Type.Literal('faster_than_real_time'), Type.Literal('hidden_page'), Type.Literal('presence_unconfirmed')], { description: REJECTION_REASONS.join(', ') }) });

const HeartbeatAnswer = Type.Object({
  acceptedSeconds: Type.Number(),
  rejected: Type.Array(Rejection),
  coverageSeconds: Type.Number(),
  coverageRatio: Type.Number(),
  completed: Type.Boolean(),
  creditMinutes: Type.Integer(),
  presenceCheck: Type.Optional(Type.Object({ id: Type.String(), expiresAt: Type.String() })),
  certificateCode: Type.Optional(Type.String()),
});

const SessionAnswer = Type.Object({
  sessionId: Type.String(),
  lectureId: Type.String(),
  resumeAt: Type.Number(),
  heartbeatSeconds: Type.Integer(),
  maxPlaybackRate: Type.Number(),
  completionRatio: Type.Number(),
  media: Type.Object({ master: Type.String(), audio: Type.String(), slides: Type.String(), poster: Type.String() }),
  durationSeconds: Type.Number(),
  creditMinutes: Type.Integer(),
  coverageSeconds: Type.Number(),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
  title: Type.String(),
  courseId: Type.String(),
  courseTitle: Type.String(),
});

const playbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const catalog = new CatalogService(new CatalogRepository(app.deps.db), app.access);
  const service = new PlaybackService(new PlaybackRepository(sqlRunner(app.deps.db)), catalog, {
    mediaSecret: app.deps.config.sessionSecret,
    rememberSessions: app.deps.config.heartbeatMemorySessions,
  });
  const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({
    ip: request.ip ?? null,
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 500) : null,
  });

  app.post(
    '/lectures/:lectureId/sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['playback'],
        summary: 'Open a playback session (closes the caller’s other open session)',
        params: Type.Object({ lectureId: Type.String({ format: 'uuid' }) }),
        response: { 201: SessionAnswer, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const answer = await service.openSession(request.user!, request.params.lectureId, meta(request));
      return reply.status(201).send(answer);
    },
  );

  app.post(
    '/sessions/:sessionId/heartbeats',
    {
      // No preHandler: the cookie check rides on the heartbeat's own read (heartbeatByToken); only
      // when that finds nothing does the generic check run, to tell 401/403/404/409 apart.
      validatorCompiler: strict as never,
      schema: {
        tags: ['playback'],
        summary: 'Report the media intervals played since the previous heartbeat (idempotent by seq)',
        params: Type.Object({ sessionId: Type.String({ format: 'uuid' }) }),
        body: HeartbeatSchema,
        response: { 200: HeartbeatAnswer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body as HeartbeatBody;
      const token = request.cookies[SESSION_COOKIE];
      if (token && token.length <= 100) {
        const answer = await service.heartbeatByToken(hashToken(token), request.params.sessionId, body, meta(request));
        if (answer) return answer;
      }
      await app.authenticate(request, reply);
      return service.heartbeat(request.user!, request.params.sessionId, body, meta(request));
    },
  );

  app.post(
    '/sessions/:sessionId/presence',
    {
      preHandler: app.authenticate,
      validatorCompiler: strict as never,
      schema: {
        tags: ['playback'],
        summary: 'Confirm a presence check',
        params: Type.Object({ sessionId: Type.String({ format: 'uuid' }) }),
        body: PresenceSchema,
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await service.confirmPresence(request.user!, request.params.sessionId, request.body.checkId);
      return reply.status(204).send(null);
    },
  );
};

export default playbackRoutes;
