import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { ReportsRepository } from '../reports/repository.ts';
import { RequirementsRepository } from './repository.ts';
import { RequirementRulesSchema } from './rules.ts';
import { RequirementsService } from './service.ts';

const OrgParams = Type.Object({ orgId: Type.String({ format: 'uuid' }) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const RulesView = Type.Object({
  organizationId: Type.String(),
  kind: Type.String(),
  own: Nullable(RequirementRulesSchema),
  effective: RequirementRulesSchema,
  effectiveFrom: Nullable(Type.Object({ id: Type.String(), name: Type.String() }, { description: 'whose rules are in force; null = the built-in rules (0 学时: only what the plans ask)' })),
  minutesPerClassHour: Type.Integer({ description: 'minutes per 学时 in force here' }),
  editable: Type.Boolean({ description: 'false for a law firm: firms follow their association' }),
});

const Basis = Type.Union([
  Type.Literal('not_planned'),
  Type.Literal('annual'),
  Type.Literal('pro_rated'),
  Type.Literal('part_time'),
  Type.Literal('exempt_new_practice'),
  Type.Literal('exempt_age'),
]);

const MyRequirement = Type.Object({
  year: Type.Integer(),
  planned: Type.Boolean({ description: 'false when no plan of the year covers me; then requiredMinutes is 0' }),
  requiredMinutes: Type.Integer(),
  creditMinutes: Type.Integer({ description: 'what counts toward the year: online + in-person (onlineMinutes + inPersonMinutes)' }),
  onlineMinutes: Type.Integer({ description: 'of creditMinutes, lectures completed online in the year' }),
  inPersonMinutes: Type.Integer({ description: 'of creditMinutes, in-person sessions (现场培训) held in the year' }),
  remainingMinutes: Type.Integer({ description: 'still to earn: to the target, or to the elective minimum when that is further' }),
  requiredCourses: Type.Array(Type.Object({ courseId: Type.String(), title: Type.String(), completed: Type.Boolean() })),
  deadline: Type.String({ description: 'end of the training year (exclusive), UTC' }),
  from: Type.String({ description: 'start of the training year, UTC' }),
  minutesPerClassHour: Type.Integer(),
  requiredClassHours: Type.Number(),
  creditClassHours: Type.Number(),
  onlineClassHours: Type.Number(),
  inPersonClassHours: Type.Number(),
  remainingClassHours: Type.Number(),
  electiveMinutes: Type.Integer({ description: '选修: of requiredMinutes, at least this many from courses that are not required' }),
  electiveCreditMinutes: Type.Integer(),
  basis: Basis,
  met: Nullable(Type.Boolean()),
});

const requirementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const organizations = new OrganizationsRepository(app.deps.db);
  const service = new RequirementsService(new RequirementsRepository(app.deps.db), new ReportsRepository(app.deps.db), organizations, app.access);

  app.get(
    '/organizations/:orgId/requirement-rules',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['plans'],
        summary: 'The yearly requirement rules (in 学时): own (null = inherited) and in force',
        params: OrgParams,
        response: { 200: RulesView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
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
        body: Type.Object({ rules: Nullable(RequirementRulesSchema) }, { additionalProperties: false }),
        response: { 200: RulesView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
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
        response: { 200: MyRequirement, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => service.myRequirement(request.user!, request.query.year),
  );
};

export default requirementRoutes;
