/**
 * Builds the Fastify app from one plugin per domain. The infrastructure comes in as `deps`, the
 * services are built once over it (server/services.ts, `app.services`); nothing that another
 * replica needs is kept in memory.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.ts';
import type { Database, Db } from './db/client.ts';
import type { Storage } from './storage/types.ts';
import { HttpError } from './http/errors.ts';
import { validatorCompiler } from './http/validation.ts';
import { databaseErrorMeaning } from './http/database-errors.ts';
import { stateChangeRefusal } from './http/request-guards.ts';
import { RequestLog, logRequestError, loggerOptions } from './http/request-log.ts';
import { TooManyAttempts } from './auth/service.ts';
import type { SessionUser } from './auth/access.ts';
import { createServices, type Services } from './services.ts';
import { SESSION_COOKIE } from './auth/cookie.ts';
import healthRoutes from './health/routes.ts';
import authRoutes from './auth/routes.ts';
import organizationRoutes from './organizations/routes.ts';
import staffRoutes from './staff/routes.ts';
import catalogRoutes from './catalog/routes.ts';
import mediaRoutes from './media/routes.ts';
import teachRoutes from './teach/routes.ts';
import uploadRoutes from './uploads/routes.ts';
import rosterRoutes from './roster/routes.ts';
import playbackRoutes from './playback/routes.ts';
import creditRoutes from './credits/routes.ts';
import certificateRoutes from './certificates/routes.ts';
import reportRoutes from './reports/routes.ts';
import planRoutes from './plans/routes.ts';
import userRoutes from './users/routes.ts';
import auditRoutes from './audit/routes.ts';
import evidenceRoutes from './evidence/routes.ts';
import jobRoutes from './jobs/routes.ts';
import requirementRoutes from './requirements/routes.ts';
import transcodingRoutes from './transcoding/routes.ts';
import learningRoutes from './learning/routes.ts';
import { registerWebApp, sendShell, wantsShell } from './web.ts';
import { openapiOptions } from './http/openapi.ts';
import siteRoutes from './site/routes.ts';
import handoutRoutes from './handouts/routes.ts';
import inPersonRoutes from './inperson/routes.ts';
import subtitleRoutes from './subtitles/routes.ts';
import pairingRoutes from './pairing/routes.ts';
import classRoutes from './classes/routes.ts';
import bulletinRoutes from './bulletin/routes.ts';
import lrsRoutes from './lrs/routes.ts';
import groupRoutes from './groups/routes.ts';

/** The infrastructure the app runs on; the services are built over it (server/services.ts). */
export interface AppDeps {
  config: Config;
  database: Database;
  db: Db;
  storage: Storage;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
    /** every service, built once by `createServices` (server/services.ts); the routes read them here */
    services: Services;
    /** preHandler: 401 unless a valid session cookie is present; sets request.user */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** every route as registered (method, URL): what the OpenAPI test holds the document to */
    registeredRoutes: { method: string; url: string }[];
  }
  interface FastifyRequest {
    user: SessionUser | null;
  }
}

export interface BuildOptions {
  /** serve web/dist (off in API-only tests) */
  serveWeb?: boolean;
  logger?: boolean | object;
}

