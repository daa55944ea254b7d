import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { OrganizationsRepository } from './repository.ts';
import { OrganizationsService } from './service.ts';

const Kind = Type.Union([Type.Literal('national'), Type.Literal('province'), Type.Literal('city'), Type.Literal('firm')]);
const OrgNode: TSchema = Type.Cyclic(
  {
    OrgNode: Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: Kind,
      regionCode: Type.String(),
      county: Type.Boolean(),
      children: Type.Array(Type.Ref('OrgNode')),
    }),
  },
  'OrgNode',
);

const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new OrganizationsService(new OrganizationsRepository(app.deps.db), app.access);

  app.get(
    '/organizations',
    { preHandler: app.authenticate, schema: { tags: ['audit'], response: { 200: Type.Array(OrgNode), 401: ErrorBody } } },
    async (request) => service.administeredTree(request.user!),
  );

  app.get(
    '/organizations/:orgId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        params: Type.Object({ orgId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({ id: Type.String(), name: Type.String(), kind: Kind, regionCode: Type.String(), county: Type.Boolean(), parentId: Type.Union([Type.String(), Type.Null()]) }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const org = await service.getForAdmin(request.user!, request.params.orgId);
      return { id: org.id, name: org.name, kind: org.kind, regionCode: org.regionCode, county: org.county, parentId: org.parentId };
    },
  );
};

export default organizationRoutes;
