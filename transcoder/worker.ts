/**
 * The transcode worker: claims jobs from the database, transcodes, publishes. Runs inside the
 * API process in the embedded mode, or alone through `npm run transcoder` (transcoder/main.ts);
 * any number of workers may run against one PostgreSQL and one S3 bucket.
 *
 * One job: claim (lease) → download the source to a temp file → transcodeToDirectory with
 * progress, renewing the lease every few seconds → upload the package to a fresh prefix, master
 * playlist last → publish in one transaction if the job is still ours → delete old packages.
 *
 * - Unusable input (MediaRejectedError): the lecture fails with the transcoder's reason, no retry.
 * - Any other error: the job goes back to the queue after a pause, until its attempts are used.
 * - Lease lost (another worker took over, or a newer upload superseded the job): stop, delete
 *   what this attempt uploaded, publish nothing.
 * - A crash: the lease runs out and another worker (or this one, restarted) redoes the job.
 * Nothing a job does can crash the loop.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../server/db/client.ts';
import type { Storage } from '../server/storage/types.ts';
import type { Config } from '../server/config.ts';
import { TranscodingService, jobSignals, newPackagePrefix, type PublishablePackage } from '../server/transcoding/service.ts';
import type { TranscodeJobRow } from '../server/transcoding/repository.ts';
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
  /** pause before a job that failed for a reason other than its file is tried again */
  retryBackoffSeconds?: number;
  logger?: WorkerLogger;
  /** where temp files go (default os.tmpdir()) */
  tempDir?: string;
}

export interface Worker {
  readonly workerId: string;
  /** look for work now instead of at the next poll */
  wake(): void;
  /** stops claiming, aborts running jobs (their leases run out and another worker redoes them) */
  stop(): Promise<void>;
}

class LeaseLostError extends Error {
  constructor() {
    super('the job lease was lost (taken over by another worker or superseded by a newer upload)');
  }
}

const consoleLogger: WorkerLogger = {
  info: (o, m) => console.log(JSON.stringify({ level: 'info', msg: m, ...o })),
  warn: (o, m) => console.warn(JSON.stringify({ level: 'warn', msg: m, ...o })),
  error: (o, m) => console.error(JSON.stringify({ level: 'error', msg: m, ...o })),
};

