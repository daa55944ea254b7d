/**
 * The transcode worker end to end, with real ffmpeg on generated clips: on the local storage
 * driver and on S3 (s3rver), a queued source becomes a ready lecture with a complete package; a
 * replacement upload switches packages and deletes the old one; every bad-input case ends with
 * the lecture failed and its reason in both languages, and the worker carries on.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { MediaWorkspace } from '../helpers/media.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { seedDemo, type DemoIds } from '../../server/demo/seed.ts';
import { loadConfig } from '../../server/config.ts';
import { LocalStorage } from '../../server/storage/local.ts';
import { S3Storage } from '../../server/storage/s3.ts';
import type { Storage } from '../../server/storage/types.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { TranscodingService, transcodingServiceOver, sourceKey } from '../../server/transcoding/service.ts';
import { lectures, transcodeJobs } from '../../server/db/schema/index.ts';
import { startWorker, type Worker } from '../../transcoder/worker.ts';
import { REJECTION_REASONS, type MediaRejectionCode } from '../../transcoder/errors.ts';
import { createReadyLecture } from '../helpers/lecture.ts';

// real transcodes: generous on a loaded 2-core machine
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const quiet = { info: () => {}, warn: () => {}, error: (o: object, m?: string) => console.error(m, o) };
const baseConfig = loadConfig({ SESSION_SECRET: 'test-secret-test-secret-test-secret-0123' });

interface Rig {
  database: TestDatabase;
  storage: Storage;
  demo: DemoIds;
  catalog: CatalogRepository;
  service: TranscodingService;
}

async function makeRig(storage: Storage): Promise<Rig> {
  const database = await createTestDatabase();
  const demo = await seedDemo(database.db);
  return { database, storage, demo, catalog: new CatalogRepository(database.db), service: transcodingServiceOver(database.db, storage) };
}

async function newLecture(rig: Rig, title = '测试'): Promise<string> {
  const l = await rig.catalog.insertLecture({ courseId: rig.demo.draftCourseId, position: await rig.catalog.nextLecturePosition(rig.demo.draftCourseId), title, status: 'uploading' });
  return l.id;
}

/** What the upload route does: the file into storage, then source + job in one transaction. */
async function queueFile(rig: Rig, lectureId: string, file: string): Promise<string> {
  const sourceId = crypto.randomUUID();
  const key = sourceKey(lectureId, sourceId);
  await rig.storage.put(key, createReadStream(file));
  const job = await rig.database.db.transaction((tx) => rig.service.enqueueSource(tx, { id: sourceId, lectureId, storageKey: key, bytes: 0, originalName: path.basename(file) }));
  return job.id;
}

