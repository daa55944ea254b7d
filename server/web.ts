/**
 * Serves the built web app (web/dist). Unknown non-API paths get the app shell (index.html),
 * so path routes like /courses/:id work on reload. Hashed assets are cached for a year.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');

export async function registerWebApp(app: FastifyInstance): Promise<void> {
  if (!existsSync(path.join(webDist, 'index.html'))) {
    app.log.warn(`web app not built (${webDist}); run npm run build`);
    return;
  }
  await app.register(fastifyStatic, {
    root: webDist,
    prefix: '/',
    wildcard: false,
    index: false,
    setHeaders(res, filePath) {
      if (filePath.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      else res.setHeader('Cache-Control', 'no-cache');
    },
  });
  const shell = (reply: import('fastify').FastifyReply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html');
  app.get('/', { schema: { hide: true } }, (_request, reply) => shell(reply));
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (request.method === 'GET' && !url.startsWith('/api/') && !path.extname(url)) return shell(reply);
    return reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${url}` });
  });
}
