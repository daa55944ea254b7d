/**
 * The transcode jobs table and the media sources it works on. The only code that touches them.
 *
 * A job is claimed with `SELECT … FOR UPDATE SKIP LOCKED`, so several workers (processes or
 * machines) never take the same row, and held with a lease that the worker's heartbeat renews
 * (every 5 s of a 20 s lease by default). A worker that dies stops renewing; once the lease is
 * past, the job is claimed again — up to `maxAttempts`, after which it fails with a reason the
 * trainer can read. Outages (storage or database unreachable) do not spend attempts: the worker
 * waits them out inside the job (`markWaiting`), see docs/jobs-and-uploads.md, "Jobs".
 *
 * All times come from the database clock (`now()`), never from the worker's clock, so workers
 * on machines with skewed clocks agree on who holds what.
 */
import { completeCoursesAfterLectureChange } from '../playback/completions.ts';
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { lectures, mediaSources, transcodeJobs } from '../db/schema/index.ts';
import type { LectureRow } from '../catalog/repository.ts';
import { DEFAULT_MAX_ATTEMPTS, attemptBackoffSeconds } from './outage.ts';
import { RETRYING_MESSAGE, WAITING_FOR_STORAGE_MESSAGE, interruptedReason, retriesExhaustedReason, type FailureText } from './reasons.ts';

export type { FailureText } from './reasons.ts';
export { interruptedReason, retriesExhaustedReason } from './reasons.ts';

/** The key in media_sources.probe that marks a source whose original retention deleted (an ISO time). */
export const ORIGINAL_DELETED_AT = 'originalDeletedAt';

/** True when source retention deleted this source's original (its `probe` carries the mark). */
export function isOriginalDeleted(probe: unknown): boolean {
  return Boolean(probe && typeof probe === 'object' && (probe as Record<string, unknown>)[ORIGINAL_DELETED_AT]);
}

export type TranscodeJobRow = typeof transcodeJobs.$inferSelect;
export type MediaSourceRow = typeof mediaSources.$inferSelect;

/** `now() + n seconds`, on the database clock. */
const nowPlus = (seconds: number) => sql`now() + (${Math.max(0, Math.round(seconds))}::int * interval '1 second')`;

/** A lecture's failure columns, cleared (queued again, retried or published). */
const NO_FAILURE = { failureCode: null, failureReasonZh: null, failureReasonEn: null } as const;

export class TranscodeJobsRepository {
  constructor(private readonly db: Db) {}

  // ---- sources ------------------------------------------------------------------------------

  async insertSource(tx: DbOrTx, values: typeof mediaSources.$inferInsert): Promise<MediaSourceRow> {
    const [row] = await tx.insert(mediaSources).values(values).returning();
    return row!;
  }

  async findSource(id: string): Promise<MediaSourceRow | undefined> {
    const [row] = await this.db.select().from(mediaSources).where(eq(mediaSources.id, id));
    return row;
  }

  async saveProbe(sourceId: string, probe: unknown): Promise<void> {
    await this.db.update(mediaSources).set({ probe }).where(eq(mediaSources.id, sourceId));
  }

