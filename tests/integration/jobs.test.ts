/**
 * The transcode jobs repository on each database backend: claiming with SKIP LOCKED, leases on
 * the database clock, take-over after a lease runs out, the attempt limit, retry back-off and
 * superseded jobs. No ffmpeg here: the worker has its own tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { availableBackends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seedDemo, type DemoIds } from '../../server/demo/seed.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';
import { TranscodingService, transcodingServiceOver } from '../../server/transcoding/service.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { lectures, transcodeJobs } from '../../server/db/schema/index.ts';
import { LocalStorage } from '../../server/storage/local.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of availableBackends()) {
  describe(`transcode jobs on ${backend}`, () => {
    let database: TestDatabase;
    let demo: DemoIds;
    let repo: TranscodeJobsRepository;
    let service: TranscodingService;
    let catalog: CatalogRepository;
    let storageDir: string;

    beforeAll(async () => {
      database = await createTestDatabase(backend);
      demo = await seedDemo(database.db);
      repo = new TranscodeJobsRepository(database.db);
      storageDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-jobs-'));
      service = transcodingServiceOver(database.db, new LocalStorage({ root: storageDir, secret: 'x'.repeat(32), publicUrl: 'http://127.0.0.1' }));
      catalog = new CatalogRepository(database.db);
    });
    afterAll(async () => {
      await database?.drop();
      if (storageDir) await rm(storageDir, { recursive: true, force: true });
    });

    /** A fresh lecture with a queued job. */
    async function queuedJob(maxAttempts?: number) {
      const lecture = await catalog.insertLecture({ courseId: demo.draftCourseId, position: await catalog.nextLecturePosition(demo.draftCourseId), title: 't', status: 'uploading' });
      const job = await database.db.transaction(async (tx) => {
        const source = await repo.insertSource(tx, { lectureId: lecture.id, storageKey: `sources/${lecture.id}/x/original`, bytes: 10 });
        return repo.enqueue(tx, { lectureId: lecture.id, sourceId: source.id, maxAttempts });
      });
      return { lecture, job };
    }

    async function drainQueue() {
      // earlier tests may leave claimable jobs; take them out of the way
      await database.db.update(transcodeJobs).set({ status: 'done' }).where(eq(transcodeJobs.status, 'queued'));
      await database.db.update(transcodeJobs).set({ status: 'done' }).where(eq(transcodeJobs.status, 'running'));
    }

    it('gives a queued job to exactly one of several claimers, with a lease on the database clock', async () => {
      await drainQueue();
      const { job } = await queuedJob();
      const claims = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => repo.claim(w, 30)));
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(1);
      expect(won[0]!.id).toBe(job.id);
      expect(won[0]!.status).toBe('running');
      expect(won[0]!.attempts).toBe(1);
      const lease = won[0]!.leaseExpiresAt!.getTime() - Date.now();
      expect(lease).toBeGreaterThan(20_000);
      expect(lease).toBeLessThan(40_000);
      expect(await repo.claim('w5', 30)).toBeNull();
    });

    it('lets only the holder renew the lease and record progress', async () => {
      await drainQueue();
      await queuedJob();
      const claimed = (await repo.claim('holder', 30))!;
      expect(await repo.renew(claimed.id, 'holder', 30, 42.7)).toBe(true);
      expect(await repo.renew(claimed.id, 'intruder', 30, 90)).toBe(false);
      expect(await repo.renew(claimed.id, 'holder', 30, 10)).toBe(true); // progress never goes back
      const row = (await repo.find(claimed.id))!;
      expect(row.progress).toBe(42);
      expect(row.leaseOwner).toBe('holder');
    });

    it('hands a job whose lease ran out to another worker, and the old holder loses it', async () => {
      await drainQueue();
      const { lecture } = await queuedJob();
      const first = (await repo.claim('dead-worker', 1))!;
      expect(await repo.claim('other', 30)).toBeNull(); // lease still running
      await sleep(1500);
      const second = (await repo.claim('other', 30))!;
      expect(second.id).toBe(first.id);
      expect(second.attempts).toBe(2);
      expect(second.leaseOwner).toBe('other');
      expect(await repo.renew(first.id, 'dead-worker', 30, 50)).toBe(false);
      // the stale holder cannot publish
      const published = await service.publish({ jobId: first.id, workerId: 'dead-worker', lectureId: lecture.id, prefix: `lectures/${lecture.id}/stale/`, pkg: { files: ['master.m3u8'], durationSeconds: 10 } });
      expect(published).toBe(false);
      expect((await catalog.findLecture(lecture.id))!.status).not.toBe('ready');
      // the new holder can
      const ok = await service.publish({ jobId: second.id, workerId: 'other', lectureId: lecture.id, prefix: `lectures/${lecture.id}/fresh/`, pkg: { files: ['master.m3u8'], durationSeconds: 10 } });
      expect(ok).toBe(true);
      const ready = (await catalog.findLecture(lecture.id))!;
      expect(ready.status).toBe('ready');
      expect(ready.packagePrefix).toBe(`lectures/${lecture.id}/fresh/`);
      expect(ready.durationSeconds).toBe(10);
      expect((await repo.find(second.id))!.status).toBe('done');
    });

    it('fails the job and its lecture once every attempt was interrupted', async () => {
      await drainQueue();
      const { lecture, job } = await queuedJob(2);
      expect((await repo.claim('a', 1))!.attempts).toBe(1);
      await sleep(1200);
      expect((await repo.claim('b', 1))!.attempts).toBe(2);
      await sleep(1200);
      expect(await repo.claim('c', 30)).toBeNull(); // attempts used up
      const failed = await repo.failAbandoned();
      expect(failed.map((j) => j.id)).toContain(job.id);
      const row = (await repo.find(job.id))!;
      expect(row.status).toBe('failed');
      expect(row.errorCode).toBe('transcode_interrupted');
      const l = (await catalog.findLecture(lecture.id))!;
      expect(l.status).toBe('failed');
      expect(l.failureCode).toBe('transcode_interrupted');
      expect(l.failureReasonZh).toContain('转码多次中断');
      expect(l.failureReasonEn).toContain('Transcoding was interrupted 2 times');
      expect(await repo.failAbandoned()).toHaveLength(0);
    });

    it('puts a job that hit a passing error back in the queue after a pause, and fails it when attempts run out', async () => {
      await drainQueue();
      const { lecture, job } = await queuedJob(2);
      await repo.claim('w', 30);
      expect(await repo.releaseForRetry(job.id, 'someone-else', { backoffSeconds: 1 })).toBeNull();
      expect(await repo.releaseForRetry(job.id, 'w', { backoffSeconds: 1 })).toBe('retry');
      expect(await repo.claim('w', 30)).toBeNull(); // backing off
      await sleep(1500);
      const again = (await repo.claim('w', 30))!;
      expect(again.attempts).toBe(2);
      expect(await repo.releaseForRetry(job.id, 'w', { backoffSeconds: 1 })).toBe('failed');
      const l = (await catalog.findLecture(lecture.id))!;
      expect(l.status).toBe('failed');
      expect(l.failureCode).toBe('transcode_error');
      // a fixed sentence the trainer can act on; the error's own words (hosts, paths) stay in the log
      expect(l.failureReasonEn).toContain('after 2 attempts');
      expect(l.failureReasonEn).toContain('Retry transcoding');
      expect(l.failureReasonZh).toContain('重新转码');
    });

    it('backs off exponentially between attempts by default', async () => {
      await drainQueue();
      const { job } = await queuedJob(4);
      await repo.claim('w', 30);
      expect(await repo.releaseForRetry(job.id, 'w')).toBe('retry');
      const row = (await repo.find(job.id))!;
      // attempt 1 failed → 15 s (on the database clock; a generous window for a loaded machine)
      const notBefore = row.leaseExpiresAt!.getTime() - Date.now();
      expect(notBefore).toBeGreaterThan(5_000);
      expect(notBefore).toBeLessThan(25_000);
      expect(row.errorReason).not.toMatch(/\d+\.\d+\.\d+\.\d+|:\d{2,5}\b/);
    });

    it('records a wait for storage without spending an attempt, and gives a take-over back to a holder that lost the database', async () => {
      await drainQueue();
      const { job } = await queuedJob(3);
      const claimed = (await repo.claim('holder', 30))!;
      expect(await repo.markWaiting(job.id, 'someone-else')).toBeNull();
      const first = (await repo.markWaiting(job.id, 'holder'))!;
      expect(first.waitedSeconds).toBeGreaterThanOrEqual(0);
      await sleep(1100);
      const second = (await repo.markWaiting(job.id, 'holder'))!;
      expect(second.waitedSeconds).toBeGreaterThan(first.waitedSeconds); // the wait's start is kept
      let row = (await repo.find(job.id))!;
      expect(row).toMatchObject({ status: 'running', attempts: claimed.attempts, errorCode: 'storage_unavailable' });
      expect(row.waitingSince).not.toBeNull();
      await repo.clearWaiting(job.id, 'holder');
      row = (await repo.find(job.id))!;
      expect(row).toMatchObject({ errorCode: null, waitingSince: null });

      // the holder's lease ran out while it could not reach the database; another worker took over
      await database.db.update(transcodeJobs).set({ leaseExpiresAt: new Date(Date.now() - 60_000) }).where(eq(transcodeJobs.id, job.id));
      expect(await repo.claim('other', 30, { takeOver: false })).toBeNull(); // a worker fresh from an outage waits
      const taken = (await repo.claim('other', 30))!;
      expect(taken.attempts).toBe(2);
      expect(await repo.refundAttempt(job.id, 'other')).toBe(false); // not by the new holder itself
      expect(await repo.refundAttempt(job.id, 'holder')).toBe(true);
      expect((await repo.find(job.id))!).toMatchObject({ attempts: 1, leaseOwner: 'other', status: 'running' });
    });

    it('supersedes an unfinished job when a newer source is queued for the same lecture', async () => {
      await drainQueue();
      const { lecture, job: old } = await queuedJob();
      const claimed = (await repo.claim('slow', 30))!;
      expect(claimed.id).toBe(old.id);
      const newer = await database.db.transaction(async (tx) => {
        const source = await repo.insertSource(tx, { lectureId: lecture.id, storageKey: 'sources/x/y/original', bytes: 10 });
        return repo.enqueue(tx, { lectureId: lecture.id, sourceId: source.id });
      });
      expect((await repo.find(old.id))!.status).toBe('failed');
      expect((await repo.find(old.id))!.errorCode).toBe('superseded');
      expect(await repo.renew(old.id, 'slow', 30, 50)).toBe(false);
      expect((await repo.latestFor([lecture.id])).get(lecture.id)!.id).toBe(newer.id);
      expect((await repo.claim('fresh', 30))!.id).toBe(newer.id);
    });

    it('gives a job back without spending an attempt on a graceful stop', async () => {
      await drainQueue();
      const { job } = await queuedJob();
      await repo.claim('stopping', 30);
      expect(await repo.giveBack(job.id, 'stopping')).toBe(true);
      const row = (await repo.find(job.id))!;
      expect(row.status).toBe('queued');
      expect(row.attempts).toBe(0);
      expect((await repo.claim('next', 30))!.id).toBe(job.id);
    });

    it('spreads many jobs over concurrent claimers without handing any out twice', async () => {
      await drainQueue();
      const jobs = [];
      for (let i = 0; i < 6; i++) jobs.push((await queuedJob()).job.id);
      const claimed: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (;;) {
            const job = await repo.claim(`worker-${w}`, 30);
            if (!job) return;
            claimed.push(job.id);
          }
        }),
      );
      expect(claimed.sort()).toEqual(jobs.sort());
    });

    it('finds seeded lectures that are processing without any job', async () => {
      const waiting = await repo.processingLecturesWithoutJob();
      expect(waiting).toContain(demo.lectureId);
      const [row] = await database.db.select({ status: lectures.status }).from(lectures).where(eq(lectures.id, demo.lectureId));
      expect(row!.status).toBe('processing');
    });
  });
}
