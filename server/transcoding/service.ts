/**
 * What happens around a transcode: queueing a new source, publishing a finished package,
 * failing a lecture with a reason, and the status a trainer sees. Used by the upload route, the
 * worker (in-process or `npm run transcoder`), the demo and the test helpers, so that every path
 * publishes the same way.
 *
 * Publishing rule: the package goes to a fresh prefix `lectures/<lectureId>/<packageId>/`, the
 * master playlist last; only then, in one transaction and only if this worker still holds the
 * job, does the lecture point at it. A reader therefore sees the old package or the new one,
 * never half of one, and a stale worker cannot publish over a newer one.
 */
import { createReadStream } from 'node:fs';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Db, DbOrTx } from '../db/client.ts';
import type { Storage } from '../storage/types.ts';
import { contentTypeFor, isPlaylist } from '../storage/keys.ts';
import { TranscodeJobsRepository, type FailureText, type TranscodeJobRow } from './repository.ts';
import { applyReplacement } from '../teach/replacement.ts';

/** The part of the transcoder's summary that publishing needs; the rest is kept as the job result. */
export interface PublishablePackage {
  /** relative paths inside the package folder, master.m3u8 last */
  files: string[];
  durationSeconds: number;
}

export const MASTER_PLAYLIST = 'master.m3u8';

export interface RetentionSweep {
  deleted: { sourceId: string; lectureId: string; storageKey: string }[];
  failed: { sourceId: string; message: string }[];
}

/**
 * In-process nudge: 'queued' is emitted when this process queues a job, so a worker in the same
 * process starts at once instead of at its next poll. Only a shortcut: workers elsewhere poll.
 */
export const jobSignals = new EventEmitter();

export function lecturePackagesPrefix(lectureId: string): string {
  return `lectures/${lectureId}/`;
}

export function newPackagePrefix(lectureId: string): string {
  return `${lecturePackagesPrefix(lectureId)}${randomBytes(8).toString('hex')}/`;
}

export function sourceKey(lectureId: string, sourceId: string): string {
  return `sources/${lectureId}/${sourceId}/original`;
}

/** Playlists change meaning when replaced; segments never do (fresh prefix per package). */
function cacheControlFor(key: string): string {
  return isPlaylist(key) ? 'public, max-age=60' : 'public, max-age=31536000, immutable';
}