  /**
   * Sources whose original is no longer needed and has been so for `retentionDays` (as of
   * `asOf`, default the database clock); see docs/jobs-and-uploads.md, "Source retention". A
   * source qualifies when it has a job and none unfinished, is not the source of the lecture's
   * current package (its newest done job), and both its own last job and the lecture's current
   * publication ended before the cutoff: a replaced source's days count from its replacement.
   * Sources already deleted (marked in `probe`) are left out. Every subquery names the lecture
   * so it can use transcode_jobs_lecture_idx (there is no index on source_id).
   */
  async retiredSources(retentionDays: number, asOf?: Date): Promise<Pick<MediaSourceRow, 'id' | 'lectureId' | 'storageKey'>[]> {
    const cutoff = sql`${asOf ? sql`${asOf.toISOString()}::timestamptz` : sql`now()`} - (${Math.round(retentionDays)}::int * interval '1 day')`;
    const current = sql`(SELECT c.source_id FROM ${transcodeJobs} c WHERE c.lecture_id = ${mediaSources.lectureId} AND c.status = 'done' ORDER BY c.finished_at DESC NULLS LAST, c.created_at DESC LIMIT 1)`;
    const lastOwnFinish = sql`(SELECT max(o.finished_at) FROM ${transcodeJobs} o WHERE o.lecture_id = ${mediaSources.lectureId} AND o.source_id = ${mediaSources.id})`;
    const lastPublication = sql`(SELECT max(p.finished_at) FROM ${transcodeJobs} p WHERE p.lecture_id = ${mediaSources.lectureId} AND p.status = 'done')`;
    return this.db
      .select({ id: mediaSources.id, lectureId: mediaSources.lectureId, storageKey: mediaSources.storageKey })
      .from(mediaSources)
      .where(
        and(
          sql`(${mediaSources.probe} ->> ${ORIGINAL_DELETED_AT}) IS NULL`,
          sql`EXISTS (SELECT 1 FROM ${transcodeJobs} f WHERE f.lecture_id = ${mediaSources.lectureId} AND f.source_id = ${mediaSources.id})`,
          sql`NOT EXISTS (SELECT 1 FROM ${transcodeJobs} u WHERE u.lecture_id = ${mediaSources.lectureId} AND u.source_id = ${mediaSources.id} AND u.status IN ('queued', 'running'))`,
          sql`${mediaSources.id} IS DISTINCT FROM ${current}`,
          sql`greatest(${lastOwnFinish}, ${lastPublication}) <= ${cutoff}`,
        ),
      );
  }

  /** Records on the row (kept as evidence) that the source's original was deleted from storage. */
  async markOriginalDeleted(sourceId: string, at: Date): Promise<void> {
    await this.db
      .update(mediaSources)
      .set({ probe: sql`coalesce(${mediaSources.probe}, '{}'::jsonb) || jsonb_build_object(${ORIGINAL_DELETED_AT}::text, ${at.toISOString()}::text)` })
      .where(eq(mediaSources.id, sourceId));
  }

  // ---- jobs -----------------------------------------------------------------------------------

  /**
   * Queues a job for a lecture's new source. Older unfinished jobs of the same lecture are
   * superseded: their workers lose the job (the lease owner check at publish time fails), so an
   * older upload can never be published over a newer one.
   */
  async enqueue(tx: DbOrTx, values: { lectureId: string; sourceId: string; maxAttempts?: number }): Promise<TranscodeJobRow> {
    await tx
      .update(transcodeJobs)
      .set({
        status: 'failed',
        errorCode: 'superseded',
        errorReason: 'A newer upload replaced this one.',
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
      })
      .where(and(eq(transcodeJobs.lectureId, values.lectureId), inArray(transcodeJobs.status, ['queued', 'running'])));
    const [row] = await tx
      .insert(transcodeJobs)
      .values({ lectureId: values.lectureId, sourceId: values.sourceId, maxAttempts: values.maxAttempts ?? DEFAULT_MAX_ATTEMPTS })
      .returning();
    return row!;
  }

