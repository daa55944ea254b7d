/**
 * The transcode worker: claims jobs from the database, transcodes, publishes. Runs inside the
 * API process in the embedded mode, or alone through `npm run transcoder` (transcoder/main.ts);
 * any number of workers may run against one PostgreSQL and one S3 bucket.
 *
 * One job: claim (lease) → download the source to a temp file → transcodeToDirectory with
 * progress → upload the package to a fresh prefix, master playlist last → publish in one
 * transaction if the job is still ours → delete old packages. A heartbeat renews the lease every
 * 5 s (of 20 s by default) for the whole job, so a dead worker's job is taken over within about
 * 20 s plus a poll.
 *
 * - Unusable input (MediaRejectedError), or the stored source gone: the lecture fails, no retry.
 * - Storage or database unreachable (server/transcoding/outage.ts): the step that met it (source
 *   download, package upload, publish…) is tried again after 5 s, 10 s, 20 s… (≤ 60 s), while the
 *   heartbeat keeps the lease; no attempt is spent and finished work is kept (an interrupted
 *   package upload goes on with the files that are not up yet). The job shows
 *   `errorCode = 'storage_unavailable'` meanwhile. After 24 h in a row the lecture fails with a
 *   reason and a "Retry transcoding" button.
 * - Any other error: an attempt is spent; the job goes back to the queue after 15 s, 30 s, 1 min,
 *   2 min… (≤ 10 min), until its attempts (5) are used.
 * - Lease lost (another worker took over, or a newer upload superseded the job): stop, delete
 *   what this attempt uploaded, publish nothing. If it was lost because this worker could not
 *   reach the database to renew it, the take-over's attempt is given back.
 * - A crash: the lease runs out and another worker (or this one, restarted) redoes the job; its
 *   ffmpeg dies with it (child-guard.ts) and its temp folder is swept.
 * Nothing a job does can crash the loop.
 */
import { jsonLogger } from './log.ts';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { eq } from 'drizzle-orm';
import type { Db } from '../server/db/client.ts';
import type { Storage } from '../server/storage/types.ts';
import type { Config } from '../server/config.ts';
import { lectures } from '../server/db/schema/index.ts';
import { transcodingServiceOver, jobSignals, newPackagePrefix, type PublishablePackage } from '../server/transcoding/service.ts';
import { isOriginalDeleted, type FailureText, type TranscodeJobRow } from '../server/transcoding/repository.ts';
import { OUTAGE_LIMIT_SECONDS, attemptBackoffSeconds, isDatabaseOutage, outageOf, outageRetrySeconds, type OutageKind } from '../server/transcoding/outage.ts';
import { outageReason, sourceMissingReason } from '../server/transcoding/reasons.ts';
import { transcodeToDirectory } from './pipeline.ts';
import { MediaRejectedError } from './errors.ts';

export interface WorkerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkerOptions {
  db: Db;
  storage: Storage;
  config: Pick<Config, 'workerConcurrency' | 'ffmpegThreads' | 'workerLeaseSeconds' | 'workerPollMs' | 'maxDurationSeconds' | 'maxUploadBytes'>;
  /** defaults from config */
  concurrency?: number;
  ffmpegThreads?: number;
  leaseSeconds?: number;
  pollMs?: number;
  /** unique per process; defaults to host:pid:random */
  workerId?: string;
  /** first back-off before the next attempt after an error that is not the file's (default 15 s; doubles, ≤ 10 min) */
  retryBackoffSeconds?: number;
  /** the longest a job waits in a row for storage to come back (default 24 h) */
  outageLimitSeconds?: number;
  /** first pause of a step that met an outage (default 5 s; doubles, ≤ 60 s) */
  outageRetrySeconds?: number;
  /** how often stale temp folders are swept (default 10 min; also at start) */
  sweepEveryMs?: number;
  /** a job folder nobody touched for this long is stale whoever owns it (default 1 h; live jobs touch theirs every heartbeat) */
  staleTempMs?: number;
  logger?: WorkerLogger;
  /** where temp files go (default os.tmpdir()) */
  tempDir?: string;
}

export interface Worker {
  readonly workerId: string;
  /** look for work now instead of at the next poll */
  wake(): void;
  /** stops claiming, aborts running jobs and gives them back to the queue (no attempt spent) */
  stop(): Promise<void>;
}

