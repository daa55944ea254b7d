/**
 * What happens around a tus upload: who may start one, what it reserves, and what a finished
 * upload becomes. The tus protocol itself (offsets, resumes, chunks) is @tus/server's job
 * (routes.ts); where the bytes wait is the staging store's (staging.ts, storage-staging.ts).
 *
 * Starting an upload needs a declared, non-zero length and the trainer role on the lecture's
 * course; its length is then reserved against the trainer's quota (upload_reservations) until
 * the upload is received, is cancelled or expires.
 *
 * Durable uploads (docs/jobs-and-uploads.md): when the last byte has arrived, the upload is
 * **received** — in one transaction its row says so (with the source id it will become) and an
 * `upload_store` background job is queued — before the client gets its answer. The job then
 * puts the staged bytes into storage at `sources/<lectureId>/<sourceId>/original` and, in one
 * transaction, marks the upload stored, records the media source and queues its transcode; only
 * then are the staged bytes deleted. A storage outage only delays the job (it is retried, and
 * queued again by the sweep when its attempts run out); nothing received is dropped.
 */
import { randomUUID } from 'node:crypto';
import type { Upload } from '@tus/utils';
import { ERRORS } from '@tus/utils';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { Config } from '../config.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import type { UploadState } from '../db/schema/index.ts';
import type { Storage } from '../storage/types.ts';
import { type TranscodingService, sourceKey, transcodingServiceOver } from '../transcoding/service.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { JobsRepository } from '../jobs/repository.ts';
import { CatalogRepository } from '../catalog/repository.ts';
import { JobFailure, notifyJobQueued, type JobContext } from '../jobs/runner.ts';
import { checkQuota, quotaExceededMessage } from './quota.ts';
import { UploadReservationsRepository, type UploadMetadata, type UploadReservationRow } from './repository.ts';
import type { LectureUpload, LectureUploadState } from './schemas.ts';
import { StagedBytesMissing, type UploadStaging } from './staged.ts';
import { openUploadStaging } from './staging.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The background job kind that moves a received upload into storage (store-job.ts). */
export const UPLOAD_STORE_JOB = 'upload_store';

/** An upload still "receiving" this long after its creation may be complete but unrecorded: the sweep looks. */
const UNRECORDED_AFTER_SECONDS = 60;

export interface UploadLimits {
  maxUploadBytes: number;
  /** bytes one user's open reservations may hold together */
  quotaBytes: number;
  /** an unfinished upload expires this many days after its creation */
  expiryDays: number;
}

export function uploadLimits(config: Pick<Config, 'maxUploadBytes' | 'uploadQuotaBytes' | 'uploadExpiryDays'>): UploadLimits {
  return { maxUploadBytes: config.maxUploadBytes, quotaBytes: config.uploadQuotaBytes, expiryDays: config.uploadExpiryDays };
}

export interface NewUpload {
  /** the tus upload id */
  uploadId: string;
  lectureId: string | null | undefined;
  /** the declared Upload-Length; undefined when the length was deferred */
  size: number | undefined;
}

export type ReceiveOutcome =
  /** recorded now; `jobId` is the store job */
  | { kind: 'received'; jobId: string }
  /** an earlier request (a retried last PATCH, a HEAD, the sweep) recorded it already */
  | { kind: 'already'; state: UploadState };

export interface ExpirySweep {
  /** reservations that had expired and were ended */
  endedReservations: number;
  /** partial uploads deleted (those of expired reservations, and any the store found expired itself) */
  removedPartials: number;
}

export interface ReceiptSweep {
  /** complete uploads that no request had recorded (the last answer failed and the client left) */
  recorded: number;
  /** received uploads whose store job had given up, queued again */
  requeued: number;
  /** staged bytes deleted that an earlier attempt left behind */
  removedStaging: number;
  /** uploads the sweep could not handle this time (it tries again next time) */
  errors: { uploadId: string; message: string }[];
}

