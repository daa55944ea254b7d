import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, Uuid } from '../http/schemas.ts';
import { NewPlanSchema, PlanListSchema, PlanSchema, PlanYearSchema, SettingsChangeSchema, TrainingSettingsSchema } from './schemas.ts';

const OrgParams = Type.Object({ orgId: Uuid });

const planRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.plans;

  app.post(
    '/organizations/:orgId/plans',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'Set a training plan for a year (administrators of the association)',
        params: OrgParams,
        body: NewPlanSchema,
        response: { 201: PlanSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(request.user!, request.params.orgId, request.body, request.ip)),
  );

  app.get(
    '/organizations/:orgId/plans',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'Plans that concern the organization: set by it, above it, or inside its subtree',
        params: OrgParams,
        querystring: Type.Object({ year: Type.Optional(PlanYearSchema) }, { additionalProperties: false }),
        response: { 200: PlanListSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => ({ items: await service.list(request.user!, request.params.orgId, request.query.year) }),
  );

  app.delete(
    '/plans/:planId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'Delete a training plan (audited)',
        params: Type.Object({ planId: Uuid }),
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await service.delete(request.user!, request.params.planId, request.ip);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/organizations/:orgId/settings',
    {
      preHandler: app.authenticate,
      schema: { tags: ['plans'], summary: 'Minutes per 学时 and training-year start month: own and effective', params: OrgParams, response: { 200: TrainingSettingsSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } },
    },
    async (request) => service.settings(request.user!, request.params.orgId),
  );

  app.patch(
    '/organizations/:orgId/settings',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'Set an association’s minutes per 学时 and training-year start month (null = inherit)',
        params: OrgParams,
        body: SettingsChangeSchema,
        response: { 200: TrainingSettingsSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.updateSettings(request.user!, request.params.orgId, request.body, request.ip),
  );
};

export default planRoutes;
