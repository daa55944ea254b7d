/**
 * What happens around a tus upload: who may start one, what it reserves, and what a finished
 * upload becomes. The tus protocol itself (offsets, resumes, chunks) is @tus/server's job
 * (routes.ts).
 *
 * Starting an upload needs a declared, non-zero length and the trainer role on the lecture's
 * course; its length is then reserved against the trainer's quota (upload_reservations) until
 * the upload finishes, is cancelled or expires. A finished upload is copied (streamed) into
 * storage at `sources/<lectureId>/<sourceId>/original`; then, in one transaction, the media
 * source is recorded, the lecture set `processing`, its transcode job queued and the reservation
 * ended. The tus temp file is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { CatalogRepository } from '../catalog/repository.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Storage } from '../storage/types.ts';
import { TranscodingService, sourceKey } from '../transcoding/service.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { checkQuota, quotaExceededMessage } from './quota.ts';
import { UploadReservationsRepository } from './repository.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** The part of the tus file store (staging.ts) the service needs. */
export interface UploadStaging {
  /** deletes a partial upload; rejects when there is none */
  remove(uploadId: string): Promise<void>;
  /** deletes the partial uploads older than the store's expiry (by its own clock); answers how many */
  deleteExpired(): Promise<number>;
}

export interface NewUpload {
  /** the tus upload id */
  uploadId: string;
  lectureId: string | null | undefined;
  /** the declared Upload-Length; undefined when the length was deferred */
  size: number | undefined;
}

export interface FinishedUpload {
  /** the tus upload id (its reservation) */
  uploadId: string;
  lectureId: string;
  bytes: number;
  originalName?: string | null;
  contentType?: string | null;
  /** the finished upload on this machine (tus keeps it until we remove it) */
  filePath: string;
}

export type FinishOutcome =
  | { kind: 'queued'; jobId: string; sourceId: string }
  /** another request for the same upload (a retried last PATCH) already recorded it; this copy was dropped */
  | { kind: 'already_finished' };

export interface ExpirySweep {
  /** reservations that had expired and were ended */
  endedReservations: number;
  /** partial files deleted (those of expired reservations, and any the store found expired itself) */
  removedPartials: number;
}

/** Thrown inside the finishing transaction to roll it back when the reservation was already ended. */
class AlreadyFinished extends Error {}

export class UploadsService {
  private readonly transcoding: TranscodingService;
  private readonly reservations: UploadReservationsRepository;

  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly catalog: CatalogRepository,
    private readonly access: AccessPolicy,
    private readonly staging: UploadStaging,
    private readonly limits: UploadLimits,
  ) {
    this.transcoding = new TranscodingService(db, storage);
    this.reservations = new UploadReservationsRepository(db);
  }

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
    if (!lectureId || !UUID.test(lectureId)) {
      throw new HttpError(400, 'invalid_metadata', 'Name the lecture: the upload metadata needs lectureId (a UUID).');
    }
    const lecture = await this.catalog.findLecture(lectureId);
    if (!lecture) throw notFound('The lecture');
    const course = await this.catalog.findCourse(lecture.courseId);
    if (!course) throw notFound('The lecture');
    await this.access.assertRole(user, course.organizationId, 'trainer');
    if (course.status === 'archived') throw new HttpError(409, 'course_archived', 'The course is archived; publish it again before uploading.');
    return lecture.id;
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

  /** Stores the recording, queues its transcode and ends the upload's reservation. */
  async finish(upload: FinishedUpload): Promise<FinishOutcome> {
    // refused at creation already; a source of 0 bytes must never be queued
    if (upload.bytes === 0) throw new HttpError(400, 'empty_upload', 'The file is empty (0 bytes). Choose the recording itself and upload it again.');
    const sourceId = randomUUID();
    const key = sourceKey(upload.lectureId, sourceId);
    await this.storage.putFile(key, upload.filePath, { contentType: upload.contentType ?? 'application/octet-stream' });
    try {
      const job = await this.db.transaction(async (tx) => {
        const reservation = await this.reservations.endForFinish(upload.uploadId, tx);
        if (reservation === 'already_ended') throw new AlreadyFinished();
        return this.transcoding.enqueueSource(tx, {
          id: sourceId,
          lectureId: upload.lectureId,
          storageKey: key,
          bytes: upload.bytes,
          originalName: upload.originalName?.slice(0, 255) ?? null,
          contentType: upload.contentType?.slice(0, 100) ?? null,
        });
      });
      return { kind: 'queued', jobId: job.id, sourceId };
    } catch (err) {
      await this.storage.deletePrefix(`sources/${upload.lectureId}/${sourceId}/`).catch(() => 0);
      if (err instanceof AlreadyFinished) return { kind: 'already_finished' };
      throw err;
    }
  }

  /**
   * The upload's bytes are free again: the trainer cancelled it (tus DELETE), or its finished file
   * could not be stored and was dropped.
   */
  async endReservation(uploadId: string): Promise<void> {
    await this.reservations.end(uploadId);
  }

  /**
   * Ends the reservations of uploads that expired (`expiryDays` after creation, on the database
   * clock, or as of `asOf`) and deletes their partial files; then lets the store delete any other
   * partial upload it finds expired. Run hourly by the upload routes.
   */
  async sweepExpired(options: { asOf?: Date } = {}): Promise<ExpirySweep> {
    let endedReservations = 0;
    let removedPartials = 0;
    for (const reservation of await this.reservations.expired(this.limits.expiryDays, options.asOf)) {
      // the file may be gone already (or live on another replica's disk): the reservation ends regardless
      if (await this.staging.remove(reservation.id).then(() => true, () => false)) removedPartials++;
      if (await this.reservations.end(reservation.id)) endedReservations++;
    }
    removedPartials += await this.staging.deleteExpired();
    return { endedReservations, removedPartials };
  }
}
