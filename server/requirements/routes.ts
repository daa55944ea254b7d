import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { MyRequirementSchema, RulesChangeSchema, RulesViewSchema } from './schemas.ts';

const OrgParams = Type.Object({ orgId: Type.String({ format: 'uuid' }) });
const requirementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.requirements;

  app.get(
    '/organizations/:orgId/requirement-rules',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'The yearly requirement rules (in 学时): own (null = inherited) and in force',
        params: OrgParams,
        response: { 200: RulesViewSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.rules(request.user!, request.params.orgId),
  );

  app.patch(
    '/organizations/:orgId/requirement-rules',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'Set an association’s yearly requirement rules in 学时 (rules: null = inherit again)',
        params: OrgParams,
        body: RulesChangeSchema,
        response: { 200: RulesViewSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => service.updateRules(request.user!, request.params.orgId, request.body.rules, request.ip),
  );

  app.get(
    '/me/requirement',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'What I owe in a training year (default: the current one): target, credit, remaining, required courses, deadline',
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })) }, { additionalProperties: false }),
        response: { 200: MyRequirementSchema, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => service.myRequirement(request.user!, request.query.year),
  );
};

export default requirementRoutes;
