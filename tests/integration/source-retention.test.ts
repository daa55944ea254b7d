/**
 * Source retention (docs/jobs-and-uploads.md): the original of a lecture's current package is
 * kept; originals that failed, were superseded or were replaced by a newer published source are
 * deleted from storage SOURCE_RETENTION_DAYS after they stopped being needed, their media_sources
 * rows kept with a marker. Run on local storage and on s3rver, with an injected "now".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { mediaSources, transcodeJobs } from '../../server/db/schema/index.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { TranscodingService, transcodingServiceOver, newPackagePrefix, sourceKey } from '../../server/transcoding/service.ts';

const DAY = 24 * 3600 * 1000;
const RETENTION_DAYS = 30;
const WORKER = 'retention-test';

describe.each(['local', 's3'] as const)('source retention on %s storage', (driver) => {
  let server: TestServer;
  let s3: TestS3 | undefined;
  let transcoding: TranscodingService;

  beforeAll(async () => {
    if (driver === 's3') s3 = await startTestS3();
    server = await startTestServer({ config: s3 ? { s3: s3.config } : {} });
    expect(server.deps.storage.driver).toBe(driver);
    transcoding = transcodingServiceOver(server.deps.db, server.deps.storage);
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  async function newLecture(): Promise<string> {
    const catalog = new CatalogRepository(server.deps.db);
    const courseId = server.demo!.draftCourseId;
    const lecture = await catalog.insertLecture({ courseId, position: await catalog.nextLecturePosition(courseId), title: `保留 ${randomBytes(2).toString('hex')}`, status: 'uploading' });
    return lecture.id;
  }

  /** Stores an original and queues its job, as a finished upload does. */
  async function upload(lectureId: string): Promise<{ sourceId: string; jobId: string; key: string }> {
    const sourceId = randomUUID();
    const key = sourceKey(lectureId, sourceId);
    await server.deps.storage.put(key, randomBytes(2048), { contentType: 'video/mp4' });
    const job = await server.deps.db.transaction((tx) => transcoding.enqueueSource(tx, { id: sourceId, lectureId, storageKey: key, bytes: 2048 }));
    return { sourceId, jobId: job.id, key };
  }

  async function publish(lectureId: string, jobId: string): Promise<void> {
    expect(await transcoding.jobs.claim(WORKER, 60, { jobId })).toBeTruthy();
    const pkg = { files: ['master.m3u8'], durationSeconds: 10 };
    expect(await transcoding.publish({ jobId, workerId: WORKER, lectureId, prefix: newPackagePrefix(lectureId), pkg })).toBe(true);
  }

  async function fail(lectureId: string, jobId: string): Promise<void> {
    expect(await transcoding.jobs.claim(WORKER, 60, { jobId })).toBeTruthy();
    const failure = { code: 'not_media', reasonZh: '不是音视频文件。', reasonEn: 'This is not a media file.' };
    expect(await transcoding.reject({ jobId, workerId: WORKER, lectureId, failure })).toBe(true);
  }

  const stored = async (key: string) => (await server.deps.storage.head(key)) !== null;

  it('keeps the current source and unfinished ones, and deletes failed, superseded and replaced originals once their retention has passed', async () => {
    // Lecture A: replaced (published, then a newer one published), failed, superseded, current
    const a = await newLecture();
    const replaced = await upload(a);
    await transcoding.jobs.saveProbe(replaced.sourceId, { durationSeconds: 10, video: { width: 640, height: 360 } });
    await publish(a, replaced.jobId);
    // the replaced source was itself published long ago: its clock starts when it was replaced, not then
    await server.deps.db.update(transcodeJobs).set({ finishedAt: sql`now() - interval '40 days'` }).where(eq(transcodeJobs.id, replaced.jobId));
    const replacement = await upload(a);
    await publish(a, replacement.jobId);
    const failed = await upload(a);
    await fail(a, failed.jobId);
    const superseded = await upload(a);
    const current = await upload(a); // supersedes the one before
    await publish(a, current.jobId);

    // Lecture B: never became ready, its only upload failed
    const b = await newLecture();
    const onlyFailed = await upload(b);
    await fail(b, onlyFailed.jobId);

    // Lecture C: ready, with a newer upload still waiting for a worker
    const c = await newLecture();
    const playing = await upload(c);
    await publish(c, playing.jobId);
    const waiting = await upload(c);

    const retired = [replaced, replacement, failed, superseded, onlyFailed];
    const kept = [current, playing, waiting];
    for (const s of [...retired, ...kept]) expect(await stored(s.key)).toBe(true);

    // 29 days on: everything is still within its retention
    const early = await transcoding.sweepRetiredSources({ retentionDays: RETENTION_DAYS, asOf: new Date(Date.now() + 29 * DAY) });
    expect(early.deleted).toEqual([]);
    for (const s of [...retired, ...kept]) expect(await stored(s.key)).toBe(true);

    const late = await transcoding.sweepRetiredSources({ retentionDays: RETENTION_DAYS, asOf: new Date(Date.now() + 31 * DAY) });
    const ours = new Set([a, b, c]);
    expect(late.deleted.filter((d) => ours.has(d.lectureId)).map((d) => d.sourceId).sort()).toEqual(retired.map((s) => s.sourceId).sort());
    for (const s of retired) expect(await stored(s.key)).toBe(false);
    for (const s of kept) expect(await stored(s.key)).toBe(true);

    // the rows stay as evidence, marked; the probe they had is kept
    const rows = await server.deps.db.select().from(mediaSources).where(sql`${mediaSources.lectureId} in (${a}, ${b}, ${c})`);
    expect(rows).toHaveLength(retired.length + kept.length);
    const byId = new Map(rows.map((r) => [r.id, r.probe as Record<string, unknown> | null]));
    for (const s of retired) expect(byId.get(s.sourceId)).toMatchObject({ originalDeletedAt: expect.any(String) });
    for (const s of kept) expect(byId.get(s.sourceId)?.originalDeletedAt).toBeUndefined();
    expect(byId.get(replaced.sourceId)).toMatchObject({ durationSeconds: 10, video: { width: 640, height: 360 } });
    expect(Number.isNaN(Date.parse(byId.get(failed.sourceId)!.originalDeletedAt as string))).toBe(false);

    // a second sweep finds nothing more to do
    const again = await transcoding.sweepRetiredSources({ retentionDays: RETENTION_DAYS, asOf: new Date(Date.now() + 31 * DAY) });
    expect(again.deleted).toEqual([]);
  });
});
