/**
 * One run of LRS delivery (the `lrs_delivery` background job, server/lrs/job.ts): closes idle
 * sessions, queues the statements of sessions that became final, then posts due statements in
 * batches until none is due or the LRS is down. Outcomes are written per batch as they happen
 * (the LRS has them already), not at the job's end.
 */
import type { LrsConfig } from '../config.ts';
import type { Db } from '../db/client.ts';
import { CreditsRepository } from '../credits/repository.ts';
import { registrationStatements } from '../credits/xapi.ts';
import { backoffSeconds, postStatements, type DeliveryOutcome } from './client.ts';
import { LrsRepository, type OutboxStatement } from './repository.ts';

export interface DeliverySummary {
  queuedSessions: number;
  sent: number;
  failed: number;
  retrying: number;
}

export async function queueFinalStatements(db: Db, config: LrsConfig, publicUrl: string, signal?: AbortSignal): Promise<number> {
  const repo = new LrsRepository(db);
  const credits = new CreditsRepository(db);
  await repo.closeIdleSessions();
  let queued = 0;
  for (;;) {
    if (signal?.aborted) break;
    const ids = await repo.finalSessions(config.settleMinutes, 50);
    if (ids.length === 0) break;
    const registrations = await credits.registrationsOf(ids);
    await db.transaction(async (tx) => {
      const outbox = new LrsRepository(tx);
      for (const registration of registrations) await outbox.queue(registration.sessionId, registrationStatements(publicUrl, registration));
    });
    queued += registrations.length;
    // a session that yields no registration (none here: finalSessions asks for heartbeats) would loop
    if (registrations.length < ids.length) break;
  }
  return queued;
}

export async function deliverDue(db: Db, config: LrsConfig, owner: string, signal?: AbortSignal): Promise<Omit<DeliverySummary, 'queuedSessions'>> {
  const repo = new LrsRepository(db);
  const leaseSeconds = Math.ceil(config.timeoutMs / 1000) * 2 + 30;
  const summary = { sent: 0, failed: 0, retrying: 0 };

  /** Posts `batch` and records the outcome; false when the LRS is down (stop this run). */
  const deliver = async (batch: OutboxStatement[]): Promise<boolean> => {
    const outcome: DeliveryOutcome = await postStatements(config, batch.map((s) => s.payload), signal);
    const ids = batch.map((s) => s.id);
    switch (outcome.kind) {
      case 'sent':
        await repo.markSent(owner, ids);
        summary.sent += ids.length;
        return true;
      case 'fail':
        await repo.markFailed(owner, ids, outcome.code, outcome.detail);
        summary.failed += ids.length;
        return true;
      case 'split':
        // one statement spoils the batch (a conflicting or invalid one): find it, deliver the rest
        for (const [i, one] of batch.entries()) {
          if (!(await deliver([one]))) {
            // the LRS went away meanwhile: the rest waits like the one that could not be sent
            await repo.reschedule(owner, batch.slice(i + 1).map((s) => s.id), 'lrs_unavailable', 'not tried: the LRS was unavailable', backoffSeconds(config.retrySeconds, 1));
            return false;
          }
        }
        return true;
      case 'retry': {
        const attempts = Math.max(...batch.map((s) => s.attempts)) + 1;
        await repo.reschedule(owner, ids, outcome.code, outcome.detail, Math.max(outcome.retryAfterSeconds ?? 0, backoffSeconds(config.retrySeconds, attempts)));
        summary.retrying += ids.length;
        return false;
      }
    }
  };

  while (!signal?.aborted) {
    const batch = await repo.claimDue(owner, leaseSeconds, config.batchSize);
    if (batch.length === 0) break;
    if (!(await deliver(batch))) {
      // the rest of what this run claimed is given back by its lease; nothing more is tried now
      break;
    }
  }
  return summary;
}