export class TranscodingService {
  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    readonly jobs: TranscodeJobsRepository,
  ) {}

  /**
   * Records a source already in storage and queues its job, inside the caller's transaction.
   * A lecture that is ready keeps playing its current package until the new one is published.
   */
  async enqueueSource(
    tx: DbOrTx,
    source: { id?: string; lectureId: string; storageKey: string; bytes: number; originalName?: string | null; contentType?: string | null },
  ): Promise<TranscodeJobRow> {
    const row = await this.jobs.insertSource(tx, source);
    await this.jobs.markLectureProcessing(tx, source.lectureId);
    const job = await this.jobs.enqueue(tx, { lectureId: source.lectureId, sourceId: row.id });
    // after commit would be exact; a worker woken early simply finds nothing and polls again
    setTimeout(() => jobSignals.emit('queued'), 50).unref();
    return job;
  }

  /**
   * Uploads a finished package folder to a fresh prefix, master playlist last. Answers the
   * prefix; nothing points at it yet. `uploaded` (filled as files go up, and skipped when
   * already in it) lets a caller resume an upload that an outage interrupted.
   */
  async uploadPackage(
    lectureId: string,
    localDir: string,
    pkg: PublishablePackage,
    options: { parallel?: number; signal?: AbortSignal; onFile?: (done: number, total: number) => void; prefix?: string; uploaded?: Set<string> } = {},
  ): Promise<string> {
    const prefix = options.prefix ?? newPackagePrefix(lectureId);
    const master = pkg.files.filter((f) => f === MASTER_PLAYLIST || f.endsWith(`/${MASTER_PLAYLIST}`));
    const rest = pkg.files.filter((f) => !master.includes(f));
    if (master.length === 0) throw new Error('the package has no master.m3u8');
    const uploaded = options.uploaded ?? new Set<string>();
    let done = uploaded.size;
    const put = async (file: string) => {
      if (uploaded.has(file)) return;
      options.signal?.throwIfAborted();
      const key = prefix + file.split(path.sep).join('/');
      await this.storage.put(key, createReadStream(path.join(localDir, file)), { contentType: contentTypeFor(key), cacheControl: cacheControlFor(key) });
      uploaded.add(file);
      options.onFile?.(++done, pkg.files.length);
    };
    const queue = rest.filter((f) => !uploaded.has(f));
    const parallel = Math.max(1, options.parallel ?? 4);
    await Promise.all(
      Array.from({ length: Math.min(parallel, queue.length) }, async () => {
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) await put(file);
      }),
    );
    for (const file of master) await put(file);
    return prefix;
  }

  /**
   * Points the lecture at the uploaded package and marks the job done, if this worker still
   * holds the job. Answers false (and publishes nothing) otherwise; the caller then deletes
   * its prefix. Afterwards the previous package and leftovers of abandoned attempts are deleted.
   */
  async publish(input: { jobId: string; workerId: string; lectureId: string; prefix: string; pkg: PublishablePackage; result?: unknown }): Promise<boolean> {
    const previous = await this.db.transaction(async (tx) => {
      const job = await this.jobs.lockIfHeld(tx, input.jobId, input.workerId);
      if (!job || job.lectureId !== input.lectureId) return null;
      const lecture = await this.jobs.lockLecture(tx, input.lectureId);
      // a lecture the trainer removed while it transcoded gets no package (the caller deletes the prefix)
      if (!lecture) return null;
      if (lecture.removedAt) {
        await this.jobs.markFailed(tx, input.jobId, { code: 'superseded', reasonZh: '讲座已被删除。', reasonEn: 'The lecture was removed.' });
        return null;
      }
      const mediaVersion = lecture.mediaVersion + 1;
      if (lecture.packagePrefix !== null) {
        // a replaced recording: what lawyers keep of the old one is the credit rules' (docs/credit.md)
        await applyReplacement(tx, {
          lectureId: input.lectureId,
          courseId: lecture.courseId,
          sourceId: job.sourceId,
          fromVersion: Math.max(lecture.mediaVersion, 1),
          fromDuration: lecture.durationSeconds,
          toVersion: mediaVersion,
          toDuration: input.pkg.durationSeconds,
        });
      }
      await this.jobs.publishLecture(tx, input.lectureId, { durationSeconds: input.pkg.durationSeconds, packagePrefix: input.prefix, mediaVersion });
      await this.jobs.markDone(tx, input.jobId, input.result ?? input.pkg);
      return { packagePrefix: lecture.packagePrefix };
    });
    if (!previous) return false;
    await this.deleteOtherPackages(input.lectureId, input.prefix);
    return true;
  }

  /** Fails the job and (unless it still plays an older package) the lecture; no retry. */
  async reject(input: { jobId: string; workerId: string; lectureId: string; failure: FailureText }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const job = await this.jobs.lockIfHeld(tx, input.jobId, input.workerId);
      if (!job) return false;
      await this.jobs.markFailed(tx, input.jobId, input.failure);
      await this.jobs.failLecture(tx, input.lectureId, input.failure);
      return true;
    });
  }

  /**
   * Deletes every package of the lecture except `keep`: the one just replaced, and folders that
   * crashed or superseded attempts left behind. Best effort: a failure here costs only space.
   */
  async deleteOtherPackages(lectureId: string, keep: string): Promise<string[]> {
    const deleted: string[] = [];
    try {
      const base = lecturePackagesPrefix(lectureId);
      const prefixes = new Set<string>();
      for (const object of await this.storage.list(base)) {
        const packageId = object.key.slice(base.length).split('/')[0];
        if (packageId) prefixes.add(`${base}${packageId}/`);
      }
      for (const prefix of prefixes) {
        if (prefix === keep) continue;
        await this.storage.deletePrefix(prefix);
        deleted.push(prefix);
      }
    } catch {
      // best effort; the next publish of this lecture tries again
    }
    return deleted;
  }

  /**
   * Source retention (docs/jobs-and-uploads.md): deletes from storage the originals that failed,
   * were superseded or were replaced, `retentionDays` after they stopped being needed (as of
   * `asOf`, default now), and marks their rows, which stay as evidence. The current package's
   * source is kept, so the lecture can be transcoded again when the ladder changes. Safe to run
   * from several processes at once: deleting twice deletes nothing more.
   */
  async sweepRetiredSources(options: { retentionDays: number; asOf?: Date }): Promise<RetentionSweep> {
    const deleted: RetentionSweep['deleted'] = [];
    const failed: RetentionSweep['failed'] = [];
    for (const source of await this.jobs.retiredSources(options.retentionDays, options.asOf)) {
      try {
        // the folder of the original (sources/<lectureId>/<sourceId>/), or the key alone if it was stored elsewhere
        const folder = `sources/${source.lectureId}/${source.id}/`;
        await this.storage.deletePrefix(source.storageKey.startsWith(folder) ? folder : source.storageKey);
        await this.jobs.markOriginalDeleted(source.id, new Date());
        deleted.push({ sourceId: source.id, lectureId: source.lectureId, storageKey: source.storageKey });
      } catch (err) {
        // the next sweep tries again; nothing was marked
        failed.push({ sourceId: source.id, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return { deleted, failed };
  }

  /** Job state for the trainer: the newest job of the lecture, if any. */
  async latestJob(lectureId: string): Promise<TranscodeJobRow | undefined> {
    return (await this.jobs.latestFor([lectureId])).get(lectureId);
  }
}

/**
 * A TranscodingService over its own repository, for code that runs outside a request (the
 * transcoder worker, the demo, scripts, benches and tests); the API's is built once in
 * createServices (server/services.ts).
 */
export function transcodingServiceOver(db: Db, storage: Storage): TranscodingService {
  return new TranscodingService(db, storage, new TranscodeJobsRepository(db));
}

/** The failure texts kept on a failed job (both languages), if any. */
export function jobFailure(job: TranscodeJobRow): FailureText | null {
  if (job.status !== 'failed') return null;
  const stored = (job.result as { failure?: FailureText } | null)?.failure;
  if (stored) return stored;
  return { code: job.errorCode ?? 'failed', reasonZh: job.errorReason ?? '转码失败。', reasonEn: job.errorReason ?? 'Transcoding failed.' };
}
