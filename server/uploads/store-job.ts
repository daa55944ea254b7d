/**
 * Moving a received upload into storage, as a kind of background job (server/jobs/kinds.ts lists
 * it): queued in the transaction that records the upload as received, retried by the runner
 * while storage is away, and queued again by the upload sweep if its attempts run out
 * (UploadsService.sweepReceipts). See UploadsService.storeReceived.
 */
import type { JobKind } from '../jobs/kinds.ts';
import { UPLOAD_STORE_JOB, uploadsServiceOver } from './service.ts';

export const uploadStoreJob: JobKind = {
  kind: UPLOAD_STORE_JOB,
  handler: (deps) => {
    const service = uploadsServiceOver(deps, deps.access);
    return { kind: UPLOAD_STORE_JOB, run: (context) => service.storeReceived(context) };
  },
};