class LeaseLostError extends Error {
  constructor() {
    super('the job lease was lost (taken over by another worker or superseded by a newer upload)');
  }
}

/** The source row says retention deleted the original, or storage does not have it. */
class SourceMissingError extends Error {}

/** Storage stayed unreachable for longer than a job waits. */
class OutageTooLongError extends Error {
  constructor(readonly limitSeconds: number) {
    super(`storage stayed unreachable for more than ${Math.round(limitSeconds)} s`);
  }
}

/** Without a logger from the caller: JSON lines with an ISO time, like every other log line (log.ts). */
const consoleLogger: WorkerLogger = jsonLogger();

export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function startWorker(options: WorkerOptions): Worker {
  const workerId = options.workerId ?? defaultWorkerId();
  const concurrency = Math.max(1, options.concurrency ?? options.config.workerConcurrency);
  const leaseSeconds = options.leaseSeconds ?? options.config.workerLeaseSeconds;
  const pollMs = options.pollMs ?? options.config.workerPollMs;
  const threads = options.ffmpegThreads ?? options.config.ffmpegThreads;
  const outageLimitSeconds = options.outageLimitSeconds ?? OUTAGE_LIMIT_SECONDS;
  const log = options.logger ?? consoleLogger;
  const tempDir = options.tempDir ?? os.tmpdir();
  const service = transcodingServiceOver(options.db, options.storage);
  const stopController = new AbortController();
  const wakers = new Set<() => void>();
  /** job folders of this worker's running jobs: the sweep leaves them alone */
  const activeDirs = new Set<string>();
  const renewEveryMs = Math.max(500, Math.min(5000, (leaseSeconds * 1000) / 3));
  /**
   * When this worker last failed to reach the database. For a while afterwards it neither takes
   * over expired leases nor fails abandoned jobs: their holders may be alive and about to renew
   * (their leases ran out during the same outage); one heartbeat plus a margin is enough.
   */
  let lastDatabaseOutageAt = 0;
  const takeOverGraceMs = Math.max(10_000, 2 * renewEveryMs);
  const noteDatabaseError = (err: unknown) => {
    if (isDatabaseOutage(err)) lastDatabaseOutageAt = Date.now();
  };

  const sleep = (ms: number, signal: AbortSignal = stopController.signal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (signal === stopController.signal) wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });

  /** Temp folders of jobs that no longer run (killed workers): at start, every 10 min, after a take-over. */
  const sweep = () =>
    sweepAbandonedJobDirs(tempDir, { active: activeDirs, staleMs: options.staleTempMs }).then((removed) => {
      if (removed.length > 0) log.info({ removed }, 'deleted job folders that stopped or killed workers left behind');
    });

  async function slot(index: number): Promise<void> {
    let failures = 0;
    let loggedAt = 0;
    while (!stopController.signal.aborted) {
      let job: TranscodeJobRow | null = null;
      try {
        const mayTakeOver = Date.now() - lastDatabaseOutageAt > takeOverGraceMs;
        if (index === 0 && mayTakeOver) {
          for (const failed of await service.jobs.failAbandoned()) {
            log.warn({ jobId: failed.id, lectureId: failed.lectureId, attempts: failed.attempts }, 'job failed: its workers kept stopping before the end');
          }
        }
        job = await service.jobs.claim(workerId, leaseSeconds, { takeOver: mayTakeOver });
        if (failures > 0) log.info({ workerId, failures }, 'the database answers again');
        failures = 0;
      } catch (err) {
        if (stopController.signal.aborted) break;
        noteDatabaseError(err);
        failures++;
        // once per outage and then once a minute, not every poll
        if (failures === 1 || Date.now() - loggedAt > 60_000) {
          loggedAt = Date.now();
          log.error({ err: describe(err), workerId, failures }, 'could not claim a job (database unreachable?)');
        }
      }
      if (!job) {
        // an unreachable database is asked less and less often, at most every 10 s
        await sleep(failures > 0 ? Math.min(10_000, pollMs * 2 ** Math.min(failures, 10)) : pollMs);
        continue;
      }
      // a job on its second attempt or later: its last worker may have died here and left a folder
      if (job.attempts > 1) void sweep();
      await runJob(job);
    }
  }

  async function runJob(job: TranscodeJobRow): Promise<void> {
    const jobLog = { jobId: job.id, lectureId: job.lectureId, attempt: job.attempts, workerId };
    log.info(jobLog, 'transcode started');
    const controller = new AbortController();
    const signal = controller.signal;
    const onStop = () => controller.abort(new Error('the worker is stopping'));
    stopController.signal.addEventListener('abort', onStop, { once: true });

    // ---- the heartbeat: renews the lease every few seconds, whatever the job is doing ----
    let progress = 0;
    let renewing = Promise.resolve();
    let lastRenewedAt = Date.now();
    /** a renewal failed because the database was unreachable (since the last good one) */
    let renewalOutage = false;
    let workDir: string | undefined;
    const renew = () => {
      renewing = renewing.then(async () => {
        // the folder's time says "in use" to sweeps of other workers on this machine
        if (workDir) await utimes(workDir, new Date(), new Date()).catch(() => undefined);
        try {
          const held = await service.jobs.renew(job.id, workerId, leaseSeconds, progress);
          if (!held) controller.abort(new LeaseLostError());
          else {
            lastRenewedAt = Date.now();
            renewalOutage = false;
          }
        } catch (err) {
          noteDatabaseError(err);
          if (isDatabaseOutage(err)) renewalOutage = true;
          // a blip of the database: the lease survives a few missed renewals
          log.warn({ ...jobLog, err: describe(err) }, 'could not renew the lease');
        }
      });
    };
    const timer = setInterval(renew, renewEveryMs);

    /**
     * Runs one step; while it fails because storage or the database is unreachable, waits
     * (5 s, 10 s, 20 s… ≤ 60 s) and runs it again, holding the lease. Storage waits are recorded
     * on the job and bounded by the outage limit; database waits cannot be recorded and last
     * until the database is back (then the lease says whether the job is still ours).
     */
    async function untilAvailable<T>(uses: OutageKind, step: string, run: () => Promise<T>, stepSignal: AbortSignal = signal): Promise<T> {
      let tries = 0;
      let since: number | undefined;
      let marked = false;
      for (;;) {
        stepSignal.throwIfAborted();
        try {
          const value = await run();
          if (marked) await service.jobs.clearWaiting(job.id, workerId).catch(noteDatabaseError);
          if (since !== undefined) log.info({ ...jobLog, step, waitedSeconds: Math.round((Date.now() - since) / 1000) }, 'outage over; the job goes on');
          return value;
        } catch (err) {
          if (stepSignal.aborted) throw stepSignal.reason ?? err;
          const outage = outageOf(err, uses);
          if (!outage) throw err;
          if (outage === 'database') noteDatabaseError(err);
          tries++;
          since ??= Date.now();
          let waited = (Date.now() - since) / 1000;
          if (outage === 'storage') {
            const mark = await service.jobs.markWaiting(job.id, workerId).catch((e: unknown) => {
              noteDatabaseError(e);
              return undefined;
            });
            if (mark === null) throw new LeaseLostError();
            if (mark) {
              marked = true;
              waited = Math.max(waited, mark.waitedSeconds);
            }
            if (waited >= outageLimitSeconds) throw new OutageTooLongError(outageLimitSeconds);
          }
          if (tries === 1 || tries % 20 === 0) {
            // the detail (host, port, bucket) is for operators only
            log.warn({ ...jobLog, step, outage, tries, waitedSeconds: Math.round(waited), err: describe(err) }, `${outage} unreachable; the job waits and tries again`);
          }
          await sleep(outageRetrySeconds(tries, options.outageRetrySeconds) * 1000, stepSignal);
        }
      }
    }
    /** A database write that records the job's outcome: waited for, unless the worker stops. */
    const record = <T>(step: string, run: () => Promise<T>) => untilAvailable('database', step, run, stopController.signal);

    const dirName = jobDirName();
    let uploadedPrefix: string | undefined;
    let published = false;
    try {
      // in the set before it exists, so a concurrent sweep never takes it for a leftover
      activeDirs.add(dirName);
      workDir = path.join(tempDir, dirName);
      await mkdir(workDir, { recursive: false });
      const source = await untilAvailable('database', 'read source', () => service.jobs.findSource(job.sourceId));
      if (!source || isOriginalDeleted(source.probe)) throw new SourceMissingError(`source ${job.sourceId} is no longer stored`);
      // Local storage: ffmpeg reads the stored file in place (objects are replaced only by atomic
      // renames). S3: the source is downloaded once into the job's temp folder.
      let input = options.storage.localPath?.(source.storageKey);
      if (input) {
        if (!(await options.storage.head(source.storageKey))) throw new SourceMissingError(`no object at ${source.storageKey}`);
      } else {
        const target = path.join(workDir, 'source');
        await untilAvailable('storage', 'download source', async () => {
          const stored = await options.storage.get(source.storageKey).catch((err: unknown) => {
            throw (err as { code?: string }).code === 'not_found' ? new SourceMissingError(`no object at ${source.storageKey}`) : err;
          });
          // a fresh file each try: an interrupted download starts over
          await pipeline(stored.body, createWriteStream(target), { signal });
        });
        input = target;
      }
      // Progress: 1 once the source is here, 1–95 while ffmpeg runs, 95–99 while the package
      // uploads. The first step matters: ffmpeg reports nothing until every output has started.
      progress = 1;

      const outDir = path.join(workDir, 'package');
      await mkdir(outDir);
      const summary = await transcodeToDirectory(input, outDir, {
        threads: threads || undefined,
        signal,
        limits: { maxDurationSeconds: options.config.maxDurationSeconds, maxBytes: options.config.maxUploadBytes },
        onProgress: (percent: number) => {
          progress = Math.max(progress, Math.min(95, 1 + Math.floor(percent * 0.94)));
        },
      });
      signal.throwIfAborted();
      const pkg: PublishablePackage = summary;
      progress = Math.max(progress, 95);
      // known before the first byte goes up, so an abort mid-upload still deletes what went up
      const prefix = newPackagePrefix(job.lectureId);
      uploadedPrefix = prefix;
      const uploaded = new Set<string>();
      await untilAvailable('storage', 'upload package', () =>
        service.uploadPackage(job.lectureId, outDir, pkg, {
          prefix,
          signal,
          uploaded,
          onFile: (done, total) => {
            progress = Math.max(progress, 95 + Math.floor((4 * done) / total));
          },
        }),
      );
      progress = 99;
      signal.throwIfAborted();
      let publishTries = 0;
      published = await untilAvailable('database', 'publish', async () => {
        // a commit whose answer an outage swallowed: the lecture already points at our package
        if (publishTries++ > 0 && (await lecturePackagePrefix(job.lectureId)) === prefix) return true;
        return service.publish({ jobId: job.id, workerId, lectureId: job.lectureId, prefix, pkg, result: summary });
      });
      if (!published) throw new LeaseLostError();
      uploadedPrefix = undefined; // it is the lecture's package now
      log.info({ ...jobLog, durationSeconds: pkg.durationSeconds, files: pkg.files.length }, 'transcode done, lecture ready');
    } catch (err) {
      const reason = signal.aborted ? signal.reason : err;
      const fail = async (failure: FailureText) =>
        record('record failure', () => service.reject({ jobId: job.id, workerId, lectureId: job.lectureId, failure })).catch((e: unknown) => {
          log.error({ ...jobLog, err: describe(e) }, 'could not record the failure; the lease runs out and the job is tried again');
          return false;
        });
      if (err instanceof MediaRejectedError) {
        const recorded = await fail({ code: err.code, reasonZh: err.reason['zh-CN'], reasonEn: err.reason.en });
        // the detail (what ffprobe said, e.g. "format hls") is for operators: a refused playlist is worth noticing
        log.warn({ ...jobLog, code: err.code, detail: err.detail?.slice(0, 500), recorded }, `unusable source: ${err.reason.en}`);
      } else if (err instanceof SourceMissingError) {
        const recorded = await fail(sourceMissingReason());
        log.warn({ ...jobLog, err: err.message, recorded }, 'the source is no longer stored; the trainer must upload again');
      } else if (err instanceof OutageTooLongError) {
        const recorded = await fail(outageReason(err.limitSeconds));
        log.error({ ...jobLog, limitSeconds: err.limitSeconds, recorded }, 'storage stayed unreachable too long; the lecture failed (it can be retried)');
      } else if (reason instanceof LeaseLostError) {
        // lost only because this worker could not reach the database: not the job's fault
        const outage = renewalOutage && Date.now() - lastRenewedAt > leaseSeconds * 1000;
        const refunded = outage ? await service.jobs.refundAttempt(job.id, workerId).catch(() => false) : false;
        log.warn({ ...jobLog, refunded }, reason.message);
      } else if (stopController.signal.aborted) {
        const givenBack = await service.jobs.giveBack(job.id, workerId).catch(() => false);
        log.warn({ ...jobLog, givenBack }, 'stopped mid-job; the job is back in the queue');
      } else {
        const backoffSeconds = attemptBackoffSeconds(job.attempts, options.retryBackoffSeconds);
        const outcome = await record('release for retry', () => service.jobs.releaseForRetry(job.id, workerId, { backoffSeconds })).catch(() => null);
        log.error({ ...jobLog, err: describe(err), outcome, backoffSeconds }, 'transcode failed');
      }
    } finally {
      clearInterval(timer);
      stopController.signal.removeEventListener('abort', onStop);
      await renewing;
      if (uploadedPrefix && !published) await options.storage.deletePrefix(uploadedPrefix).catch(() => 0);
      if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
      activeDirs.delete(dirName);
    }
  }

  async function lecturePackagePrefix(lectureId: string): Promise<string | null> {
    const [row] = await options.db.select({ packagePrefix: lectures.packagePrefix }).from(lectures).where(eq(lectures.id, lectureId));
    return row?.packagePrefix ?? null;
  }

  const wake = () => {
    for (const w of [...wakers]) w();
  };
  jobSignals.on('queued', wake);
  const slots = Array.from({ length: concurrency }, (_, i) =>
    slot(i).catch((err: unknown) => {
      log.error({ err: describe(err), workerId }, 'worker slot ended unexpectedly');
    }),
  );
  log.info({ workerId, concurrency, threads, leaseSeconds, renewEverySeconds: renewEveryMs / 1000 }, 'transcode worker started');

  void sweep();
  const sweeper = setInterval(() => void sweep(), options.sweepEveryMs ?? 10 * 60_000);
  sweeper.unref();

  return {
    workerId,
    wake,
    async stop() {
      jobSignals.off('queued', wake);
      clearInterval(sweeper);
      stopController.abort();
      await Promise.all(slots);
    },
  };
}

