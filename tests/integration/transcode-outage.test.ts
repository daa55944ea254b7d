/**
 * Transcode jobs that outlast a storage outage (issue 10, "Must show"), with real ffmpeg, the
 * API on the default database and an s3rver that goes down and comes back on the same port and
 * folder (tests/helpers/s3-outage.ts):
 *
 * - storage down 60 s during a transcode: the job records that it waits for storage, spends no
 *   attempt, and the lecture is ready once storage is back; nothing the trainer can read carries
 *   the store's address. Storage goes down when ffmpeg has finished and the package is about to
 *   go up (the worker's storage holds its first upload until the test has stopped s3rver), so the
 *   order of events does not depend on how fast this machine transcodes;
 * - an outage longer than the worker's limit (shortened here to 3 s) fails the lecture with a
 *   reason the trainer can act on (no address either); once storage is back, "Retry
 *   transcoding" through the API makes it ready.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReadStream } from 'node:fs';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { signedInClient, type TestClient } from '../helpers/http.ts';
import { MediaWorkspace } from '../helpers/media.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { startRestartableS3, type RestartableS3 } from '../helpers/s3-outage.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { transcodingServiceOver, sourceKey } from '../../server/transcoding/service.ts';
import { lectures, transcodeJobs } from '../../server/db/schema/index.ts';
import { startWorker, type Worker, type WorkerLogger } from '../../transcoder/worker.ts';
import type { Storage } from '../../server/storage/types.ts';

vi.setConfig({ testTimeout: 600_000, hookTimeout: 180_000 });

const OUTAGE_MS = 60_000;

describe('transcode jobs and a storage outage (s3rver)', () => {
  let s3: RestartableS3;
  let server: TestServer;
  let media: MediaWorkspace;
  let trainer: TestClient;
  const workers: Worker[] = [];
  const logs: { level: string; msg?: string; fields: object }[] = [];
  const logger: WorkerLogger = {
    info: (fields, msg) => logs.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => logs.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => logs.push({ level: 'error', msg, fields }),
  };

  beforeAll(async () => {
    s3 = await startRestartableS3();
    server = await startTestServer({ config: { s3: s3.config } });
    expect(server.deps.storage.driver).toBe('s3');
    media = await MediaWorkspace.create();
    trainer = await signedInClient(server.baseUrl, 'trainer', 'lectern-demo');
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.close();
    await s3?.close();
    await media?.dispose();
  });

  /** Everything in `text` that would tell a trainer where the store is. */
  function addressesIn(text: string): string[] {
    const { host, port } = new URL(s3.endpoint);
    return [host, `:${port}`, String(port), s3.endpoint, s3.bucket, 'ECONNREFUSED', 'localhost'].filter((needle) => text.includes(needle));
  }

  async function queueClip(file: string, title: string): Promise<{ lectureId: string; jobId: string }> {
    const { db, storage } = server.deps;
    const catalog = new CatalogRepository(db);
    const courseId = server.demo!.draftCourseId;
    const lecture = await catalog.insertLecture({ courseId, position: await catalog.nextLecturePosition(courseId), title, status: 'uploading' });
    const sourceId = crypto.randomUUID();
    const key = sourceKey(lecture.id, sourceId);
    await storage.put(key, createReadStream(file), { contentType: 'video/mp4' });
    const service = transcodingServiceOver(db, storage);
    const job = await db.transaction((tx) => service.enqueueSource(tx, { id: sourceId, lectureId: lecture.id, storageKey: key, bytes: 1, originalName: 'outage.mp4' }));
    return { lectureId: lecture.id, jobId: job.id };
  }

  async function jobRow(jobId: string) {
    const [row] = await server.deps.db.select().from(transcodeJobs).where(eq(transcodeJobs.id, jobId));
    return row!;
  }
  async function lectureRow(lectureId: string) {
    const [row] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
    return row!;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 400_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker log:\n${logs.slice(-20).map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields)}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  function worker(overrides: Partial<Parameters<typeof startWorker>[0]> = {}): Worker {
    const w = startWorker({ db: server.deps.db, storage: server.deps.storage, config: server.deps.config, pollMs: 200, ffmpegThreads: 1, logger, ...overrides });
    workers.push(w);
    return w;
  }

  /**
   * The real storage, except that the first upload waits until `release()`: the test stops
   * s3rver in between, so the upload meets the outage. Everything else goes straight through.
   */
  function holdFirstUpload(real: Storage): { storage: Storage; reached: Promise<void>; release: () => void } {
    let reachedUpload!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (reachedUpload = r));
    const gate = new Promise<void>((r) => (release = r));
    const storage = new Proxy(real, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'put' && prop !== 'putFile') return value.bind(target);
        return async (...args: unknown[]) => {
          reachedUpload();
          await gate;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { storage, reached, release };
  }

  it('waits out 60 s of storage down during a transcode without spending an attempt, and ends ready', async () => {
    const clip = await media.video({ seconds: 6, width: 640, height: 360 });
    const { lectureId, jobId } = await queueClip(clip, '存储中断');
    const held = holdFirstUpload(server.deps.storage);
    const w = worker({ storage: held.storage });

    await held.reached; // ffmpeg is done, the package is about to go up
    expect((await jobRow(jobId)).status).toBe('running');
    await s3.stop();
    const down = Date.now();
    held.release();

    // the job hits the outage when it uploads the package, and says so on its row
    const waiting = await until('the job to wait for storage', async () => {
      const j = await jobRow(jobId);
      if (j.status === 'failed') throw new Error(`job failed during the outage: ${j.errorCode} ${j.errorReason}`);
      return j.errorCode === 'storage_unavailable' ? j : undefined;
    });
    const hit = Date.now();
    expect(waiting).toMatchObject({ status: 'running', attempts: 1 });
    expect(waiting.waitingSince).not.toBeNull();

    // what the trainer reads meanwhile names no address
    const status = await trainer.expectStatus(200, teachApi(trainer).transcode(lectureId));
    expect(addressesIn(JSON.stringify(status))).toEqual([]);
    // …and tells the trainer it is waiting for storage, not stuck
    expect(status.job!.waitingForStorageSince).not.toBeNull();
    expect(addressesIn(JSON.stringify(waiting))).toEqual([]);
    expect((await lectureRow(lectureId)).status).toBe('processing');
    // the operator's log has the detail
    expect(logs.some((l) => l.level === 'warn' && /storage unreachable/.test(l.msg ?? '') && JSON.stringify(l.fields).includes('ECONNREFUSED'))).toBe(true);

    // keep storage down for the outage, then bring it back on the same port and folder
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - hit))));
    expect((await jobRow(jobId)).status).toBe('running'); // still waiting, still its first attempt
    await s3.start();
    const up = Date.now();

    const done = await until('the lecture to be ready', async () => {
      const j = await jobRow(jobId);
      if (j.status === 'failed') throw new Error(`job failed after the outage: ${j.errorCode} ${j.errorReason}`);
      return j.status === 'done' ? j : undefined;
    });
    const ready = Date.now();
    expect(done.attempts).toBe(1);
    expect(done.waitingSince).toBeNull();
    const lecture = await lectureRow(lectureId);
    expect(lecture.status).toBe('ready');
    const keys = (await server.deps.storage.list(lecture.packagePrefix!)).map((o) => o.key);
    expect(keys).toContain(`${lecture.packagePrefix}master.m3u8`);
    console.log(
      `[transcode-outage] storage down ${((hit - down) / 1000).toFixed(1)} s before the job hit it, kept down ${((up - hit) / 1000).toFixed(1)} s; ` +
        `ready ${((ready - up) / 1000).toFixed(1)} s after storage came back (attempts: ${done.attempts})`,
    );
    await w.stop();
  });

  it('fails a lecture whose storage stays down past the limit with a reason without addresses, and Retry makes it ready', async () => {
    const clip = await media.video({ seconds: 4, width: 640, height: 360 });
    const { lectureId, jobId } = await queueClip(clip, '存储长时间中断');
    await s3.stop();
    const impatient = worker({ outageLimitSeconds: 3, outageRetrySeconds: 1 });

    const failed = await until('the lecture to fail', async () => {
      const l = await lectureRow(lectureId);
      return l.status === 'failed' ? l : undefined;
    });
    await impatient.stop();
    expect(failed.failureCode).toBe('storage_unavailable');
    expect(failed.failureReasonEn).toContain('Retry transcoding');
    expect(failed.failureReasonZh).toContain('重新转码');
    for (const text of [failed.failureReasonEn ?? '', failed.failureReasonZh ?? '', JSON.stringify(await jobRow(jobId))]) expect(addressesIn(text)).toEqual([]);
    const status = await trainer.expectStatus(200, teachApi(trainer).transcode(lectureId));
    expect(addressesIn(JSON.stringify(status))).toEqual([]);
    expect(status).toMatchObject({ lectureStatus: 'failed', failure: { code: 'storage_unavailable' }, job: { status: 'failed', error: { code: 'storage_unavailable' } } });

    // storage is back; the trainer retries from the stored recording
    await s3.start();
    const answer = await trainer.expectStatus(202, teachApi(trainer).retryTranscode(lectureId));
    expect(answer.lectureStatus).toBe('processing');
    expect(answer.jobId).not.toBe(jobId);
    worker();
    const done = await until('the retried job to finish', async () => {
      const j = await jobRow(answer.jobId);
      if (j.status === 'failed') throw new Error(`retried job failed: ${j.errorCode}`);
      return j.status === 'done' ? j : undefined;
    });
    expect(done.attempts).toBe(1);
    expect((await lectureRow(lectureId)).status).toBe('ready');
  });
});