async function waitForJob(rig: Rig, jobId: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [job] = await rig.database.db.select().from(transcodeJobs).where(eq(transcodeJobs.id, jobId));
    if (job && (job.status === 'done' || job.status === 'failed')) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job?.status} (progress ${job?.progress}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function lectureRow(rig: Rig, id: string) {
  const [row] = await rig.database.db.select().from(lectures).where(eq(lectures.id, id));
  return row!;
}

function workerFor(rig: Rig, overrides: Partial<typeof baseConfig> = {}): Worker {
  return startWorker({ db: rig.database.db, storage: rig.storage, config: { ...baseConfig, ...overrides }, pollMs: 100, leaseSeconds: 30, ffmpegThreads: 2, logger: quiet });
}

let media: MediaWorkspace;
let clip: string;
beforeAll(async () => {
  media = await MediaWorkspace.create();
  clip = await media.video({ seconds: 6, width: 640, height: 360, slideSeconds: 2 });
});
afterAll(async () => media?.dispose());

async function expectCompletePackage(rig: Rig, lectureId: string) {
  const lecture = await lectureRow(rig, lectureId);
  expect(lecture.status).toBe('ready');
  expect(lecture.packagePrefix).toMatch(new RegExp(`^lectures/${lectureId}/[0-9a-f]{16}/$`));
  expect(lecture.durationSeconds).toBeGreaterThan(5);
  expect(lecture.durationSeconds).toBeLessThan(7);
  const [job] = await rig.database.db.select().from(transcodeJobs).where(eq(transcodeJobs.lectureId, lectureId));
  const summary = job!.result as { files: string[] };
  const stored = new Set((await rig.storage.list(lecture.packagePrefix!)).map((o) => o.key.slice(lecture.packagePrefix!.length)));
  for (const file of summary.files) expect(stored, file).toContain(file);
  expect(stored).toContain('master.m3u8');
  expect(stored).toContain('audio.m3u8');
  const master = await rig.storage.get(`${lecture.packagePrefix}master.m3u8`);
  let text = '';
  for await (const chunk of master.body) text += chunk.toString();
  expect(text).toContain('#EXT-X-STREAM-INF');
  return lecture;
}

for (const driver of ['local', 's3'] as const) {
  describe(`worker on ${driver} storage`, () => {
    let rig: Rig;
    let worker: Worker;
    let s3: TestS3 | undefined;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-worker-'));
      let storage: Storage;
      if (driver === 's3') {
        s3 = await startTestS3();
        storage = new S3Storage(s3.config);
      } else {
        storage = new LocalStorage({ root: dir, secret: 'x'.repeat(32), publicUrl: 'http://127.0.0.1' });
      }
      rig = await makeRig(storage);
      worker = workerFor(rig);
    });
    afterAll(async () => {
      await worker?.stop();
      await rig?.database.drop();
      await s3?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('turns a queued source into a ready lecture with a complete package, and a replacement switches packages', async () => {
      const lectureId = await newLecture(rig);
      const first = await waitForJob(rig, await queueFile(rig, lectureId, clip));
      expect(first.status).toBe('done');
      expect(first.progress).toBe(100);
      expect(first.attempts).toBe(1);
      const v1 = await expectCompletePackage(rig, lectureId);

      // a new upload for the same lecture: it keeps playing v1 until v2 is published, then v1 is gone
      const secondJob = await queueFile(rig, lectureId, clip);
      expect((await lectureRow(rig, lectureId)).status).toBe('ready');
      expect((await waitForJob(rig, secondJob)).status).toBe('done');
      const v2 = await expectCompletePackage(rig, lectureId);
      expect(v2.packagePrefix).not.toBe(v1.packagePrefix);
      // the old package is deleted right after the switch (after the job shows done)
      await expect.poll(async () => (await rig.storage.list(v1.packagePrefix!)).length, { timeout: 10_000 }).toBe(0);
      const all = await rig.storage.list(`lectures/${lectureId}/`);
      expect(all.every((o) => o.key.startsWith(v2.packagePrefix!))).toBe(true);
    });

    it('shares the queue between several workers: every job done once', async () => {
      const helper = workerFor(rig);
      try {
        const lectureIds: string[] = [];
        for (const i of [1, 2, 3]) lectureIds.push(await newLecture(rig, `并行 ${i}`));
        const jobIds = await Promise.all(lectureIds.map((id) => queueFile(rig, id, clip)));
        const jobs = await Promise.all(jobIds.map((id) => waitForJob(rig, id)));
        expect(jobs.map((j) => [j.status, j.attempts])).toEqual(jobs.map(() => ['done', 1]));
        for (const id of lectureIds) await expectCompletePackage(rig, id);
      } finally {
        await helper.stop();
      }
    });

    it('createReadyLecture (the helper other tests use) publishes a real package through the same path', async () => {
      // this rig's worker keeps polling the same queue: the helper's job must not go to it
      const server = { deps: { db: rig.database.db, storage: rig.storage }, demo: rig.demo };
      const a = await createReadyLecture(server, { seconds: 6 });
      const b = await createReadyLecture(server, { seconds: 6 }); // from the cache
      for (const id of [a, b]) {
        const lecture = await lectureRow(rig, id);
        expect(lecture.status).toBe('ready');
        expect(lecture.courseId).toBe(rig.demo.courseId);
        expect(await rig.storage.head(`${lecture.packagePrefix}master.m3u8`)).not.toBeNull();
        expect(await rig.storage.head(`${lecture.packagePrefix}audio.m3u8`)).not.toBeNull();
      }
    });
  });
}

describe('worker on bad input', () => {
  let rig: Rig;
  let worker: Worker;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-worker-bad-'));
    rig = await makeRig(new LocalStorage({ root: dir, secret: 'x'.repeat(32), publicUrl: 'http://127.0.0.1' }));
    worker = workerFor(rig);
  });
  afterAll(async () => {
    await worker?.stop();
    await rig?.database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, () => Promise<string>, MediaRejectionCode[]][] = [
    ['a zero-length file', () => media.zeroBytes(), ['empty_file']],
    ['a text file named .mp4', () => media.textAsMp4(), ['not_media']],
    ['an mp4 cut in half (index at the end)', () => media.truncatedMp4(), ['truncated']],
    ['a fast-start mp4 cut in half (index present, data missing)', () => media.truncatedFastStartMp4(), ['truncated']],
    ['a file with neither picture nor sound', () => media.subtitlesOnly(), ['no_audio_and_no_video']],
  ];

  for (const [name, make, codes] of cases) {
    it(`fails the lecture with a reason for ${name}`, async () => {
      const lectureId = await newLecture(rig, name);
      const job = await waitForJob(rig, await queueFile(rig, lectureId, await make()));
      expect(job.status).toBe('failed');
      expect(job.attempts).toBe(1); // not retried: the same bytes fail the same way
      const lecture = await lectureRow(rig, lectureId);
      expect(lecture.status).toBe('failed');
      expect(codes).toContain(lecture.failureCode);
      const reason = REJECTION_REASONS[lecture.failureCode as MediaRejectionCode];
      expect(lecture.failureReasonZh).toBe(reason['zh-CN']);
      expect(lecture.failureReasonEn).toBe(reason.en);
      expect(lecture.packagePrefix).toBeNull();
      expect(await rig.storage.list(`lectures/${lectureId}/`)).toEqual([]);
    });
  }

  it('rejects recordings longer or larger than the configured limits', async () => {
    const strict = startWorker({ db: rig.database.db, storage: rig.storage, config: { ...baseConfig, maxDurationSeconds: 3 }, pollMs: 100, leaseSeconds: 30, logger: quiet });
    await worker.stop(); // only the strict worker takes these jobs
    try {
      const long = await newLecture(rig, 'too long');
      await waitForJob(rig, await queueFile(rig, long, clip));
      const l = await lectureRow(rig, long);
      expect(l).toMatchObject({ status: 'failed', failureCode: 'too_long', failureReasonZh: REJECTION_REASONS.too_long['zh-CN'], failureReasonEn: REJECTION_REASONS.too_long.en });
    } finally {
      await strict.stop();
    }
    const tiny = startWorker({ db: rig.database.db, storage: rig.storage, config: { ...baseConfig, maxUploadBytes: (await stat(clip)).size - 1 }, pollMs: 100, leaseSeconds: 30, logger: quiet });
    try {
      const big = await newLecture(rig, 'too large');
      await waitForJob(rig, await queueFile(rig, big, clip));
      expect(await lectureRow(rig, big)).toMatchObject({ status: 'failed', failureCode: 'too_large', failureReasonEn: REJECTION_REASONS.too_large.en });
    } finally {
      await tiny.stop();
    }
    worker = workerFor(rig);
  });

  it('keeps working after all that: an audio-only recording becomes a ready audio package', async () => {
    const lectureId = await newLecture(rig, 'voice memo');
    const job = await waitForJob(rig, await queueFile(rig, lectureId, await media.audioOnly(5)));
    expect(job.status).toBe('done');
    const lecture = await lectureRow(rig, lectureId);
    expect(lecture.status).toBe('ready');
    const keys = (await rig.storage.list(lecture.packagePrefix!)).map((o) => o.key.slice(lecture.packagePrefix!.length));
    expect(keys).toContain('audio.m3u8');
    expect(keys).toContain('master.m3u8');
  });
});
