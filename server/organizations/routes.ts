/**
 * The administered tree and one organization (API.md "Audit"), and creating and changing
 * organizations (API.md "Administration"; PATCH: docs/accounts.md). Thin: rules live in
 * OrganizationsService and the pure modules next to it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, Uuid } from '../http/schemas.ts';
import { NewOrganizationSchema, OrganizationChangeSchema, OrganizationSchema, OrganizationTreesSchema } from './schemas.ts';
import { organizationView } from './service.ts';
import issuerRoutes from './issuer-routes.ts';

const changeErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody };

const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.organizations;
  // an association's certificate signer and seal (docs/credit.md, "Certificates")
  await app.register(issuerRoutes);

  app.get(
    '/organizations',
    { preHandler: app.authenticate, schema: { tags: ['audit'], summary: 'The organization trees I administer', response: { 200: OrganizationTreesSchema, 401: ErrorBody } } },
    async (request) => service.administeredTree(request.user!),
  );

  app.get(
    '/organizations/:orgId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'One organization I administer',
        params: Type.Object({ orgId: Uuid }),
        response: { 200: OrganizationSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => organizationView(await service.getForAdmin(request.user!, request.params.orgId)),
  );

  app.post(
    '/organizations',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Create a sub-organization (administrators of the parent or above)',
        description:
          'A province under the national association, a city under a province, a firm under a city or a province. 400 kind_not_allowed, invalid_region_code (not six digits), region_code_level, region_code_prefix (2 digits of a province parent, 4 of a city parent), county_not_firm, county_code, invalid_name; 409 organization_name_taken (a sibling has the name), organization_closed (the parent is closed); 403 outside the caller’s subtree, also for an unknown parent. Written to the audit log.',
        body: NewOrganizationSchema,
        response: { 201: OrganizationSchema, ...changeErrors },
      },
    },
    async (request, reply) => reply.status(201).send(organizationView(await service.create(request.user!, request.body, request.ip))),
  );

  app.patch(
    '/organizations/:orgId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Rename, renumber, move, close or reopen an organization',
        description:
          'Any of the fields. name / regionCode / county: administrators of the organization or above. parentId (a move) and closed: administrators strictly above it (403 parent_admin_required), and for a move also of the new parent. The code is checked against the (new) parent and every direct sub-organization must still fit (400 region_code_children); 400 organization_cycle, root_organization (the root is never moved or closed); 409 organization_name_taken, organization_closed (moving under a closed parent), open_sub_organizations (close them first), parent_closed (reopening under a closed parent). Each real change is one audit entry.',
        params: Type.Object({ orgId: Uuid }),
        body: OrganizationChangeSchema,
        response: { 200: OrganizationSchema, ...changeErrors },
      },
    },
    async (request) => organizationView(await service.update(request.user!, request.params.orgId, request.body, request.ip)),
  );
};

export default organizationRoutes;
