/**
 * Health for load balancers and orchestrators (docs/operations.md, "Health endpoints"):
 *
 * - `GET /api/health/live`: the process is up and serving. No I/O.
 * - `GET /api/health/ready`: 200 when the database answers, which is what this API needs to answer
 *   requests (heartbeats included); storage is reported in the body but never makes it 503, so an
 *   S3 hiccup does not take every replica out of the balancer.
 * - `GET /api/health` (API.md): 200 once the database answers and storage is writable, else 503.
 *
 * Storage is probed in the background (probe.ts), never per request. Answers name only what is
 * failing, never an address or an error text; the cause goes to the log, once per change.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogLevel } from 'fastify';
import { sql } from 'drizzle-orm';
import { StateLog, StorageProbe, within } from './probe.ts';
import { HealthOkSchema, HealthUnavailableSchema, ReadyOkSchema, ReadyUnavailableSchema, type HealthUnavailable } from './schemas.ts';

/** A database that has not answered `select 1` in this long counts as down. */
const DATABASE_TIMEOUT_MS = 5_000;


const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const probe = new StorageProbe(app.deps.storage, { intervalMs: app.deps.config.healthStorageProbeSeconds * 1000, log: app.log });
  probe.start();
  app.addHook('onClose', async () => probe.stop());

  const databaseLog = new StateLog(app.log, 'the database');
  async function databaseAnswers(): Promise<boolean> {
    try {
      await within(app.deps.db.execute(sql`select 1`), DATABASE_TIMEOUT_MS, 'database health check');
      databaseLog.ok();
      return true;
    } catch (err) {
      databaseLog.failed(err);
      return false;
    }
  }

  // Balancers poll live and ready every few seconds: their 503s and slow answers are not logged per
  // request (the state changes above are, once). /api/health keeps the app's request log (one line
  // per 5xx or slow request). Nothing caches any of them.
  const quiet: { logLevel: LogLevel } = { logLevel: ['fatal', 'silent'].includes(app.deps.config.logLevel) ? (app.deps.config.logLevel as LogLevel) : 'error' };
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Health for people: database and storage',
        description: 'The database answers and storage is writable (storage as of the last background probe).',
        response: { 200: HealthOkSchema, 503: HealthUnavailableSchema },
      },
    },
    async (_request, reply) => {
      const [database, storage] = await Promise.all([databaseAnswers(), probe.settled()]);
      const failing: HealthUnavailable['failing'] = [];
      if (!database) failing.push('database');
      if (storage !== 'ok') failing.push('storage');
      if (failing.length) return reply.status(503).send({ status: 'unavailable' as const, failing });
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/health/live',
    { ...quiet, schema: { tags: ['health'], summary: 'Liveness (for the orchestrator)', description: 'Liveness: the process is up. No I/O.', response: { 200: HealthOkSchema } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      ...quiet,
      schema: {
        tags: ['health'],
        summary: 'Readiness (for the load balancer)',
        description: 'Readiness: the database answers. Storage trouble is reported, never a 503.',
        response: {
          200: ReadyOkSchema,
          503: ReadyUnavailableSchema,
        },
      },
    },
    async (_request, reply) => {
      const storage = probe.current;
      if (!(await databaseAnswers())) return reply.status(503).send({ status: 'unavailable' as const, failing: ['database' as const], storage });
      return { status: 'ok' as const, storage };
    },
  );
};

export default healthRoutes;
