/**
 * The OpenAPI document (`GET /api/openapi.json`, `/api/docs`): @fastify/swagger's options in one
 * place. OpenAPI 3.1, whose Schema Objects are the JSON Schema the TypeBox route schemas already
 * are (tuples and numeric `exclusiveMinimum` are not OpenAPI 3.0). Two things are derived from
 * the route itself so no route can forget them:
 *
 * - `security`: a route whose preHandler is `app.authenticate` needs the session cookie; any
 *   other route says `security: []` (public: login, health, verify, signed media links);
 * - `operationId`: from the method and path (`GET /api/courses/:courseId` → `getCoursesCourseId`),
 *   unique because method + path is, and stable for generated clients.
 *
 * `tests/integration/openapi.test.ts` lints the document (Redocly, recommended rules) and
 * validates it (swagger-parser), and checks that every registered route is in it.
 */
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { TUS_ERROR_SCHEMA, TUS_PATHS } from '../uploads/openapi.ts';
import { HANDOUT_UPLOAD_BODY, HANDOUT_UPLOAD_PATH } from '../handouts/openapi.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Json = Record<string, unknown>;

export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\//, '')
    .split(/[/.:_-]+/)
    .filter((word) => word && word !== '*');
  return method.toLowerCase() + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

/**
 * TypeBox writes a tuple the draft-07 way (`items: [a, b], additionalItems: false`); OpenAPI 3.1
 * is JSON Schema 2020-12, where that is `prefixItems: [a, b], items: false`. Validation keeps the
 * draft-07 form (Ajv); only the document is rewritten.
 */
function tuplesAs2020(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(tuplesAs2020);
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  if (Array.isArray(schema.items)) {
    schema.prefixItems = schema.items;
    schema.items = schema.additionalItems === false ? false : (schema.additionalItems ?? true);
    delete schema.additionalItems;
  }
  Object.values(schema).forEach(tuplesAs2020);
}

/** `/api/media/{exp}/{sig}/{*}`: a wildcard is not an OpenAPI parameter name; it is `{path}`, the rest of the URL. */
function namedWildcards(paths: Json): Json {
  const renamed: Json = {};
  for (const [url, item] of Object.entries(paths)) {
    if (!url.endsWith('/{*}')) {
      renamed[url] = item;
      continue;
    }
    for (const method of METHODS) {
      const operation = (item as Json)[method] as { parameters?: Json[] } | undefined;
      for (const parameter of operation?.parameters ?? []) {
        if (parameter.in === 'path' && parameter.name === '*') Object.assign(parameter, { name: 'path', description: 'the rest of the URL, slashes included (e.g. 360p/seg-00001.ts)' });
      }
    }
    renamed[url.replace(/\/\{\*\}$/, '/{path}')] = item;
  }
  return renamed;
}

/** Every operation gets an id from its method and path, HEAD included (a GET+HEAD route is one Fastify route). */
function withOperationIds(paths: Json): void {
  for (const [url, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = (item as Json)[method] as Json | undefined;
      // a copy: @fastify/swagger shares one object between the GET and HEAD of a route
      if (operation && !operation.operationId) (item as Json)[method] = { ...operation, operationId: operationIdOf(method, url.replace(/\{([^}]+)\}/g, ':$1')) };
    }
  }
}

function needsSession(route: RouteOptions, authenticate: unknown): boolean {
  const handlers = [route.preHandler, route.onRequest].flat().filter(Boolean);
  return handlers.includes(authenticate as never);
}

export function openapiOptions(options: { cookieName: string; authenticate: unknown; version: string }): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lectern API',
        version: options.version,
        description: 'Catalogs, lecture playback and credit for county lawyers; association administration and reports. The fixed core is shared/API.md.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Lectern' },
      },
      servers: [{ url: '/', description: 'this server' }],
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: options.cookieName, description: 'the session cookie POST /api/auth/login sets' } } },
    },
    transform({ schema, url, route }) {
      const documented: FastifySchema & Json = { ...schema, security: needsSession(route, options.authenticate) ? [{ session: [] }] : [] };
      return { schema: documented, url };
    },
    transformObject(document) {
      const doc = ('openapiObject' in document ? document.openapiObject : document.swaggerObject) as Json;
      const paths = { ...namedWildcards((doc.paths ?? {}) as Json), ...TUS_PATHS } as Json;
      withOperationIds(paths);
      tuplesAs2020(paths);
      // the handout upload reads its body as a stream: its request body is documented here
      const handoutUpload = (paths[HANDOUT_UPLOAD_PATH] as Json | undefined)?.post as Json | undefined;
      if (handoutUpload) handoutUpload.requestBody = HANDOUT_UPLOAD_BODY;
      const components = (doc.components ?? {}) as Json;
      return { ...doc, paths, components: { ...components, schemas: { ...((components.schemas ?? {}) as Json), TusError: TUS_ERROR_SCHEMA } } } as never;
    },
  };
}
