/**
 * "Retry transcoding" for a lecture whose transcode failed: a fresh job on the source that is
 * already stored, so the trainer does not upload the recording again. Allowed to a trainer of
 * the course's organization (or above it) and to an administrator of it (or above); written to
 * the audit log in the same transaction as the new job.
 *
 * 409s: `transcode_in_progress` (a job is queued or running), `nothing_to_retry` (the newest job
 * did not fail), `source_missing` (the original is gone: source retention deleted it after
 * SOURCE_RETENTION_DAYS, or storage no longer has it — the trainer must upload again).
 */
import type { Db } from '../db/client.ts';
import type { Storage } from '../storage/types.ts';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import { conflict, forbidden, notFound } from '../http/errors.ts';
import type { CatalogRepository } from '../catalog/repository.ts';
import { TranscodeJobsRepository, isOriginalDeleted } from './repository.ts';
import { sourceMissingReason } from './reasons.ts';
import type { RetryAnswer } from './schemas.ts';
import { jobSignals } from './service.ts';

export class TranscodeRetryService {
  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly catalog: CatalogRepository,
    private readonly jobs: TranscodeJobsRepository,
    private readonly access: AccessPolicy,
  ) {}

  async retry(user: SessionUser, lectureId: string, ip: string | null): Promise<RetryAnswer> {
    const lecture = await this.catalog.findLecture(lectureId);
    if (!lecture || lecture.removedAt) throw notFound('The lecture');
    const course = await this.catalog.findCourse(lecture.courseId);
    if (!course) throw notFound('The lecture');
    if (!(await this.access.hasRole(user, course.organizationId, ['trainer', 'admin']))) {
      throw forbidden('Only a trainer or an administrator of this course’s organization can retry its transcoding');
    }

    // A first look outside the transaction, so that the storage check does not hold row locks.
    const latest = (await this.jobs.latestFor([lecture.id])).get(lecture.id);
    assertRetryable(latest);
    const source = await this.jobs.findSource(latest!.sourceId);
    if (!source || isOriginalDeleted(source.probe)) throw sourceGone();
    try {
      if (!(await this.storage.head(source.storageKey))) throw sourceGone();
    } catch (err) {
      // storage unreachable: queue anyway; the job waits for storage like any other
      if ((err as { code?: string }).code === 'source_missing') throw err;
    }

    const answer = await this.db.transaction(async (tx) => {
      // under the lecture's lock: a concurrent retry or upload sees our job, or we see theirs
      const locked = await this.jobs.lockLecture(tx, lecture.id);
      if (!locked) throw notFound('The lecture');
      const current = await this.jobs.latestIn(tx, lecture.id);
      assertRetryable(current);
      if (current!.id !== latest!.id) throw conflict('transcode_in_progress', 'This lecture changed meanwhile (a new upload or retry); reload the page.');
      const stillThere = await this.jobs.sourceProbeIn(tx, source.id);
      if (!stillThere || isOriginalDeleted(stillThere.probe)) throw sourceGone();

      const job = await this.jobs.enqueue(tx, { lectureId: lecture.id, sourceId: source.id });
      const status = locked.status === 'ready' ? 'ready' : 'processing';
      await this.jobs.clearLectureFailure(tx, lecture.id, status);
      await AuditLog.record(tx, {
        actor: user,
        action: 'lecture.transcode_retried',
        organizationId: course.organizationId,
        targetType: 'lecture',
        targetId: lecture.id,
        before: { status: locked.status, jobId: current!.id, failureCode: current!.errorCode },
        after: { status, jobId: job.id, sourceId: source.id },
        ip,
      });
      return { lectureId: lecture.id, lectureStatus: status, jobId: job.id } satisfies RetryAnswer;
    });
    setTimeout(() => jobSignals.emit('queued'), 50).unref();
    return answer;
  }
}

function assertRetryable(job: { status: string; errorCode: string | null } | undefined): void {
  if (job && (job.status === 'queued' || job.status === 'running')) {
    throw conflict('transcode_in_progress', 'This lecture is already being transcoded; wait for the result.');
  }
  if (!job || job.status !== 'failed' || job.errorCode === 'superseded') {
    throw conflict('nothing_to_retry', 'This lecture has no failed transcoding to retry.');
  }
  if (job.errorCode === 'source_missing') throw sourceGone();
}

function sourceGone() {
  return conflict('source_missing', sourceMissingReason().reasonEn);
}