export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // ISO time in every line; one line per request at most: 5xx and slow ones (server/http/request-log.ts)
    logger: loggerOptions(deps.config.logLevel, options.logger),
    logController: new RequestLog({ slowRequestMs: deps.config.slowRequestMs }),
    bodyLimit: 256 * 1024, // JSON bodies are small; uploads go through tus
    trustProxy: deps.config.trustProxy,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.decorate('registeredRoutes', []);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) app.registeredRoutes.push({ method, url: route.url });
  });
  app.decorate('deps', deps);
  // The one composition root: every service built once, handed to the routes as app.services.
  app.decorate('services', createServices(deps, app.log));
  app.decorateRequest('user', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const user = await app.services.auth.userForToken(request.cookies[SESSION_COOKIE]);
    if (!user) throw new HttpError(401, 'unauthenticated', 'Log in first.');
    request.user = user;
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof HttpError) {
      if (error instanceof TooManyAttempts) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.status(error.statusCode).send({ error: error.code, message: error.message });
    }
    const e = error as { validation?: unknown; statusCode?: number; code?: string; message?: string };
    if (e.validation) {
      return reply.status(400).send({ error: 'invalid_request', message: e.message ?? 'The request is not valid.' });
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const code = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request';
      return reply.status(e.statusCode).send({ error: code, message: e.message ?? 'Bad request' });
    }
    switch (databaseErrorMeaning(error)) {
      case 'unavailable':
        logRequestError(request, reply, 503, error, 'database unavailable');
        return reply.status(503).header('retry-after', '5').send({ error: 'database_unavailable', message: 'The service is briefly unavailable. Please try again in a moment.' });
      case 'conflict':
        return reply.status(409).send({ error: 'conflict', message: 'Someone changed the same thing at the same moment. Please reload and try again.' });
      case 'invalid_text':
        return reply.status(400).send({ error: 'invalid_characters', message: 'The text contains characters that cannot be stored (such as NUL). Remove them and try again.' });
    }
    logRequestError(request, reply, 500, error, 'unhandled error');
    return reply.status(500).send({ error: 'internal', message: 'Something went wrong on our side. Please try again.' });
  });
  let webServed = false;
  app.setNotFoundHandler((request, reply) => {
    if (webServed && wantsShell(request.method, request.url)) return sendShell(reply);
    return reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` });
  });

  await app.register(cookie, { secret: deps.config.sessionSecret });
  // Security headers from helmet, built once: @fastify/helmet rebuilt this middleware on every
  // request (about 6% of a heartbeat's CPU).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...s3Origins(deps.config), ...logoOrigin(deps.config)],
        mediaSrc: ["'self'", 'blob:', ...s3Origins(deps.config)],
        connectSrc: ["'self'", ...s3Origins(deps.config)],
        workerSrc: ["'self'", 'blob:'],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    strictTransportSecurity: deps.config.secureCookies,
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, () => done()));
  // State changes only from this site, as JSON or without a body (server/http/request-guards.ts).
  const publicOrigin = new URL(deps.config.publicUrl).origin;
  app.addHook('onRequest', async (request, reply) => {
    const refusal = stateChangeRefusal({
      method: request.method,
      url: request.url,
      contentType: request.headers['content-type'],
      secFetchSite: header(request.headers['sec-fetch-site']),
      origin: header(request.headers.origin),
      host: request.headers.host,
      publicOrigin,
    });
    if (refusal) return reply.status(refusal.status).header('cache-control', 'no-store').send({ error: refusal.code, message: refusal.message });
  });
  // API answers hold personal data: no browser or proxy keeps them unless a route says otherwise
  // (media links and the web app's files set their own Cache-Control).
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  // Segments are already compressed; playlists, JSON and the app shell gain a lot on slow lines.
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { 1: 4 } } as never });
  await app.register(swagger, openapiOptions({ cookieName: SESSION_COOKIE, authenticate: app.authenticate, version: '0.1.0' }));
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { prefix: '/api' });
  await app.register(authRoutes, { prefix: '/api' });
  await app.register(organizationRoutes, { prefix: '/api' });
  await app.register(staffRoutes, { prefix: '/api' });
  await app.register(catalogRoutes, { prefix: '/api' });
  await app.register(mediaRoutes, { prefix: '/api' });
  await app.register(rosterRoutes, { prefix: '/api' });
  await app.register(playbackRoutes, { prefix: '/api' });
  await app.register(creditRoutes, { prefix: '/api' });
  await app.register(certificateRoutes, { prefix: '/api' });
  await app.register(teachRoutes, { prefix: '/api' });
  await app.register(uploadRoutes, { prefix: '/api' });
  await app.register(transcodingRoutes, { prefix: '/api' });
  await app.register(reportRoutes, { prefix: '/api' });
  await app.register(planRoutes, { prefix: '/api' });
  await app.register(userRoutes, { prefix: '/api' });
  await app.register(auditRoutes, { prefix: '/api' });
  await app.register(evidenceRoutes, { prefix: '/api' });
  await app.register(jobRoutes, { prefix: '/api' });
  await app.register(requirementRoutes, { prefix: '/api' });
  await app.register(siteRoutes, { prefix: '/api' });
  await app.register(learningRoutes, { prefix: '/api' });
  await app.register(handoutRoutes, { prefix: '/api' });
  await app.register(inPersonRoutes, { prefix: '/api' });
  await app.register(subtitleRoutes, { prefix: '/api' });
  await app.register(pairingRoutes, { prefix: '/api' });
  await app.register(classRoutes, { prefix: '/api' });
  await app.register(bulletinRoutes, { prefix: '/api' });
  await app.register(lrsRoutes, { prefix: '/api' });
  await app.register(groupRoutes, { prefix: '/api' });
  // New domains: add one line here, `await app.register(<domain>Routes, { prefix: '/api' })`.

  if (options.serveWeb !== false) webServed = await registerWebApp(app);
  return app;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** SITE_LOGO_URL on another host: the shell's <img> must be allowed to load it. */
function logoOrigin(config: Config): string[] {
  const logo = config.site.logoUrl;
  return logo && /^https?:/.test(logo) ? [new URL(logo).origin] : [];
}

function s3Origins(config: Config): string[] {
  const endpoint = config.s3?.publicEndpoint ?? config.s3?.endpoint;
  if (!config.s3) return [];
  if (!endpoint) return [`https://${config.s3.bucket}.s3.${config.s3.region}.amazonaws.com`];
  return [new URL(endpoint).origin];
}
