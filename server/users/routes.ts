/**
 * The account lifecycle: change my password, and an administrator's password reset and
 * disable / re-enable of an account in their subtree. Rules and reasons: docs/accounts.md.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SESSION_COOKIE } from '../auth/cookie.ts';
import { hashToken } from '../auth/service.ts';
import { ErrorBody } from '../http/schemas.ts';
import { AccountChangeSchema, AccountSchema, ChangePasswordRequestSchema, PasswordResetRequestSchema, PasswordResetSchema } from './schemas.ts';

const userParams = Type.Object({ userId: Type.String({ format: 'uuid' }) });
const adminErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.users;

  app.post(
    '/me/password',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['session'],
        summary: 'Change my password',
        description:
          'Checks the current password like a login (same 401, same rate limit: 429), then the new one: at least 8 characters, not the login, not the licence number, not the current password, not blank-looking or one of the commonest passwords (400 password_too_short, password_is_login, password_is_license_no, password_unchanged, password_blank, password_too_common). Closes every other login session of the caller (this one stays) and clears passwordChangeRequired.',
        body: ChangePasswordRequestSchema,
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE]!; // authenticate has checked it
      await service.changeOwnPassword(request.user!, hashToken(token), request.body.currentPassword, request.body.newPassword, request.ip);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users/:userId/password-reset',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'Reset an account’s password (administrator of its organization)',
        description:
          'Answers a new one-time password, once; the account must change it at its next login, and every login session of the account is closed. 403 outside the caller’s subtree, 403 peer_account for a trainer or administrator the caller does not administer from strictly above, 404 for an unknown user, 409 for the caller’s own account. Written to the audit log.',
        params: userParams,
        body: PasswordResetRequestSchema,
        response: { 200: PasswordResetSchema, ...adminErrors },
      },
    },
    async (request, reply) => {
      const answer = await service.resetPassword(request.user!, request.params.userId, request.ip);
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );

  app.patch(
    '/users/:userId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'Disable or re-enable an account (administrator of its organization)',
        description:
          'A disabled account cannot log in (the same 401 as a wrong password), its login sessions are closed, and it leaves the training report unless includeDisabled=true. Its watch history, credit and certificates are kept. The same refusals as the password reset (403 peer_account included); written to the audit log.',
        params: userParams,
        body: AccountChangeSchema,
        response: { 200: AccountSchema, ...adminErrors },
      },
    },
    async (request) => service.setDisabled(request.user!, request.params.userId, request.body.disabled, request.ip),
  );
};

export default userRoutes;
