/**
 * The `lrs_delivery` background job (server/jobs/kinds.ts): queued by the platform itself (no
 * actor) every LRS_POLL_SECONDS while an LRS is configured and none is pending
 * (scheduleLrsDelivery), and run by the ordinary job runner with its lease.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { JobKind } from '../jobs/kinds.ts';
import { JobsRepository } from '../jobs/repository.ts';
import { notifyJobQueued } from '../jobs/runner.ts';
import { deliverDue, queueFinalStatements } from './delivery.ts';
import { LrsRepository } from './repository.ts';

export const LRS_DELIVERY_KIND = 'lrs_delivery';

export const lrsDeliveryJob: JobKind = {
  kind: LRS_DELIVERY_KIND,
  handler: ({ db, config }) => ({
    kind: LRS_DELIVERY_KIND,
    async run(context) {
      const lrs = config.lrs;
      if (!lrs) return context.finish(async () => ({ configured: false }));
      const queuedSessions = await queueFinalStatements(db, lrs, config.publicUrl.replace(/\/$/, ''), context.signal);
      const delivered = await deliverDue(db, lrs, `${context.job.id}:${randomUUID().slice(0, 8)}`, context.signal);
      await context.finish(async () => ({ configured: true, queuedSessions, ...delivered }));
    },
  }),
};

/** Queues a delivery job unless one is pending; true when it did (and woke this process's runner). */
export async function queueLrsDelivery(db: Db): Promise<boolean> {
  const root = await new LrsRepository(db).rootOrganization();
  if (!root) return false;
  const queued = await new JobsRepository(db).enqueueUnlessPending(LRS_DELIVERY_KIND, root);
  if (queued) notifyJobQueued();
  return queued;
}

/** While an LRS is configured: a delivery job now and every LRS_POLL_SECONDS. Answers the stopper. */
export function scheduleLrsDelivery(db: Db, config: Config, log: FastifyBaseLogger): () => void {
  if (!config.lrs) return () => {};
  const tick = () => void queueLrsDelivery(db).catch((err: unknown) => log.warn({ err }, 'LRS delivery: could not queue a run'));
  tick();
  const timer = setInterval(tick, config.lrs.pollSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