export class UploadsService {
  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly catalog: CatalogRepository,
    private readonly reservations: UploadReservationsRepository,
    private readonly jobs: JobsRepository,
    private readonly transcoding: TranscodingService,
    private readonly access: AccessPolicy,
    private readonly staging: UploadStaging,
    private readonly limits: UploadLimits,
  ) {}

  /**
   * Everything a new upload must pass before anything of it is stored: a declared length that is
   * not 0, the trainer role on the lecture, and room in the user's quota (reserved here).
   * Throws an HttpError otherwise. Answers the lecture id.
   */
  async start(user: SessionUser, upload: NewUpload): Promise<string> {
    if (upload.size === undefined) {
      throw new HttpError(400, 'upload_length_required', "Declare the file's size when the upload is created (Upload-Length); uploads of unknown length are not accepted.");
    }
    if (upload.size === 0) throw new HttpError(400, 'empty_upload', 'The file is empty (0 bytes). Choose the recording itself and upload it again.');
    const lectureId = await this.authorizeUpload(user, upload.lectureId);
    await this.reserve(user.id, { uploadId: upload.uploadId, lectureId, bytes: upload.size });
    return lectureId;
  }

  /** Throws an HttpError unless `user` may upload a recording for the lecture named in the metadata. */
  async authorizeUpload(user: SessionUser, lectureId: string | null | undefined): Promise<string> {
    const { lecture, course } = await this.trainedLecture(user, lectureId);
    if (course.status === 'archived') throw new HttpError(409, 'course_archived', 'The course is archived; publish it again before uploading.');
    return lecture.id;
  }

  private async trainedLecture(user: SessionUser, lectureId: string | null | undefined) {
    if (!lectureId || !UUID.test(lectureId)) {
      throw new HttpError(400, 'invalid_metadata', 'Name the lecture: the upload metadata needs lectureId (a UUID).');
    }
    const lecture = await this.catalog.findLecture(lectureId);
    // a removed lecture takes no recording
    if (!lecture || lecture.removedAt) throw notFound('The lecture');
    const course = await this.catalog.findCourse(lecture.courseId);
    if (!course) throw notFound('The lecture');
    await this.access.assertRole(user, course.organizationId, 'trainer');
    return { lecture, course };
  }

  /** Reserves `bytes` for the upload if the user's quota has room; the check and the insert hold the user's lock. */
  private async reserve(userId: string, upload: { uploadId: string; lectureId: string; bytes: number }): Promise<void> {
    const verdict = await this.db.transaction(async (tx) => {
      await this.reservations.lockUser(tx, userId);
      const reservedBytes = await this.reservations.openBytes(tx, userId, this.limits.expiryDays);
      const result = checkQuota({ reservedBytes, requestedBytes: upload.bytes, quotaBytes: this.limits.quotaBytes });
      if (result.kind === 'fits') await this.reservations.insert(tx, { id: upload.uploadId, userId, lectureId: upload.lectureId, bytes: upload.bytes });
      return result;
    });
    if (verdict.kind === 'exceeded') throw new HttpError(413, 'upload_quota_exceeded', quotaExceededMessage(verdict, this.limits.expiryDays));
  }

  /**
   * Records a complete upload as received, with its store job, in one transaction; idempotent
   * (a retried last PATCH, a HEAD that finds it complete and the sweep may all call it). Throws
   * when the upload cannot be recorded (the database is away): the caller answers an error, so
   * the client asks again rather than believing it done.
   */
  async receive(upload: Pick<Upload, 'id' | 'size' | 'offset' | 'metadata'>): Promise<ReceiveOutcome> {
    if (upload.size === undefined || upload.offset !== upload.size) throw new Error(`upload ${upload.id} is not complete (${upload.offset} of ${upload.size})`);
    // refused at creation already; a source of 0 bytes must never be queued
    if (upload.size === 0) throw new HttpError(400, 'empty_upload', 'The file is empty (0 bytes). Choose the recording itself and upload it again.');
    const known = await this.reservations.find(upload.id);
    if (known && known.state !== 'receiving') return { kind: 'already', state: known.state };
    const metadata = { ...(known?.metadata ?? {}), ...(upload.metadata ?? {}) } as UploadMetadata;
    const lectureId = metadata.lectureId ?? known?.lectureId;
    const userId = metadata.userId ?? known?.userId;
    if (!lectureId || !UUID.test(lectureId) || !userId) throw new HttpError(400, 'invalid_metadata', 'The upload names no lecture.');
    const lecture = await this.catalog.findLecture(lectureId);
    const course = lecture ? await this.catalog.findCourse(lecture.courseId) : undefined;
    if (!course) {
      await this.reservations.markUnstorable(upload.id, 'dropped', this.db, ['receiving']);
      throw notFound('The lecture');
    }
    await this.staging.persist(upload.id);
    const size = upload.size;

    const outcome = await this.db.transaction(async (tx): Promise<ReceiveOutcome> => {
      let row = await this.reservations.findForUpdate(tx, upload.id);
      if (!row) {
        // an upload started before reservations were kept
        await this.reservations.insert(tx, { id: upload.id, userId, lectureId, bytes: size });
        row = (await this.reservations.findForUpdate(tx, upload.id))!;
      }
      if (row.state !== 'receiving') return { kind: 'already', state: row.state };
      const job = await this.enqueueStore(tx, row, course.organizationId);
      await this.reservations.markReceived(tx, row.id, { sourceId: randomUUID(), storeJobId: job, metadata, stagedBytes: size });
      return { kind: 'received', jobId: job };
    });
    if (outcome.kind === 'received') notifyJobQueued();
    return outcome;
  }

  /** For HEAD and PATCH: an upload found complete is recorded before anything is answered. */
  async ensureReceived(upload: Pick<Upload, 'id' | 'size' | 'offset' | 'metadata'>): Promise<void> {
    if (upload.size === undefined || upload.size === 0 || upload.offset !== upload.size) return;
    await this.receive(upload);
  }

  private async enqueueStore(tx: DbOrTx, row: Pick<UploadReservationRow, 'id' | 'userId'>, organizationId: string): Promise<string> {
    const job = await this.jobs.enqueue(tx, { kind: UPLOAD_STORE_JOB, organizationId, actorId: row.userId, input: { uploadId: row.id }, total: 1 });
    return job.id;
  }

  /**
   * The `upload_store` job: puts a received upload's staged bytes into storage and, in one
   * transaction held only while this runner still has the job, marks it stored, records the
   * media source and queues its transcode. Errors other than missing bytes are retried by the
   * runner (storage away); the staged bytes are deleted only after the commit.
   */
  async storeReceived(context: JobContext): Promise<void> {
    const { uploadId } = context.job.input as { uploadId: string };
    const row = await this.reservations.find(uploadId);
    if (!row || row.state !== 'received' || !row.sourceId) {
      await context.finish(async () => ({ uploadId, state: row?.state ?? 'missing' }));
      return;
    }
    const lecture = await this.catalog.findLecture(row.lectureId);
    if (!lecture) {
      await context.finish(async (tx) => {
        await this.reservations.markUnstorable(row.id, 'dropped', tx);
        return { uploadId, state: 'dropped' };
      });
      await this.removeStaged(row.id);
      return;
    }
    await context.progress(0);
    const metadata = row.metadata ?? {};
    const key = sourceKey(row.lectureId, row.sourceId);
    try {
      await this.staging.copyTo(this.storage, row.id, key, { contentType: metadata.filetype?.slice(0, 100) || 'application/octet-stream' });
    } catch (err) {
      if (!(err instanceof StagedBytesMissing)) throw err;
      await this.reservations.markUnstorable(row.id, 'lost');
      throw new JobFailure('upload_lost', `${err.message}. The trainer has to upload the recording again.`);
    }
    const sourceId = row.sourceId;
    await context.finish(async (tx) => {
      if (!(await this.reservations.markStored(tx, row.id))) return { uploadId, state: 'already' };
      const job = await this.transcoding.enqueueSource(tx, {
        id: sourceId,
        lectureId: row.lectureId,
        storageKey: key,
        bytes: row.bytes,
        originalName: metadata.filename?.slice(0, 255) ?? null,
        contentType: metadata.filetype?.slice(0, 100) ?? null,
      });
      return { uploadId, state: 'stored', sourceId, transcodeJobId: job.id };
    });
    await this.removeStaged(row.id);
  }

  /** Deletes an upload's staged bytes (best effort: the sweep tries again) and notes it. */
  private async removeStaged(uploadId: string): Promise<boolean> {
    try {
      await this.staging.remove(uploadId);
    } catch (err) {
      if (err !== ERRORS.FILE_NOT_FOUND && err !== ERRORS.FILE_NO_LONGER_EXISTS) return false;
    }
    await this.reservations.markStagingRemoved(uploadId);
    return true;
  }

  /** The trainer cancelled the upload (tus DELETE): its bytes are free again. */
  async endReservation(uploadId: string): Promise<void> {
    await this.reservations.end(uploadId, 'cancelled');
  }

  /**
   * Ends the reservations of uploads that expired (`expiryDays` after creation, on the database
   * clock, or as of `asOf`) and deletes their staged bytes; then lets the store delete any other
   * partial upload it finds expired. Run hourly by the upload routes. Received uploads never
   * expire: they are stored, however long storage is away.
   */
  async sweepExpired(options: { asOf?: Date } = {}): Promise<ExpirySweep> {
    let endedReservations = 0;
    let removedPartials = 0;
    for (const reservation of await this.reservations.expired(this.limits.expiryDays, options.asOf)) {
      if (!(await this.reservations.end(reservation.id, 'expired'))) continue;
      endedReservations++;
      // the bytes may be gone already (or, with an unshared upload folder, on another replica's disk)
      if (await this.staging.remove(reservation.id).then(() => true, () => false)) removedPartials++;
      await this.reservations.markStagingRemoved(reservation.id);
    }
    removedPartials += await this.staging.deleteExpired();
    return { endedReservations, removedPartials };
  }

  /**
   * Run every minute by each API process: records complete uploads nobody recorded, queues the
   * store job again for received uploads whose job gave up, and deletes staged bytes left after
   * a store. Several processes at once do no harm (each change is a compare-and-set).
   */
  async sweepReceipts(): Promise<ReceiptSweep> {
    const sweep: ReceiptSweep = { recorded: 0, requeued: 0, removedStaging: 0, errors: [] };
    const each = async (rows: UploadReservationRow[], work: (row: UploadReservationRow) => Promise<void>) => {
      for (const row of rows) {
        await work(row).catch((err: unknown) => sweep.errors.push({ uploadId: row.id, message: err instanceof Error ? err.message : String(err) }));
      }
    };
    await each(await this.reservations.receivingSince(UNRECORDED_AFTER_SECONDS), async (row) => {
      const upload = await this.staging.getUpload(row.id).catch(() => null);
      if (!upload || upload.size === undefined || upload.size === 0 || upload.offset !== upload.size) return;
      if ((await this.receive(upload)).kind === 'received') sweep.recorded++;
    });
    await each(await this.reservations.received(), async (row) => {
      const job = row.storeJobId ? await this.jobs.find(row.storeJobId) : undefined;
      if (job && (job.status === 'queued' || job.status === 'running')) return;
      const lecture = await this.catalog.findLecture(row.lectureId);
      const course = lecture ? await this.catalog.findCourse(lecture.courseId) : undefined;
      if (!course) {
        if (await this.reservations.markUnstorable(row.id, 'dropped')) await this.removeStaged(row.id);
        return;
      }
      const requeued = await this.db
        .transaction(async (tx) => {
          const jobId = await this.enqueueStore(tx, row, course.organizationId);
          if (!(await this.reservations.replaceStoreJob(tx, row.id, row.storeJobId, jobId))) tx.rollback();
          return true;
        })
        .catch((err: unknown) => {
          if (isRollback(err)) return false; // another process queued it first
          throw err;
        });
      if (requeued) sweep.requeued++;
    });
    if (sweep.requeued > 0) notifyJobQueued();
    await each(await this.reservations.stagingLeftovers(), async (row) => {
      if (await this.removeStaged(row.id)) sweep.removedStaging++;
    });
    return sweep;
  }

  /** The newest upload of a lecture, for its trainers (the trainer page shows "received, waiting for storage"). */
  async lectureUpload(user: SessionUser, lectureId: string): Promise<LectureUpload> {
    await this.trainedLecture(user, lectureId);
    const row = await this.reservations.latestForLecture(lectureId, ['receiving', 'received', 'stored', 'lost']);
    if (!row) return { lectureId, upload: null };
    let retrying = false;
    if (row.state === 'received' && row.storeJobId) {
      const job = await this.jobs.find(row.storeJobId);
      retrying = !job || job.status === 'failed' || (job.attempts > 0 && job.errorCode !== null);
    }
    return {
      lectureId,
      upload: {
        id: row.id,
        state: row.state as LectureUploadState,
        bytes: row.bytes,
        createdAt: row.createdAt.toISOString(),
        receivedAt: row.receivedAt?.toISOString() ?? null,
        storedAt: row.storedAt?.toISOString() ?? null,
        retrying,
      },
    };
  }
}

function isRollback(err: unknown): boolean {
  return err instanceof Error && err.name === 'TransactionRollbackError';
}

/**
 * An UploadsService over its own repositories, staging and TranscodingService, for code that runs
 * outside a request (the upload store job, tests); the API's is built once in createServices
 * (server/services.ts). `staging` defaults to a fresh one over the same place.
 */
export function uploadsServiceOver(
  deps: { db: Db; storage: Storage; config: Config },
  access: AccessPolicy,
  staging: UploadStaging = openUploadStaging(deps),
): UploadsService {
  const { db, storage, config } = deps;
  return new UploadsService(db, storage, new CatalogRepository(db), new UploadReservationsRepository(db), new JobsRepository(db), transcodingServiceOver(db, storage), access, staging, uploadLimits(config));
}
