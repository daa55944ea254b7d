/**
 * Starts this process's background job runner with every kind of job (server/jobs/kinds.ts),
 * and the sweep that drops secrets nobody came back for. server/platform.ts calls it once.
 */
import type { FastifyInstance } from 'fastify';
import { jobKinds, SECRET_HOURS } from './kinds.ts';
import { JobsRepository } from './repository.ts';
import { startJobRunner, type RunnerOptions } from './runner.ts';
import { scheduleLrsDelivery } from '../lrs/job.ts';

export function startBackgroundJobs(app: FastifyInstance, options: RunnerOptions = {}): () => Promise<void> {
  const { db, storage, config } = app.deps;
  const kinds = jobKinds();
  const handlers = kinds.map((k) => {
    const handler = k.handler({ db, access: app.services.access, storage, config });
    return { kind: k.kind, run: async (context: Parameters<typeof handler.run>[0]) => handler.run(context, context.job.actorId ? await app.services.auth.sessionUser(context.job.actorId) : null) };
  });
  const runner = startJobRunner({ db, log: app.log }, handlers, options);

  const repo = new JobsRepository(db);
  const sweep = async () => {
    for (const kind of kinds) {
      if (!kind.secrets) continue;
      for (const id of await repo.untakenBefore(kind.kind, SECRET_HOURS)) await repo.takeResult(id, (result) => kind.secrets!.redact(result, 'expired'));
    }
  };
  const sweeper = setInterval(() => void sweep().catch((err: unknown) => app.log.warn({ err }, 'background jobs: could not drop old secrets')), 10 * 60 * 1000);
  sweeper.unref();

  const stopLrs = scheduleLrsDelivery(db, config, app.log);

  return async () => {
    stopLrs();
    clearInterval(sweeper);
    await runner.stop();
  };
}
