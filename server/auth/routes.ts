import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { LoginRequestSchema, LoginResponseSchema, MeSchema, type Me } from './schemas.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_PATH, SESSION_COOKIE, issueDeviceCookie, trustedDeviceId } from './cookie.ts';

const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in with the 执业证号 (or a staff login) and password; sets the session cookie',
        body: LoginRequestSchema,
        response: { 200: LoginResponseSchema, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { sessionSecret, secureCookies } = app.deps.config;
      const deviceId = trustedDeviceId(sessionSecret, request.cookies[DEVICE_COOKIE], request.body.login);
      // A 429 carries Retry-After: the app's error handler adds it for every TooManyAttempts.
      const { token, expiresAt, user } = await auth.login(request.body.login, request.body.password, { ip: request.ip, userAgent: request.headers['user-agent'], deviceId });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        expires: expiresAt,
      });
      // A fresh device cookie on every success: a new id starts the browser's own count afresh.
      const device = issueDeviceCookie(sessionSecret, user.login);
      reply.setCookie(DEVICE_COOKIE, device.value, { path: DEVICE_COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure: secureCookies, maxAge: device.maxAgeSeconds });
      return { user: { id: user.id, login: user.login, name: user.name } };
    },
  );

  app.post('/auth/logout', { schema: { tags: ['session'], summary: 'Log out: ends the session and clears its cookie', response: { 204: Type.Null() } } }, async (request, reply) => {
    await auth.logout(request.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  app.get('/me', { preHandler: app.authenticate, schema: { tags: ['session'], summary: 'Who I am: name, organization and roles', response: { 200: MeSchema, 401: ErrorBody } } }, async (request): Promise<Me> => {
    const u = request.user!;
    return { id: u.id, login: u.login, name: u.name, organizationId: u.organizationId, roles: u.roles, passwordChangeRequired: u.passwordChangeRequired };
  });
};

export default authRoutes;
