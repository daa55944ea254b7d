/**
 * The background_jobs table (server/db/schema/jobs.ts): administrative work too long for one
 * request. The only code that touches it.
 *
 * Like transcode jobs (server/transcoding/repository.ts): a job is claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED`, so two API processes never take the same row, and held
 * with a lease its runner renews while it works; a runner that dies stops renewing, and once
 * the lease is past another takes the job, up to MAX_JOB_ATTEMPTS. All times are on the
 * database clock (`now()`), so processes with skewed clocks agree on who holds what.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { backgroundJobs } from '../db/schema/index.ts';

export type BackgroundJobRow = typeof backgroundJobs.$inferSelect;

/** A job whose runner died this many times is failed, not taken again. */
export const MAX_JOB_ATTEMPTS = 3;

const nowPlus = (seconds: number) => sql`now() + (${Math.max(0, Math.round(seconds))}::int * interval '1 second')`;

export interface NewJob {
  kind: string;
  organizationId: string;
  actorId: string;
  input: unknown;
  total: number;
}

export interface JobFailureText {
  code: string;
  /** English; the web app words the code in zh-CN */
  reason: string;
  /** kept for the reader, e.g. the rows that made a roster fail */
  result?: unknown;
}

export class JobsRepository {
  constructor(private readonly db: Db) {}

  async enqueue(tx: DbOrTx, job: NewJob): Promise<BackgroundJobRow> {
    const [row] = await tx.insert(backgroundJobs).values(job).returning();
    return row!;
  }

