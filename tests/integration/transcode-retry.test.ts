/**
 * "Retry transcoding" (POST /api/lectures/:lectureId/transcode/retry) on each database backend,
 * with local storage and real ffmpeg: a failed lecture is transcoded again from its stored
 * source and becomes ready; who may do it (trainer or administrator of the course's organization
 * or above; 403 otherwise); the audit entry written with the new job; the 409s (in progress,
 * nothing to retry, source gone — retention or storage); a failed replacement retried while the
 * lecture keeps playing its old package.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReadStream } from 'node:fs';
import { eq } from 'drizzle-orm';
import { availableBackends } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, signedInClient, type TestClient } from '../helpers/http.ts';
import { MediaWorkspace } from '../helpers/media.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { AuthService } from '../../server/auth/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { TranscodingService, transcodingServiceOver, sourceKey } from '../../server/transcoding/service.ts';
import { retriesExhaustedReason } from '../../server/transcoding/reasons.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';
import { auditLog, lectures, transcodeJobs } from '../../server/db/schema/index.ts';
import { startWorker, type Worker } from '../../transcoder/worker.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const PASSWORD = 'lectern-demo';
const quiet = { info: () => {}, warn: () => {}, error: (o: object, m?: string) => console.error(m, o) };

for (const backend of availableBackends()) {
  describe(`retrying a failed transcode on ${backend}`, () => {
    let server: TestServer;
    let media: MediaWorkspace;
    let clip: string;
    let service: TranscodingService;
    let trainer: TestClient;
    let admin: TestClient;
    let adminSc: TestClient;
    let trainerSc: TestClient;
    let lawyer: TestClient;
    let worker: Worker | undefined;

    beforeAll(async () => {
      server = await startTestServer({ backend });
      media = await MediaWorkspace.create();
      clip = await media.video({ seconds: 4, width: 640, height: 360 });
      service = transcodingServiceOver(server.deps.db, server.deps.storage);
      const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 100 });
      const user = await auth.createUser({ login: 'trainer-sc', name: '四川讲师', password: PASSWORD, organizationId: server.demo!.sichuan, licenseNo: null });
      await new AuthRepository(server.deps.db).grantRole(user.id, server.demo!.sichuan, 'trainer');
      const login = (name: string) => signedInClient(server.baseUrl, name, PASSWORD);
      [trainer, admin, adminSc, trainerSc, lawyer] = await Promise.all([login('trainer'), login('admin'), login('admin-sc'), login('trainer-sc'), login('lawyer')]);
    });
    afterAll(async () => {
      await worker?.stop();
      await server?.close();
      await media?.dispose();
    });

    /** A lecture of the demo course (national) whose transcode failed for a reason that is not the file's. */
    async function failedLecture(title = '重试测试'): Promise<{ lectureId: string; jobId: string; sourceId: string }> {
      const { db, storage } = server.deps;
      const catalog = new CatalogRepository(db);
      const courseId = server.demo!.draftCourseId;
      const lecture = await catalog.insertLecture({ courseId, position: await catalog.nextLecturePosition(courseId), title, status: 'uploading' });
      const sourceId = crypto.randomUUID();
      const key = sourceKey(lecture.id, sourceId);
      await storage.put(key, createReadStream(clip), { contentType: 'video/mp4' });
      const job = await db.transaction(async (tx) => {
        const queued = await service.enqueueSource(tx, { id: sourceId, lectureId: lecture.id, storageKey: key, bytes: 1 });
        // claimed in the same transaction: no worker polling this database sees it free
        if (!(await new TranscodeJobsRepository(tx).claim('test-failer', 60, { jobId: queued.id }))) throw new Error('could not claim');
        return queued;
      });
      expect(await service.reject({ jobId: job.id, workerId: 'test-failer', lectureId: lecture.id, failure: retriesExhaustedReason(5) })).toBe(true);
      return { lectureId: lecture.id, jobId: job.id, sourceId };
    }

    const retry = (client: TestClient, lectureId: string) => teachApi(client).retryTranscode(lectureId);
    /** status, machine code and message of a refused retry */
    const refused = async (call: Promise<unknown>) => {
      const error = await errorOf(call);
      return { status: error.status, code: error.code, message: error.message };
    };
    const lectureRow = async (id: string) => (await server.deps.db.select().from(lectures).where(eq(lectures.id, id)))[0]!;
    const jobRow = async (id: string) => (await server.deps.db.select().from(transcodeJobs).where(eq(transcodeJobs.id, id)))[0]!;

    async function finished(jobId: string) {
      const deadline = Date.now() + 240_000;
      for (;;) {
        const j = await jobRow(jobId);
        if (j.status === 'done' || j.status === 'failed') return j;
        if (Date.now() > deadline) throw new Error(`job ${jobId} still ${j.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    it('transcodes a failed lecture again from its stored source: failed → retry → ready, audit-logged', async () => {
      const { lectureId, jobId, sourceId } = await failedLecture();
      const before = await teachApi(trainer).transcode(lectureId);
      expect(before).toMatchObject({ lectureStatus: 'failed', failure: { code: 'transcode_error' }, job: { id: jobId, status: 'failed' } });

      const body = await trainer.expectStatus(202, retry(trainer, lectureId));
      expect(body).toMatchObject({ lectureId, lectureStatus: 'processing' });
      const queued = await jobRow(body.jobId);
      expect(queued).toMatchObject({ status: 'queued', sourceId, attempts: 0, maxAttempts: 5 });
      expect(await lectureRow(lectureId)).toMatchObject({ status: 'processing', failureCode: null, failureReasonEn: null });

      // a second press while it is queued
      expect(await refused(retry(trainer, lectureId))).toMatchObject({ status: 409, code: 'transcode_in_progress' });

      // the audit entry, in the course organization's log
      const entries = await server.deps.db.select().from(auditLog).where(eq(auditLog.targetId, lectureId));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: 'lecture.transcode_retried', targetType: 'lecture', organizationId: server.demo!.national, actorId: server.demo!.users.trainer });
      expect(entries[0]!.before).toMatchObject({ status: 'failed', jobId, failureCode: 'transcode_error' });
      expect(entries[0]!.after).toMatchObject({ status: 'processing', jobId: body.jobId, sourceId });
      const log = await admin.expectStatus(200, admin.auditLog(server.demo!.national));
      expect(log.items).toContainEqual(expect.objectContaining({ action: 'lecture.transcode_retried', targetId: lectureId }));

      worker = startWorker({ db: server.deps.db, storage: server.deps.storage, config: server.deps.config, pollMs: 100, ffmpegThreads: 2, logger: quiet });
      const done = await finished(body.jobId);
      expect(done.status).toBe('done');
      expect(await lectureRow(lectureId)).toMatchObject({ status: 'ready', failureCode: null });
      await worker.stop();
      worker = undefined;

      // ready now: nothing to retry
      expect(await refused(retry(trainer, lectureId))).toMatchObject({ status: 409, code: 'nothing_to_retry' });
    });

    it('lets a trainer or an administrator of the organization or above retry, and no one else', async () => {
      const { lectureId } = await failedLecture('权限');
      for (const [who, client] of [
        ['lawyer', lawyer],
        ['Sichuan admin (below the course organization)', adminSc],
        ['Sichuan trainer', trainerSc],
      ] as const) {
        expect(await refused(retry(client, lectureId)), who).toMatchObject({ status: 403, code: 'forbidden' });
      }
      expect((await refused(retry(createTestClient(server.baseUrl), lectureId))).status).toBe(401);
      expect((await lectureRow(lectureId)).status).toBe('failed');
      // the national administrator may
      await admin.expectStatus(202, retry(admin, lectureId));
      expect((await server.deps.db.select().from(auditLog).where(eq(auditLog.targetId, lectureId)))[0]).toMatchObject({ actorId: server.demo!.users.admin });

      expect((await refused(retry(trainer, crypto.randomUUID()))).status).toBe(404);
      // a malformed id: raw
      expect((await trainer.raw('POST', '/api/lectures/not-a-uuid/transcode/retry', {})).status).toBe(400);
    });

    it('answers 409 source_missing when the recording is gone, by retention or from storage', async () => {
      const retained = await failedLecture('保留期');
      await service.jobs.markOriginalDeleted(retained.sourceId, new Date());
      const answer = await refused(retry(trainer, retained.lectureId));
      expect(answer).toMatchObject({ status: 409, code: 'source_missing' });
      expect(answer.message).toContain('Upload the recording again');

      const vanished = await failedLecture('存储丢失');
      await server.deps.storage.deletePrefix(`sources/${vanished.lectureId}/`);
      expect(await refused(retry(trainer, vanished.lectureId))).toMatchObject({ status: 409, code: 'source_missing' });
      // nothing was queued, nothing was logged
      expect(await server.deps.db.select().from(auditLog).where(eq(auditLog.targetId, vanished.lectureId))).toEqual([]);
      expect((await lectureRow(vanished.lectureId)).status).toBe('failed');
    });

    it('a job whose source is gone fails with a reason that says to upload again', async () => {
      const { db, storage } = server.deps;
      const catalog = new CatalogRepository(db);
      const courseId = server.demo!.draftCourseId;
      const lecture = await catalog.insertLecture({ courseId, position: await catalog.nextLecturePosition(courseId), title: '无源', status: 'uploading' });
      const sourceId = crypto.randomUUID();
      const job = await db.transaction((tx) => service.enqueueSource(tx, { id: sourceId, lectureId: lecture.id, storageKey: sourceKey(lecture.id, sourceId), bytes: 1 }));
      expect(await storage.head(sourceKey(lecture.id, sourceId))).toBeNull();
      worker = startWorker({ db, storage, config: server.deps.config, pollMs: 100, logger: quiet });
      const failed = await finished(job.id);
      await worker.stop();
      worker = undefined;
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'source_missing', attempts: 1 });
      const row = await lectureRow(lecture.id);
      expect(row).toMatchObject({ status: 'failed', failureCode: 'source_missing' });
      expect(row.failureReasonEn).toContain('Upload the recording again');
      expect((await refused(retry(trainer, lecture.id))).code).toBe('source_missing');
    });

    it('retries a failed replacement while the lecture keeps playing its old package', async () => {
      const lectureId = await createReadyLecture(server, { seconds: 4, courseId: server.demo!.draftCourseId });
      const old = await lectureRow(lectureId);
      const { db, storage } = server.deps;
      const sourceId = crypto.randomUUID();
      const key = sourceKey(lectureId, sourceId);
      await storage.put(key, createReadStream(clip));
      const job = await db.transaction(async (tx) => {
        const queued = await service.enqueueSource(tx, { id: sourceId, lectureId, storageKey: key, bytes: 1 });
        await new TranscodeJobsRepository(tx).claim('test-failer', 60, { jobId: queued.id });
        return queued;
      });
      await service.reject({ jobId: job.id, workerId: 'test-failer', lectureId, failure: retriesExhaustedReason(5) });
      expect((await lectureRow(lectureId)).status).toBe('ready');

      const answer = await trainer.expectStatus(202, retry(trainer, lectureId));
      expect(answer).toMatchObject({ lectureStatus: 'ready' });
      expect((await lectureRow(lectureId)).packagePrefix).toBe(old.packagePrefix);
      worker = startWorker({ db, storage, config: server.deps.config, pollMs: 100, ffmpegThreads: 2, logger: quiet });
      const done = await finished(answer.jobId);
      await worker.stop();
      worker = undefined;
      expect(done.status).toBe('done');
      const now = await lectureRow(lectureId);
      expect(now.status).toBe('ready');
      expect(now.packagePrefix).not.toBe(old.packagePrefix);
    });
  });
}