  /**
   * Takes the oldest job that is queued (and not backing off) or whose holder's lease expired,
   * with attempts left. Answers null when there is none. Concurrent callers get different jobs.
   * `jobId` restricts the claim to one job (test helpers that publish a prepared package);
   * `takeOver: false` leaves expired leases alone (a worker that just regained the database
   * gives live holders one heartbeat to renew first).
   */
  async claim(workerId: string, leaseSeconds: number, options: { jobId?: string; takeOver?: boolean } = {}): Promise<TranscodeJobRow | null> {
    const takeOver = options.takeOver ?? true;
    return this.db.transaction(async (tx) => {
      const [candidate] = await tx
        .select({ id: transcodeJobs.id })
        .from(transcodeJobs)
        .where(
          and(
            options.jobId ? eq(transcodeJobs.id, options.jobId) : undefined,
            or(
              // a queued job's lease_expires_at is its "not before" (the back-off)
              and(eq(transcodeJobs.status, 'queued'), or(isNull(transcodeJobs.leaseExpiresAt), lte(transcodeJobs.leaseExpiresAt, sql`now()`))),
              takeOver ? and(eq(transcodeJobs.status, 'running'), lt(transcodeJobs.leaseExpiresAt, sql`now()`)) : undefined,
            ),
            lt(transcodeJobs.attempts, transcodeJobs.maxAttempts),
          ),
        )
        .orderBy(asc(transcodeJobs.createdAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!candidate) return null;
      const [job] = await tx
        .update(transcodeJobs)
        .set({
          status: 'running',
          attempts: sql`${transcodeJobs.attempts} + 1`,
          leaseOwner: workerId,
          leaseExpiresAt: nowPlus(leaseSeconds),
          progress: 0,
          startedAt: sql`coalesce(${transcodeJobs.startedAt}, now())`,
        })
        .where(eq(transcodeJobs.id, candidate.id))
        .returning();
      return job ?? null;
    });
  }

  /**
   * Fails the jobs whose holder died on the last allowed attempt, and their lectures, so they do
   * not stay "processing" forever. Answers the failed jobs.
   */
  async failAbandoned(): Promise<TranscodeJobRow[]> {
    return this.db.transaction(async (tx) => {
      const stale = await tx
        .select()
        .from(transcodeJobs)
        .where(and(eq(transcodeJobs.status, 'running'), lt(transcodeJobs.leaseExpiresAt, sql`now()`), sql`${transcodeJobs.attempts} >= ${transcodeJobs.maxAttempts}`))
        .for('update', { skipLocked: true });
      const failed: TranscodeJobRow[] = [];
      for (const job of stale) {
        const reason = interruptedReason(job.attempts);
        await this.markFailed(tx, job.id, reason);
        await this.failLecture(tx, job.lectureId, reason);
        failed.push({ ...job, status: 'failed', errorCode: reason.code, errorReason: reason.reasonEn });
      }
      return failed;
    });
  }

  /**
   * Extends the lease and records progress, if the job is still held by this worker. Answers
   * false when it is not (lease taken over, job superseded): the worker must stop.
   */
  async renew(jobId: string, workerId: string, leaseSeconds: number, progress: number): Promise<boolean> {
    const rows = await this.db
      .update(transcodeJobs)
      .set({ leaseExpiresAt: nowPlus(leaseSeconds), progress: sql`greatest(${transcodeJobs.progress}, ${clampProgress(progress)}::int)` })
      .where(this.heldBy(jobId, workerId))
      .returning({ id: transcodeJobs.id });
    return rows.length > 0;
  }

  /** Locks the job row inside `tx` if this worker still holds it (publish and fail use this). */
  async lockIfHeld(tx: DbOrTx, jobId: string, workerId: string): Promise<TranscodeJobRow | undefined> {
    const [row] = await tx.select().from(transcodeJobs).where(this.heldBy(jobId, workerId)).for('update');
    return row;
  }

  async markDone(tx: DbOrTx, jobId: string, result: unknown): Promise<void> {
    await tx
      .update(transcodeJobs)
      .set({ status: 'done', progress: 100, result, leaseOwner: null, leaseExpiresAt: null, errorCode: null, errorReason: null, waitingSince: null, finishedAt: sql`now()` })
      .where(eq(transcodeJobs.id, jobId));
  }

  async markFailed(tx: DbOrTx, jobId: string, failure: FailureText): Promise<void> {
    await tx
      .update(transcodeJobs)
      .set({
        status: 'failed',
        errorCode: failure.code,
        errorReason: failure.reasonEn,
        // both languages, for a replacement upload whose lecture stays ready on the old package
        result: { failure },
        leaseOwner: null,
        leaseExpiresAt: null,
        waitingSince: null,
        finishedAt: sql`now()`,
      })
      .where(eq(transcodeJobs.id, jobId));
  }

  /**
   * After an error that is neither the file's fault nor an outage (disk full, ffmpeg crashed):
   * back to the queue after an exponential back-off (`attemptBackoffSeconds`: 15 s, 30 s, 1 min,
   * 2 min…, or `backoffSeconds`), or failed with the lecture once attempts are used up. The error's
   * own message is for the log only: it may name hosts and paths. Answers what happened, or null
   * when the job was no longer held by this worker.
   */
  async releaseForRetry(jobId: string, workerId: string, options: { backoffSeconds?: number } = {}): Promise<'retry' | 'failed' | null> {
    return this.db.transaction(async (tx) => {
      const job = await this.lockIfHeld(tx, jobId, workerId);
      if (!job) return null;
      if (job.attempts >= job.maxAttempts) {
        const reason = retriesExhaustedReason(job.attempts);
        await this.markFailed(tx, jobId, reason);
        await this.failLecture(tx, job.lectureId, reason);
        return 'failed';
      }
      const backoff = options.backoffSeconds ?? attemptBackoffSeconds(job.attempts);
      await tx
        .update(transcodeJobs)
        .set({ status: 'queued', leaseOwner: null, leaseExpiresAt: nowPlus(backoff), errorCode: 'retrying', errorReason: RETRYING_MESSAGE, waitingSince: null })
        .where(eq(transcodeJobs.id, jobId));
      return 'retry';
    });
  }

  /**
   * Records that the holder is waiting for storage to come back (the trainer's page and the
   * tests read `errorCode = 'storage_unavailable'`). The wait's start is kept across attempts and
   * workers (`waiting_since`), so the outage limit counts the whole outage. Answers how long the
   * job has waited, on the database clock, or null when the job is not held by this worker.
   */
  async markWaiting(jobId: string, workerId: string): Promise<{ waitedSeconds: number } | null> {
    const [row] = await this.db
      .update(transcodeJobs)
      .set({ errorCode: 'storage_unavailable', errorReason: WAITING_FOR_STORAGE_MESSAGE, waitingSince: sql`coalesce(${transcodeJobs.waitingSince}, now())` })
      .where(this.heldBy(jobId, workerId))
      .returning({ waited: sql<number>`extract(epoch from now() - ${transcodeJobs.waitingSince})::float8` });
    return row ? { waitedSeconds: Number(row.waited) } : null;
  }

  /** The outage is over for this job: clears the waiting mark (nothing when there was none). */
  async clearWaiting(jobId: string, workerId: string): Promise<void> {
    await this.db
      .update(transcodeJobs)
      .set({ errorCode: null, errorReason: null, waitingSince: null })
      .where(and(this.heldBy(jobId, workerId), isNotNull(transcodeJobs.waitingSince)));
  }

  /**
   * Gives back the attempt a take-over spent when the previous holder was alive but could not
   * reach the database to renew its lease (a database outage is not the job's fault). Called by
   * that previous holder once it is connected again and finds the job held by someone else.
   */
  async refundAttempt(jobId: string, previousHolder: string): Promise<boolean> {
    const rows = await this.db
      .update(transcodeJobs)
      .set({ attempts: sql`greatest(${transcodeJobs.attempts} - 1, 0)` })
      .where(
        and(
          eq(transcodeJobs.id, jobId),
          inArray(transcodeJobs.status, ['queued', 'running']),
          or(isNull(transcodeJobs.leaseOwner), ne(transcodeJobs.leaseOwner, previousHolder)),
          sql`${transcodeJobs.attempts} > 0`,
        ),
      )
      .returning({ id: transcodeJobs.id });
    return rows.length > 0;
  }

  /**
   * Gives a job back on a graceful stop, without counting the attempt, so another worker can
   * start it at once instead of waiting for the lease to run out.
   */
  async giveBack(jobId: string, workerId: string): Promise<boolean> {
    const rows = await this.db
      .update(transcodeJobs)
      .set({ status: 'queued', attempts: sql`greatest(${transcodeJobs.attempts} - 1, 0)`, leaseOwner: null, leaseExpiresAt: null, progress: 0 })
      .where(this.heldBy(jobId, workerId))
      .returning({ id: transcodeJobs.id });
    return rows.length > 0;
  }

  /**
   * THE place where a lecture becomes `failed` (every path goes through here: unusable file,
   * attempts used up, interrupted too often, outage too long, source gone). A lecture that is
   * ready keeps playing its package.
   */
  async failLecture(tx: DbOrTx, lectureId: string, failure: FailureText): Promise<void> {
    await tx
      .update(lectures)
      .set({ status: 'failed', failureCode: failure.code, failureReasonZh: failure.reasonZh, failureReasonEn: failure.reasonEn, updatedAt: new Date() })
      .where(and(eq(lectures.id, lectureId), ne(lectures.status, 'ready'), isNull(lectures.removedAt)));
    // the course may now be complete for those who watched every other lecture
    await completeCoursesAfterLectureChange(tx, lectureId);
  }

  // ---- the lecture a job works for ----------------------------------------------------------

  /** A new source is queued: the lecture shows "processing" unless it is ready (it keeps playing) or removed. */
  async markLectureProcessing(tx: DbOrTx, lectureId: string): Promise<void> {
    await tx
      .update(lectures)
      .set({ status: 'processing', ...NO_FAILURE, updatedAt: new Date() })
      .where(and(eq(lectures.id, lectureId), ne(lectures.status, 'ready'), isNull(lectures.removedAt)));
  }

  /** The lecture's row, locked until `tx` ends (publishing and retrying take turns on it). */
  async lockLecture(tx: DbOrTx, lectureId: string): Promise<LectureRow | undefined> {
    const [row] = await tx.select().from(lectures).where(eq(lectures.id, lectureId)).for('update');
    return row;
  }

  /** Points the lecture at its published package: ready, with the package's duration and media version. */
  async publishLecture(tx: DbOrTx, lectureId: string, values: { durationSeconds: number; packagePrefix: string; mediaVersion: number }): Promise<void> {
    await tx
      .update(lectures)
      .set({
        status: 'ready',
        durationSeconds: values.durationSeconds,
        packagePrefix: values.packagePrefix,
        mediaVersion: values.mediaVersion,
        ...NO_FAILURE,
        updatedAt: new Date(),
      })
      .where(eq(lectures.id, lectureId));
  }

  /** A retry was queued: clears the lecture's failure and sets `status`, unless the lecture is ready. */
  async clearLectureFailure(tx: DbOrTx, lectureId: string, status: 'ready' | 'processing'): Promise<void> {
    await tx
      .update(lectures)
      .set({ status, ...NO_FAILURE, updatedAt: new Date() })
      .where(and(eq(lectures.id, lectureId), ne(lectures.status, 'ready')));
  }

  /** The newest job of one lecture, read inside `tx` (under the lecture's lock). */
  async latestIn(tx: DbOrTx, lectureId: string): Promise<TranscodeJobRow | undefined> {
    const [row] = await tx.select().from(transcodeJobs).where(eq(transcodeJobs.lectureId, lectureId)).orderBy(desc(transcodeJobs.createdAt)).limit(1);
    return row;
  }

  /** The source's probe, read inside `tx` (whether retention deleted its original meanwhile); undefined when the row is gone. */
  async sourceProbeIn(tx: DbOrTx, sourceId: string): Promise<{ probe: unknown } | undefined> {
    const [row] = await tx.select({ probe: mediaSources.probe }).from(mediaSources).where(eq(mediaSources.id, sourceId));
    return row;
  }

  async find(jobId: string): Promise<TranscodeJobRow | undefined> {
    const [row] = await this.db.select().from(transcodeJobs).where(eq(transcodeJobs.id, jobId));
    return row;
  }

  /** The newest job of each lecture (the one whose state the trainer sees). */
  async latestFor(lectureIds: string[]): Promise<Map<string, TranscodeJobRow>> {
    const result = new Map<string, TranscodeJobRow>();
    if (lectureIds.length === 0) return result;
    const rows = await this.db.select().from(transcodeJobs).where(inArray(transcodeJobs.lectureId, lectureIds)).orderBy(desc(transcodeJobs.createdAt));
    for (const row of rows) if (!result.has(row.lectureId)) result.set(row.lectureId, row);
    return result;
  }

  /** Lectures in 'processing' that have no job at all: seeded demo lectures whose media was never made. */
  async processingLecturesWithoutJob(): Promise<string[]> {
    const rows = await this.db
      .select({ id: lectures.id })
      .from(lectures)
      .where(and(eq(lectures.status, 'processing'), sql`NOT EXISTS (SELECT 1 FROM ${transcodeJobs} j WHERE j.lecture_id = ${lectures.id})`));
    return rows.map((r) => r.id);
  }

  private heldBy(jobId: string, workerId: string) {
    return and(eq(transcodeJobs.id, jobId), eq(transcodeJobs.status, 'running'), eq(transcodeJobs.leaseOwner, workerId));
  }
}

function clampProgress(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.max(0, Math.min(100, Math.floor(progress)));
}