  /**
   * Queues a job of the platform's own (no actor) unless one of its kind is queued or running;
   * an advisory lock on the kind makes concurrent callers (several API processes) queue one.
   * True when it queued one.
   */
  async enqueueUnlessPending(kind: string, organizationId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`background_jobs:${kind}`}))`);
      const pending = await tx.select({ id: backgroundJobs.id }).from(backgroundJobs).where(and(eq(backgroundJobs.kind, kind), inArray(backgroundJobs.status, ['queued', 'running']))).limit(1);
      if (pending.length > 0) return false;
      await tx.insert(backgroundJobs).values({ kind, organizationId, actorId: null, input: null, total: 0 });
      return true;
    });
  }

  async find(jobId: string): Promise<BackgroundJobRow | undefined> {
    const [row] = await this.db.select().from(backgroundJobs).where(eq(backgroundJobs.id, jobId));
    return row;
  }

  /** Unfinished jobs of these kinds (an import checks those already waiting). */
  async unfinished(kind: string): Promise<BackgroundJobRow[]> {
    return this.db.select().from(backgroundJobs).where(and(eq(backgroundJobs.kind, kind), inArray(backgroundJobs.status, ['queued', 'running'])));
  }

  /**
   * Takes the oldest job of these kinds that is queued (and not backing off) or whose holder's
   * lease ran out, with attempts left; null when there is none. Concurrent callers get
   * different jobs.
   */
  async claim(workerId: string, leaseSeconds: number, kinds: readonly string[]): Promise<BackgroundJobRow | null> {
    if (kinds.length === 0) return null;
    return this.db.transaction(async (tx) => {
      const [candidate] = await tx
        .select({ id: backgroundJobs.id })
        .from(backgroundJobs)
        .where(
          and(
            inArray(backgroundJobs.kind, [...kinds]),
            or(
              and(eq(backgroundJobs.status, 'queued'), or(isNull(backgroundJobs.leaseExpiresAt), lte(backgroundJobs.leaseExpiresAt, sql`now()`))),
              and(eq(backgroundJobs.status, 'running'), lt(backgroundJobs.leaseExpiresAt, sql`now()`)),
            ),
            lt(backgroundJobs.attempts, MAX_JOB_ATTEMPTS),
          ),
        )
        .orderBy(asc(backgroundJobs.createdAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!candidate) return null;
      const [job] = await tx
        .update(backgroundJobs)
        .set({
          status: 'running',
          attempts: sql`${backgroundJobs.attempts} + 1`,
          leaseOwner: workerId,
          leaseExpiresAt: nowPlus(leaseSeconds),
          progress: 0,
          startedAt: sql`coalesce(${backgroundJobs.startedAt}, now())`,
        })
        .where(eq(backgroundJobs.id, candidate.id))
        .returning();
      return job ?? null;
    });
  }

  /**
   * Extends the lease and records progress while this worker holds the job; false when it no
   * longer does (the lease ran out and another took it): the worker must stop.
   */
  async renew(jobId: string, workerId: string, leaseSeconds: number, progress: number): Promise<boolean> {
    const rows = await this.db
      .update(backgroundJobs)
      .set({ leaseExpiresAt: nowPlus(leaseSeconds), progress: sql`greatest(${backgroundJobs.progress}, ${Math.max(0, Math.floor(progress))}::int)` })
      .where(this.heldBy(jobId, workerId))
      .returning({ id: backgroundJobs.id });
    return rows.length > 0;
  }

  /** Locks the job row inside `tx` if this worker still holds it (finishing uses this). */
  async lockIfHeld(tx: Tx, jobId: string, workerId: string): Promise<BackgroundJobRow | undefined> {
    const [row] = await tx.select().from(backgroundJobs).where(this.heldBy(jobId, workerId)).for('update');
    return row;
  }

  /** Done with its answer; the input (a roster's names and licence numbers) is not kept twice. */
  async markDone(tx: Tx, jobId: string, result: unknown): Promise<void> {
    await tx
      .update(backgroundJobs)
      .set({ status: 'done', progress: sql`${backgroundJobs.total}`, result, input: null, leaseOwner: null, leaseExpiresAt: null, errorCode: null, errorReason: null, finishedAt: sql`now()` })
      .where(eq(backgroundJobs.id, jobId));
  }

  /** Ends the job failed (no retry), if this worker still holds it. */
  async fail(jobId: string, workerId: string, failure: JobFailureText): Promise<boolean> {
    const rows = await this.db
      .update(backgroundJobs)
      .set({ status: 'failed', errorCode: failure.code, errorReason: failure.reason, result: failure.result ?? null, leaseOwner: null, leaseExpiresAt: null, finishedAt: sql`now()` })
      .where(this.heldBy(jobId, workerId))
      .returning({ id: backgroundJobs.id });
    return rows.length > 0;
  }

  /**
   * After an error that is not about the job's input (database briefly away): back to the queue
   * after a pause, or failed once the attempts are used up. Null when no longer held.
   */
  async releaseForRetry(jobId: string, workerId: string, message: string, backoffSeconds: number): Promise<'retry' | 'failed' | null> {
    return this.db.transaction(async (tx) => {
      const job = await this.lockIfHeld(tx, jobId, workerId);
      if (!job) return null;
      if (job.attempts >= MAX_JOB_ATTEMPTS) {
        await tx
          .update(backgroundJobs)
          .set({ status: 'failed', errorCode: 'job_error', errorReason: `The job failed ${job.attempts} times: ${message}`, leaseOwner: null, leaseExpiresAt: null, finishedAt: sql`now()` })
          .where(eq(backgroundJobs.id, jobId));
        return 'failed';
      }
      await tx
        .update(backgroundJobs)
        .set({ status: 'queued', leaseOwner: null, leaseExpiresAt: nowPlus(backoffSeconds), errorCode: 'retrying', errorReason: message })
        .where(eq(backgroundJobs.id, jobId));
      return 'retry';
    });
  }

  /** Gives a job back on a graceful stop without counting the attempt, so another process starts it at once. */
  async giveBack(jobId: string, workerId: string): Promise<boolean> {
    const rows = await this.db
      .update(backgroundJobs)
      .set({ status: 'queued', attempts: sql`greatest(${backgroundJobs.attempts} - 1, 0)`, leaseOwner: null, leaseExpiresAt: null, progress: 0 })
      .where(this.heldBy(jobId, workerId))
      .returning({ id: backgroundJobs.id });
    return rows.length > 0;
  }

  /** Fails the jobs whose holder died on the last allowed attempt, so they do not stay "running". */
  async failAbandoned(): Promise<number> {
    const rows = await this.db
      .update(backgroundJobs)
      .set({
        status: 'failed',
        errorCode: 'job_interrupted',
        errorReason: sql`'The job was interrupted ' || ${backgroundJobs.attempts} || ' times (the server stopped before it finished); nothing was stored. Start it again.'`,
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
      })
      .where(and(eq(backgroundJobs.status, 'running'), lt(backgroundJobs.leaseExpiresAt, sql`now()`), sql`${backgroundJobs.attempts} >= ${MAX_JOB_ATTEMPTS}`))
      .returning({ id: backgroundJobs.id });
    return rows.length;
  }

  /**
   * Answers a finished job's result exactly once with its secrets: in one transaction, the row
   * is locked, and when its result was not taken yet it is replaced by `redact(result)` and
   * `result_read_at` set. Concurrent readers queue on the lock, so only one of them gets
   * `first: true`. Null for an unknown job.
   */
  async takeResult(jobId: string, redact: (result: unknown) => unknown): Promise<{ job: BackgroundJobRow; first: boolean } | null> {
    return this.db.transaction(async (tx) => {
      const [job] = await tx.select().from(backgroundJobs).where(eq(backgroundJobs.id, jobId)).for('update');
      if (!job) return null;
      if (job.status !== 'done' || job.resultReadAt !== null) return { job, first: false };
      await tx.update(backgroundJobs).set({ result: redact(job.result), resultReadAt: sql`now()` }).where(eq(backgroundJobs.id, jobId));
      return { job, first: true };
    });
  }

  /** Finished jobs of a kind whose result nobody took for `hours`: their secrets are to be dropped. */
  async untakenBefore(kind: string, hours: number): Promise<string[]> {
    const rows = await this.db
      .select({ id: backgroundJobs.id })
      .from(backgroundJobs)
      .where(and(eq(backgroundJobs.kind, kind), eq(backgroundJobs.status, 'done'), isNull(backgroundJobs.resultReadAt), lt(backgroundJobs.finishedAt, sql`now() - (${Math.round(hours)}::int * interval '1 hour')`)));
    return rows.map((r) => r.id);
  }

  private heldBy(jobId: string, workerId: string) {
    return and(eq(backgroundJobs.id, jobId), eq(backgroundJobs.status, 'running'), eq(backgroundJobs.leaseOwner, workerId));
  }
}
