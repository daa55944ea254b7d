/**
 * Staff accounts and roles (API.md "Administration"; the listing and the people search:
 * docs/accounts.md, "Organizations and staff"). Thin: rules live in StaffService and
 * role-authority.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PlainText, Uuid } from '../http/schemas.ts';
import { DEFAULT_PEOPLE_RESULTS, MAX_PEOPLE_RESULTS } from './service.ts';
import { LoginSchema, NewStaffSchema, PeopleSearchSchema, RoleGrantSchema, RoleSchema, StaffAccountCreatedSchema, StaffListSchema } from './schemas.ts';

const Role = RoleSchema;
const Login = LoginSchema;
const orgParams = Type.Object({ orgId: Uuid });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const staffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.staff;

  app.post(
    '/organizations/:orgId/staff',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Create a staff account in the organization (administrators of it or above)',
        description:
          'An account without a licence number, with a one-time password answered once; it must change the password at its first login. No role yet: grant one with POST …/roles. 400 invalid_login, login_digits_only, invalid_name; 409 login_taken, organization_closed; 403 outside the caller’s subtree (also an unknown id). Written to the audit log (never the password).',
        params: orgParams,
        body: NewStaffSchema,
        response: { 201: StaffAccountCreatedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const created = await service.createStaff(request.user!, request.params.orgId, request.body, request.ip);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(
    '/organizations/:orgId/staff',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Staff of the organization: accounts holding a role on it, and its staff accounts without one',
        description: '`rolesHere` are the roles on this organization; `changeableRoles` what the caller may grant or revoke here (trainer from the organization’s own administrators, admin only from above).',
        params: orgParams,
        response: {
          200: StaffListSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return service.listStaff(request.user!, request.params.orgId);
    },
  );

  app.get(
    '/people',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Find people of the caller’s subtree to grant a role to',
        description: `By login or licence number (from the start) or name (anywhere in it), exact login or licence number first; at most \`limit\` (default ${DEFAULT_PEOPLE_RESULTS}, at most ${MAX_PEOPLE_RESULTS}). Nobody outside the organizations the caller administers; 403 for someone who administers none.`,
        querystring: Type.Object(
          { q: PlainText({ maxLength: 100 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PEOPLE_RESULTS })) },
          { additionalProperties: false },
        ),
        response: { 200: PeopleSearchSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return { items: await service.searchPeople(request.user!, request.query.q, request.query.limit) };
    },
  );

  app.post(
    '/organizations/:orgId/roles',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Grant trainer or admin on the organization to a person found by login',
        description:
          '204, also when the role was held already (then nothing is logged). 404 for an unknown login or a person outside the caller’s subtree; 403 outside the subtree; 403 peer_role: admin on an organization is granted from strictly above it; 403 peer_account: the person is an administrator at the caller’s level or above; 409 own_account: the caller’s own admin role (their own trainer role is allowed); 409 organization_closed.',
        params: orgParams,
        body: RoleGrantSchema,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.grantRole(request.user!, request.params.orgId, request.body.login, request.body.role, request.ip);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/organizations/:orgId/roles/:login/:role',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['administration'],
        summary: 'Revoke trainer or admin on the organization',
        description: '204, also when the role was not held (then nothing is logged). The same refusals as granting, except that a closed organization’s roles may be revoked.',
        params: Type.Object({ orgId: Uuid, login: Login, role: Role }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.revokeRole(request.user!, request.params.orgId, request.params.login, request.params.role, request.ip);
      return reply.status(204).send(null);
    },
  );
};

export default staffRoutes;