export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function startWorker(options: WorkerOptions): Worker {
  const workerId = options.workerId ?? defaultWorkerId();
  const concurrency = Math.max(1, options.concurrency ?? options.config.workerConcurrency);
  const leaseSeconds = options.leaseSeconds ?? options.config.workerLeaseSeconds;
  const pollMs = options.pollMs ?? options.config.workerPollMs;
  const threads = options.ffmpegThreads ?? options.config.ffmpegThreads;
  const log = options.logger ?? consoleLogger;
  const service = new TranscodingService(options.db, options.storage);
  const stopController = new AbortController();
  const wakers = new Set<() => void>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        stopController.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
      stopController.signal.addEventListener('abort', done, { once: true });
    });

  async function slot(index: number): Promise<void> {
    while (!stopController.signal.aborted) {
      let job: TranscodeJobRow | null = null;
      try {
        if (index === 0) {
          for (const failed of await service.jobs.failAbandoned()) {
            log.warn({ jobId: failed.id, lectureId: failed.lectureId, attempts: failed.attempts }, 'job failed: its workers kept stopping before the end');
          }
        }
        job = await service.jobs.claim(workerId, leaseSeconds);
      } catch (err) {
        if (stopController.signal.aborted) break;
        log.error({ err: describe(err), workerId }, 'could not claim a job (database unreachable?)');
      }
      if (!job) {
        await sleep(pollMs);
        continue;
      }
      await runJob(job);
    }
  }

  async function runJob(job: TranscodeJobRow): Promise<void> {
    const jobLog = { jobId: job.id, lectureId: job.lectureId, attempt: job.attempts, workerId };
    log.info(jobLog, 'transcode started');
    const controller = new AbortController();
    const onStop = () => controller.abort(new Error('the worker is stopping'));
    stopController.signal.addEventListener('abort', onStop, { once: true });
    let progress = 0;
    let renewing = Promise.resolve();
    const renew = () => {
      renewing = renewing.then(async () => {
        try {
          const held = await service.jobs.renew(job.id, workerId, leaseSeconds, progress);
          if (!held) controller.abort(new LeaseLostError());
        } catch (err) {
          // a blip of the database: the lease is long enough to survive a few missed renewals
          log.warn({ ...jobLog, err: describe(err) }, 'could not renew the lease');
        }
      });
    };
    const renewEveryMs = Math.max(500, Math.min(5000, (leaseSeconds * 1000) / 3));
    const timer = setInterval(renew, renewEveryMs);
    let workDir: string | undefined;
    let uploadedPrefix: string | undefined;
    try {
      workDir = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), `${JOB_DIR_PREFIX}${process.pid}-`));
      const source = await service.jobs.findSource(job.sourceId);
      if (!source) throw new Error(`source ${job.sourceId} is missing`);
      // Local storage: ffmpeg reads the stored file in place (objects are replaced only by atomic
      // renames). S3: the source is downloaded once into the job's temp folder.
      let input = options.storage.localPath?.(source.storageKey);
      if (!input) {
        input = path.join(workDir, 'source');
        const stored = await options.storage.get(source.storageKey);
        await pipeline(stored.body, createWriteStream(input), { signal: controller.signal });
      }
      // Progress: 1 once the source is here, 1–95 while ffmpeg runs, 95–99 while the package
      // uploads. The first step matters: ffmpeg reports nothing until every output has started.
      progress = 1;

      const outDir = path.join(workDir, 'package');
      await mkdir(outDir);
      const summary = await transcodeToDirectory(input, outDir, {
        threads: threads || undefined,
        signal: controller.signal,
        limits: { maxDurationSeconds: options.config.maxDurationSeconds, maxBytes: options.config.maxUploadBytes },
        onProgress: (percent: number) => {
          progress = Math.max(progress, Math.min(95, 1 + Math.floor(percent * 0.94)));
        },
      });
      controller.signal.throwIfAborted();
      const pkg: PublishablePackage = summary;
      progress = Math.max(progress, 95);
      // known before the first byte goes up, so an abort mid-upload still deletes what went up
      uploadedPrefix = newPackagePrefix(job.lectureId);
      await service.uploadPackage(job.lectureId, outDir, pkg, {
        prefix: uploadedPrefix,
        signal: controller.signal,
        onFile: (done, total) => {
          progress = Math.max(progress, 95 + Math.floor((4 * done) / total));
        },
      });
      progress = 99;
      controller.signal.throwIfAborted();
      const published = await service.publish({ jobId: job.id, workerId, lectureId: job.lectureId, prefix: uploadedPrefix, pkg, result: summary });
      if (!published) throw new LeaseLostError();
      uploadedPrefix = undefined; // it is the lecture's package now
      log.info({ ...jobLog, durationSeconds: pkg.durationSeconds, files: pkg.files.length }, 'transcode done, lecture ready');
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      if (err instanceof MediaRejectedError) {
        const failed = await service
          .reject({ jobId: job.id, workerId, lectureId: job.lectureId, failure: { code: err.code, reasonZh: err.reason['zh-CN'], reasonEn: err.reason.en } })
          .catch((e: unknown) => {
            log.error({ ...jobLog, err: describe(e) }, 'could not record the rejection; the job will be retried');
            return false;
          });
        // the detail (what ffprobe said, e.g. "format hls") is for operators: a refused playlist is worth noticing
        log.warn({ ...jobLog, code: err.code, detail: err.detail?.slice(0, 500), recorded: failed }, `unusable source: ${err.reason.en}`);
      } else if (reason instanceof LeaseLostError) {
        log.warn(jobLog, reason.message);
      } else if (stopController.signal.aborted) {
        const givenBack = await service.jobs.giveBack(job.id, workerId).catch(() => false);
        log.warn({ ...jobLog, givenBack }, 'stopped mid-job; the job is back in the queue');
      } else {
        const message = describe(err);
        const outcome = await service.jobs.releaseForRetry(job.id, workerId, message, options.retryBackoffSeconds ?? 10).catch(() => null);
        log.error({ ...jobLog, err: message, outcome }, 'transcode failed');
      }
    } finally {
      clearInterval(timer);
      stopController.signal.removeEventListener('abort', onStop);
      await renewing;
      if (uploadedPrefix) await options.storage.deletePrefix(uploadedPrefix).catch(() => 0);
      if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
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
  log.info({ workerId, concurrency, threads, leaseSeconds }, 'transcode worker started');
  void sweepAbandonedJobDirs(options.tempDir).then((removed) => {
    if (removed.length > 0) log.info({ removed }, 'deleted job folders that killed workers left behind');
  });

  return {
    workerId,
    wake,
    async stop() {
      jobSignals.off('queued', wake);
      stopController.abort();
      await Promise.all(slots);
    },
  };
}

const JOB_DIR_PREFIX = 'lectern-job-';

/**
 * Deletes job folders (a source copy and a package each, possibly gigabytes) that a killed worker
 * on this machine left behind: those whose process no longer exists. Best effort.
 */
export async function sweepAbandonedJobDirs(tempDir = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(tempDir);
  } catch {
    return removed;
  }
  for (const name of entries) {
    const pid = Number(/^lectern-job-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    await rm(path.join(tempDir, name), { recursive: true, force: true }).catch(() => undefined);
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
