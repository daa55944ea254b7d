import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PlainText } from '../http/schemas.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { OrganizationsService } from '../organizations/service.ts';
import { PlansRepository } from './repository.ts';
import { PlansService } from './service.ts';

const Year = Type.Integer({ minimum: 2000, maximum: 2100, description: 'training year, named by the calendar year it starts in' });
const Uuid = Type.String({ format: 'uuid' });
const OrgParams = Type.Object({ orgId: Uuid });

const Plan = Type.Object({
  id: Type.String(),
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  year: Type.Integer(),
  name: Type.String(),
  requiredMinutes: Type.Integer({ description: 'minutes a full-time lawyer practising the whole year must earn at least (raises the requirement rules’ annual amount)' }),
  electiveMinutes: Type.Integer({ description: '选修: of the year’s minutes, at least this many from courses that are not required' }),
  targets: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'empty = the whole subtree of the owner' }),
  requiredCourses: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
  createdAt: Type.String(),
  inherited: Type.Boolean({ description: 'set by an organization above the one asked about' }),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Rules = Type.Object({ minutesPerClassHour: Type.Integer(), trainingYearStartMonth: Type.Integer() });
const Settings = Type.Object({
  organizationId: Type.String(),
  kind: Type.String(),
  own: Type.Object({ minutesPerClassHour: Nullable(Type.Integer()), trainingYearStartMonth: Nullable(Type.Integer()) }, { description: 'null = inherited' }),
  effective: Rules,
  editable: Type.Boolean(),
});

const planRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const organizations = new OrganizationsRepository(app.deps.db);
  const service = new PlansService(new PlansRepository(app.deps.db), organizations, new OrganizationsService(organizations, app.access), app.access);

  app.post(
    '/organizations/:orgId/plans',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'Set a training plan for a year (administrators of the association)',
        params: OrgParams,
        body: Type.Object(
          {
            year: Year,
            name: PlainText({ minLength: 1, maxLength: 200 }),
            requiredMinutes: Type.Integer({ minimum: 0, maximum: 60_000, description: 'minutes (the web app converts 学时 with the organization’s minutes per 学时)' }),
            electiveMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: '选修 minimum in minutes; default 0' })),
            targetOrganizationIds: Type.Optional(Type.Array(Uuid, { maxItems: 500 })),
            requiredCourseIds: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Plan, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
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
        querystring: Type.Object({ year: Type.Optional(Year) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Plan) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
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
      schema: { tags: ['plans'], summary: 'Minutes per 学时 and training-year start month: own and effective', params: OrgParams, response: { 200: Settings, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } },
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
        body: Type.Object(
          {
            minutesPerClassHour: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 240 }))),
            trainingYearStartMonth: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 12 }))),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Settings, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.updateSettings(request.user!, request.params.orgId, request.body, request.ip),
  );
};

export default planRoutes;
