import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { ErrorBody } from '../http/schemas.ts';
import { HeartbeatAnswerFields, HeartbeatAnswerSchema, HeartbeatSchema, PresenceSchema, SessionAnswerSchema } from './schemas.ts';
import { SESSION_COOKIE } from '../auth/cookie.ts';
import { hashToken } from '../auth/service.ts';
import type { HeartbeatBody, HeartbeatOutcome, RequestMeta } from './service.ts';

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

/** Where the request came from, kept with the session and each heartbeat as evidence. */
export function requestMeta(request: Pick<FastifyRequest, 'ip' | 'headers'>): RequestMeta {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null };
}

type RouteSchema = { tags: string[]; summary: string; params: TSchema };

/**
 * What every heartbeat route shares, the player's own (`/sessions/:id/heartbeats`) and the shared
 * screen's (`/group-sessions/:id/heartbeats`): the single heartbeat's body, checked strictly, and
 * its 400 and 429 (the rate bound). Each route adds its params, summary and other answers.
 */
export function heartbeatRoute<S extends RouteSchema & { response: Record<number, TSchema> }>(schema: S) {
  return {
    validatorCompiler: strict as never,
    schema: { ...schema, body: HeartbeatSchema, response: { ...schema.response, 400: ErrorBody, 429: ErrorBody } },
  };
}

/**
 * What the presence routes share, the player's own and the shared screen's (docs/credit.md):
 * confirming a check (a body checked strictly, 204 when confirmed) and its picture (never cached).
 */
export const presenceRoutes = {
  confirm: <S extends RouteSchema & { body: TSchema }>(schema: S) => ({
    validatorCompiler: strict as never,
    schema: { ...schema, response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 429: ErrorBody } },
  }),
  image: <S extends RouteSchema>(schema: S) => ({
    schema: { ...schema, response: { 200: Type.Any({ description: 'image/png' }), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } },
  }),
  confirmed: (reply: FastifyReply) => reply.status(204).send(null),
  sendImage: (reply: FastifyReply, png: Buffer) => reply.type('image/png').header('cache-control', 'no-store').send(png),
};

const HeartbeatAnswer = HeartbeatAnswerSchema;
/** 409 for a closed session: what was played before it closed is still judged, and the judgment rides along. */
const ClosedSessionAnswer = Type.Object({ error: Type.Union([Type.Literal('session_closed'), Type.Literal('session_expired')]), message: Type.String(), ...HeartbeatAnswerFields });

const SessionAnswer = SessionAnswerSchema;

const playbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { playback: service, subtitles } = app.services;

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
      const answer = await service.openSession(request.user!, request.params.lectureId, requestMeta(request));
      return reply.status(201).send({ ...answer, subtitles: await subtitles.views(request.params.lectureId) });
    },
  );

  app.post(
    '/sessions/:sessionId/heartbeats',
    {
      // No preHandler: the cookie check rides on the heartbeat's own read (heartbeatByToken); only
      // when that finds nothing does the generic check run, to tell 401/403/404/409 apart.
      ...heartbeatRoute({
        tags: ['playback'],
        summary: 'Report the media intervals played since the previous heartbeat (idempotent by seq)',
        params: Type.Object({ sessionId: Type.String({ format: 'uuid' }) }),
        response: { 200: HeartbeatAnswer, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: Type.Union([ClosedSessionAnswer, ErrorBody]) },
      }),
    },
    async (request, reply) => {
      const body = request.body as HeartbeatBody;
      const token = request.cookies[SESSION_COOKIE];
      let outcome: HeartbeatOutcome | null = null;
      if (token && token.length <= 100) outcome = await service.heartbeatByToken(hashToken(token), request.params.sessionId, body, requestMeta(request));
      if (!outcome) {
        await app.authenticate(request, reply);
        outcome = await service.heartbeat(request.user!, request.params.sessionId, body, requestMeta(request));
      }
      if (outcome.kind === 'recorded') return outcome.answer;
      const error = outcome.reason === 'idle' ? 'session_expired' : 'session_closed';
      const message =
        outcome.reason === 'idle'
          ? 'This playback session closed after a long pause. What was played before is credited; open the lecture again to continue.'
          : 'This playback session was closed because a newer one was opened. What was played before is credited; open the lecture again to continue.';
      return reply.status(409).send({ error, message, ...outcome.answer });
    },
  );

  app.post(
    '/sessions/:sessionId/presence',
    {
      preHandler: app.authenticate,
      ...presenceRoutes.confirm({
        tags: ['playback'],
        summary: 'Confirm a presence check with the code its image shows',
        params: Type.Object({ sessionId: Type.String({ format: 'uuid' }) }),
        body: PresenceSchema,
      }),
    },
    async (request, reply) => {
      await service.confirmPresence(request.user!, request.params.sessionId, request.body.checkId, request.body.code);
      return presenceRoutes.confirmed(reply);
    },
  );

  app.get(
    '/sessions/:sessionId/presence/:checkId/image.png',
    {
      preHandler: app.authenticate,
      ...presenceRoutes.image({
        tags: ['playback'],
        summary: 'The picture of an open presence check’s code (PNG)',
        params: Type.Object({ sessionId: Type.String({ format: 'uuid' }), checkId: Type.String({ format: 'uuid' }) }),
      }),
    },
    async (request, reply) => presenceRoutes.sendImage(reply, await service.presenceCheckImage(request.user!, request.params.sessionId, request.params.checkId)),
  );
};

export default playbackRoutes;
