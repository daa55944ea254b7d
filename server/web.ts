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

/** Registers the static files; answers whether the app shell can be served. */
export async function registerWebApp(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(path.join(webDist, 'index.html'))) {
    app.log.warn(`web app not built (${webDist}); run npm run build`);
    return false;
  }
  await app.register(fastifyStatic, {
    root: webDist,
    prefix: '/',
    wildcard: false,
    index: false,
    // web/precompress.ts wrote name.br (brotli 11) and name.gz (gzip 9) at build: sent as they
    // are, so @fastify/compress (which leaves an encoded reply alone) spends nothing on them
    preCompressed: true,
    setHeaders(res, filePath) {
      // @fastify/static 10 hands over the Fastify reply here (reply.header), not the raw response
      const reply = res as unknown as import('fastify').FastifyReply;
      if (filePath.includes(`${path.sep}assets${path.sep}`)) reply.header('Cache-Control', 'public, max-age=31536000, immutable');
      else reply.header('Cache-Control', 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendShell(reply));
  return true;
}

/** The app shell for path routes such as /courses/:id (GET, not /api/, no file extension). */
export function wantsShell(method: string, url: string): boolean {
  const pathname = url.split('?')[0] ?? '/';
  return method === 'GET' && !pathname.startsWith('/api/') && !path.extname(pathname);
}

export function sendShell(reply: import('fastify').FastifyReply) {
  return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
}
