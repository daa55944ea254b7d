/**
 * The kinds of background job, in one place: what runs them (server/jobs/runner.ts) and which
 * part of their answer is a secret to be answered once (server/jobs/service.ts).
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Storage } from '../storage/types.ts';
import type { JobContext } from './runner.ts';
import { rosterImportJob } from '../roster/job.ts';
import { uploadStoreJob } from '../uploads/store-job.ts';
import { lrsDeliveryJob } from '../lrs/job.ts';

export interface KindHandler {
  kind: string;
  /** `actor`: who queued the job, as now (null when the account is gone or disabled) */
  run(context: JobContext, actor: SessionUser | null): Promise<void>;
}

/** What a kind's handler may use (start.ts passes the process's own). */
export interface JobDeps {
  db: Db;
  access: AccessPolicy;
  storage: Storage;
  config: Config;
}

export interface JobKind {
  kind: string;
  handler(deps: JobDeps): KindHandler;
  /**
   * The answer holds secrets (one-time passwords): only the actor gets them, once; then, or when
   * nobody took them within SECRET_HOURS, the stored answer becomes `redact(result, why)`.
   */
  secrets?: { redact(result: unknown, why: 'taken' | 'expired'): unknown };
}

/** How long an untaken answer keeps its secrets (an administrator who started an import and left). */
export const SECRET_HOURS = 24;

export function jobKinds(): readonly JobKind[] {
  return [rosterImportJob, uploadStoreJob, lrsDeliveryJob];
}
