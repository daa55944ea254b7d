/**
 * The background job runner: one per API process (started by server/platform.ts), taking one
 * job at a time from background_jobs. Each kind of job has a handler (server/jobs/kinds.ts);
 * the handler reports progress through its context, which renews the lease, and stores its
 * outcome with `finish`, one transaction that commits only while this runner still holds the
 * job. Nothing a handler does is visible before `finish` commits, so a runner that dies leaves
 * nothing half-done: another process takes the job when the lease runs out and starts over.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Db, Tx } from '../db/client.ts';
import { JobsRepository, type BackgroundJobRow } from './repository.ts';

export interface JobContext {
  job: BackgroundJobRow;
  /** aborted when the runner stops or loses the job: stop working and return (or throw) */
  signal: AbortSignal;
  /** `done` of `job.total`; written (with the lease) at most about once a second, and at the end */
  progress(done: number): Promise<void>;
  /** Stores the outcome: `work` runs in one transaction that also marks the job done with its answer. */
  finish(work: (tx: Tx) => Promise<unknown>): Promise<void>;
}

export interface JobHandler {
  kind: string;
  run(context: JobContext): Promise<void>;
}

/** Thrown by a handler: the job fails with this code and reason and is not tried again. */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly result?: unknown,
  ) {
    super(reason);
  }
}

/** The runner lost the job (its lease ran out and another process took it). */
export class JobLost extends Error {
  constructor() {
    super('the job is no longer held by this runner');
  }
}

export interface RunnerOptions {
  /** how long a job is held without a renewal */
  leaseSeconds?: number;
  /** how often an idle runner looks for work (a job queued in this process wakes it at once) */
  pollMs?: number;
  /** seconds before a job that failed for a passing reason is tried again */
  retryBackoffSeconds?: number;
  /** called after each progress write; the runner waits for it (logging, tests that watch a job) */
  onProgress?: (job: BackgroundJobRow, done: number) => void | Promise<void>;
}

export interface JobRunner {
  readonly workerId: string;
  /** look for work now (a job was just queued) */
  wake(): void;
  /** stop taking jobs; a job in hand is given back (not counted as an attempt) */
  stop(): Promise<void>;
}

/** Every runner of this process, so `notifyJobQueued()` can wake them without a reference. */
const runners = new Set<JobRunner>();

/** Tells the runners of this process that a job was queued (others find it when they next look). */
export function notifyJobQueued(): void {
  for (const runner of runners) runner.wake();
}

export function startJobRunner(deps: { db: Db; log: FastifyBaseLogger }, handlers: readonly JobHandler[], options: RunnerOptions = {}): JobRunner {
  const repo = new JobsRepository(deps.db);
  const leaseSeconds = options.leaseSeconds ?? 60;
  const pollMs = options.pollMs ?? 2000;
  const byKind = new Map(handlers.map((h) => [h.kind, h]));
  const kinds = [...byKind.keys()];
  const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const stopping = new AbortController();
  let wakeUp: (() => void) | null = null;
  /** a wake-up that came while the runner was busy: the next idle() returns at once */
  let woken = false;

  const idle = () =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        return resolve();
      }
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function runOne(job: BackgroundJobRow): Promise<void> {
    const handler = byKind.get(job.kind)!;
    const lost = new AbortController();
    const signal = AbortSignal.any([stopping.signal, lost.signal]);
    let done = 0;
    let lastWrite = 0;
    const renew = async () => {
      if (!(await repo.renew(job.id, workerId, leaseSeconds, done))) lost.abort();
    };
    // Keeps the lease while a handler works a long stretch without reporting progress.
    const keepAlive = setInterval(() => void renew().catch(() => {}), (leaseSeconds * 1000) / 3);
    const context: JobContext = {
      job,
      signal,
      async progress(n) {
        done = n;
        if (n < job.total && Date.now() - lastWrite < 1000) return;
        lastWrite = Date.now();
        await renew();
        if (lost.signal.aborted) throw new JobLost();
        await options.onProgress?.(job, n);
      },
      async finish(work) {
        await deps.db.transaction(async (tx) => {
          if (!(await repo.lockIfHeld(tx, job.id, workerId))) throw new JobLost();
          const result = await work(tx);
          await repo.markDone(tx, job.id, result);
        });
      },
    };
    try {
      await handler.run(context);
    } catch (err) {
      if (err instanceof JobFailure) {
        await repo.fail(job.id, workerId, { code: err.code, reason: err.reason, result: err.result });
      } else if (stopping.signal.aborted) {
        await repo.giveBack(job.id, workerId);
      } else if (err instanceof JobLost || lost.signal.aborted) {
        deps.log.warn({ jobId: job.id }, 'background job taken over by another runner');
      } else {
        deps.log.error({ err, jobId: job.id, kind: job.kind }, 'background job failed');
        await repo.releaseForRetry(job.id, workerId, err instanceof Error ? err.message : String(err), options.retryBackoffSeconds ?? 30);
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      woken = false;
      try {
        await repo.failAbandoned();
        const job = await repo.claim(workerId, leaseSeconds, kinds);
        if (job) {
          await runOne(job);
          continue;
        }
      } catch (err) {
        if (!stopping.signal.aborted) deps.log.warn({ err }, 'background jobs: could not look for work');
      }
      if (!stopping.signal.aborted) await idle();
    }
  })();

  const runner: JobRunner = {
    workerId,
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async stop() {
      runners.delete(runner);
      stopping.abort();
      wakeUp?.();
      await loop;
    },
  };
  runners.add(runner);
  return runner;
}
