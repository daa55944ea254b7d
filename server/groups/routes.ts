/**
 * Group watching on a firm's computer (集体观看, docs/credit.md "Group watching"): HTTP only; the
 * service is `app.services.groups`, built once in server/services.ts over the app's one
 * PlaybackService (the playback routes' own). Every route needs a login; the group's routes are for its host (403 otherwise), a member's
 * leave also for that member, the /me routes for a practising lawyer of a firm.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, Uuid } from '../http/schemas.ts';
import { heartbeatRoute, presenceRoutes, requestMeta } from '../playback/routes.ts';
import type { HeartbeatBody } from '../playback/schemas.ts';
import { GroupHeartbeatAnswerSchema, GroupSessionSchema, GroupStartedSchema, JoinCodeSchema, MemberCredentialsSchema, MyGroupSchema, NewGroupSchema, ScreenPresenceSchema } from './schemas.ts';

const tags = ['groups'];
const GroupParams = Type.Object({ groupId: Uuid });
const MemberParams = Type.Object({ groupId: Uuid, userId: Uuid });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const groupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { groups: service, subtitles } = app.services;

  app.post(
    '/group-sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Start watching a lecture together on the firm’s computer (the caller is the host; their own session opens)',
        body: NewGroupSchema,
        response: { 201: GroupStartedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { group, session } = await service.start(request.user!, request.body.lectureId, requestMeta(request));
      return reply.status(201).send({ group, session: { ...session, subtitles: await subtitles.views(session.lectureId) } });
    },
  );

  app.get(
    '/group-sessions/:groupId',
    { preHandler: app.authenticate, schema: { tags, summary: 'The group session and its members (host only)', params: GroupParams, response: { 200: GroupSessionSchema, ...errors } } },
    async (request) => service.get(request.user!, request.params.groupId),
  );

  app.post(
    '/group-sessions/:groupId/members',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Add a colleague of the same firm, confirmed by their own password or the one-time code from their phone (host only)',
        params: GroupParams,
        body: MemberCredentialsSchema,
        response: { 201: GroupSessionSchema, ...errors, 422: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      return reply.status(201).send(await service.addMember(request.user!, request.params.groupId, request.body, { ...requestMeta(request), ip: request.ip }));
    },
  );

  app.post(
    '/group-sessions/:groupId/members/:userId/leave',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'A member leaves the group (the host removes them, or they leave from their phone); the host leaving ends it', params: MemberParams, response: { 200: GroupSessionSchema, ...errors } },
    },
    async (request) => service.leave(request.user!, request.params.groupId, request.params.userId),
  );

  app.post(
    '/group-sessions/:groupId/end',
    { preHandler: app.authenticate, schema: { tags, summary: 'End the group session (host only)', params: GroupParams, response: { 200: GroupSessionSchema, ...errors } } },
    async (request) => service.endGroup(request.user!, request.params.groupId),
  );

  app.post(
    '/group-sessions/:groupId/heartbeats',
    {
      preHandler: app.authenticate,
      ...heartbeatRoute({
        tags,
        summary: 'One heartbeat of the shared screen, judged for each member present on their own session (host only)',
        params: GroupParams,
        response: { 200: GroupHeartbeatAnswerSchema, ...errors },
      }),
    },
    async (request) => service.heartbeat(request.user!, request.params.groupId, request.body as HeartbeatBody, requestMeta(request)),
  );

  app.get(
    '/group-sessions/:groupId/members/:userId/presence/:checkId/image.png',
    {
      preHandler: app.authenticate,
      ...presenceRoutes.image({
        tags,
        summary: 'The picture of a member’s open presence check, for the shared screen (host only)',
        params: Type.Object({ groupId: Uuid, userId: Uuid, checkId: Uuid }),
      }),
    },
    async (request, reply) => presenceRoutes.sendImage(reply, await service.presenceImage(request.user!, request.params.groupId, request.params.userId, request.params.checkId)),
  );

  app.post(
    '/group-sessions/:groupId/members/:userId/presence',
    {
      preHandler: app.authenticate,
      ...presenceRoutes.confirm({
        tags,
        summary: 'A member confirms their presence check on the shared screen: the code and their own password (host’s screen only)',
        params: MemberParams,
        body: ScreenPresenceSchema,
      }),
    },
    async (request, reply) => {
      await service.confirmOnScreen(request.user!, request.params.groupId, request.params.userId, request.body, request.ip);
      return presenceRoutes.confirmed(reply);
    },
  );

  app.post(
    '/me/group-join-code',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'A one-time code (6 digits, 5 minutes) to join a group on the firm’s computer, shown on the lawyer’s own phone', response: { 201: JoinCodeSchema, 401: ErrorBody, 403: ErrorBody } },
    },
    async (request, reply) => reply.status(201).send(await service.joinCode(request.user!)),
  );

  app.get(
    '/me/group-session',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'The group the caller is in now, with the presence check the shared screen shows for them', response: { 200: MyGroupSchema, 401: ErrorBody, 403: ErrorBody } },
    },
    async (request) => service.myGroup(request.user!),
  );
};

export default groupRoutes;