const JOB_DIR_PREFIX = 'lectern-job-';
/** eight hex characters naming this machine in job folder names (a shared temp folder across hosts) */
const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** `lectern-job-<pid>-h<host>-<random>`: whose folder it is, for the sweep. */
function jobDirName(): string {
  return `${JOB_DIR_PREFIX}${process.pid}-h${HOST_TAG}-${randomBytes(6).toString('hex')}`;
}

/**
 * Deletes job folders (a source copy and a package each, possibly gigabytes) that are no longer
 * any running job's. Run by every worker at start and every 10 minutes; best effort. A folder is
 * removed when
 * - it is this process's but not one of its running jobs (`active`): left by a job whose clean-up
 *   failed, or by an earlier process with the same pid (containers restart as pid 1);
 * - its process (on this machine) no longer exists, zombies included;
 * - nobody touched it for `staleMs` (default 1 h): a running job touches its folder at every
 *   heartbeat, so this catches pids that were reused and folders of other machines.
 */
export async function sweepAbandonedJobDirs(
  tempDir = os.tmpdir(),
  options: { active?: ReadonlySet<string>; staleMs?: number; now?: number } = {},
): Promise<string[]> {
  const removed: string[] = [];
  const staleMs = options.staleMs ?? 3600_000;
  const now = options.now ?? Date.now();
  let entries: string[];
  try {
    entries = await readdir(tempDir);
  } catch {
    return removed;
  }
  for (const name of entries) {
    const match = /^lectern-job-(\d+)-(?:h([0-9a-f]{8})-)?/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    const thisHost = match[2] === undefined || match[2] === HOST_TAG;
    const full = path.join(tempDir, name);
    let gone: boolean;
    if (thisHost && pid === process.pid) gone = !options.active?.has(name);
    else if (thisHost && !processAlive(pid)) gone = true;
    else {
      const touched = await stat(full).then((s) => s.mtimeMs, () => now);
      gone = now - touched > staleMs;
    }
    if (!gone) continue;
    await rm(full, { recursive: true, force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a killed process whose parent has not reaped it yet still answers signal 0: a zombie is dead
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust signal 0
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
