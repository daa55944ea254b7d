/**
 * A ready lecture for tests that need something to play:
 *
 *   const lectureId = await createReadyLecture(server, { seconds: 20 });
 *
 * Makes a real lecture-like clip with ffmpeg, transcodes it with the real ladder
 * (transcodeToDirectory), and publishes it through the same code the worker uses (source in
 * storage, a job claimed with a lease, package uploaded to a fresh prefix master-last, published
 * in one transaction). The transcoded package is cached per parameters and transcoder code in
 * os.tmpdir(), so several test files in one run (and later runs) transcode once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../server/db/client.ts';
import type { Storage } from '../../server/storage/types.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { transcodingServiceOver, sourceKey, type PublishablePackage } from '../../server/transcoding/service.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';
import { transcodeToDirectory, type PackageSummary } from '../../transcoder/pipeline.ts';
import { MediaWorkspace } from './media.ts';

export interface ReadyLectureOptions {
  /** length of the clip (default 20 s) */
  seconds?: number;
  /** picture size of the source (default 640×360: renditions up to 360p) */
  width?: number;
  height?: number;
  /** default: the demo's published course */
  courseId?: string;
  title?: string;
}

interface ServerLike {
  deps: { db: Db; storage: Storage };
  demo?: DemoIds;
}

/**
 * The cache key includes a hash of the transcoder's code, so a change to the ladder or the
 * packaging never serves a package made by older code (the cache outlives a run on purpose:
 * unchanged code need not transcode again).
 */
function transcoderCodeHash(): string {
  const dir = path.resolve(import.meta.dirname, '../../transcoder');
  const hash = createHash('sha1');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest('hex').slice(0, 12);
}

export function readyLectureCacheDir(): string {
  return path.join(os.tmpdir(), 'lectern-test-packages');
}

/** The transcoded package for these parameters, made once per machine (until the tmp dir is cleared). */
export async function cachedPackage(options: { seconds: number; width: number; height: number }): Promise<{ dir: string; source: string; summary: PackageSummary }> {
  const key = `${options.width}x${options.height}-${options.seconds}s-${transcoderCodeHash()}`;
  const dir = path.join(readyLectureCacheDir(), key);
  const summaryFile = path.join(dir, 'summary.json');
  if (!existsSync(summaryFile)) {
    await mkdir(readyLectureCacheDir(), { recursive: true });
    const work = await mkdtemp(path.join(readyLectureCacheDir(), `.${key}-`));
    const media = await MediaWorkspace.create();
    try {
      const clip = await media.video({ seconds: options.seconds, width: options.width, height: options.height, slideSeconds: Math.max(2, Math.floor(options.seconds / 4)) });
      const packageDir = path.join(work, 'package');
      await mkdir(packageDir);
      const summary = await transcodeToDirectory(clip, packageDir);
      await writeFile(path.join(work, 'source.mp4'), await readFile(clip));
      await writeFile(path.join(work, 'summary.json'), JSON.stringify(summary));
      // atomic: another test file doing the same at once either wins or finds ours in place
      await rename(work, dir).catch(async () => rm(work, { recursive: true, force: true }));
    } finally {
      await media.dispose();
    }
  }
  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as PackageSummary;
  return { dir: path.join(dir, 'package'), source: path.join(dir, 'source.mp4'), summary };
}

/** Creates a lecture in the course and makes it ready with a real package. Answers its id. */
export async function createReadyLecture(server: ServerLike, options: ReadyLectureOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 20;
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const courseId = options.courseId ?? server.demo?.courseId;
  if (!courseId) throw new Error('createReadyLecture: give a courseId (the server has no demo course)');
  const { db, storage } = server.deps;
  const pkg = await cachedPackage({ seconds, width, height });

  const catalog = new CatalogRepository(db);
  const service = transcodingServiceOver(db, storage);
  const lecture = await catalog.insertLecture({
    courseId,
    position: await catalog.nextLecturePosition(courseId),
    title: options.title ?? `测试讲座 ${seconds} 秒`,
    status: 'processing',
  });
  const sourceId = crypto.randomUUID();
  const key = sourceKey(lecture.id, sourceId);
  const { size } = await stat(pkg.source);
  await storage.put(key, createReadStream(pkg.source), { contentType: 'video/mp4' });
  const workerId = `test-helper:${process.pid}`;
  // Queued and claimed in one transaction: a worker polling this database never sees the job free.
  const job = await db.transaction(async (tx) => {
    const queued = await service.enqueueSource(tx, { id: sourceId, lectureId: lecture.id, storageKey: key, bytes: size, originalName: 'test-clip.mp4', contentType: 'video/mp4' });
    if (!(await new TranscodeJobsRepository(tx).claim(workerId, 300, { jobId: queued.id }))) throw new Error('createReadyLecture: could not claim the job it queued');
    return queued;
  });
  const publishable: PublishablePackage = pkg.summary;
  const prefix = await service.uploadPackage(lecture.id, pkg.dir, publishable);
  if (!(await service.publish({ jobId: job.id, workerId, lectureId: lecture.id, prefix, pkg: publishable, result: pkg.summary }))) {
    throw new Error('createReadyLecture: publishing failed');
  }
  return lecture.id;
}
