/**
 * A bare Fastify app with only the media route (server/media/routes.ts) over a given storage: what
 * the route reads of `app.deps` and the one service it takes from `app.services` (the app proper
 * builds it in server/services.ts). For tests that put the route behind their own server.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../server/config.ts';
import { MediaService } from '../../server/media/service.ts';
import type { Storage } from '../../server/storage/types.ts';

export function decorateForMediaRoute(app: FastifyInstance, storage: Storage, secret: string): void {
  app.decorate('deps', { config: { sessionSecret: secret } as Config, storage } as unknown as FastifyInstance['deps']);
  app.decorate('services', { media: new MediaService(storage, secret) } as unknown as FastifyInstance['services']);
}
