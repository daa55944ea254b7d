/**
 * The course editor's routes (issue 11 item 1) on both databases: editing every course field and
 * rule with its audit entries, renaming, hiding, reordering and removing lectures, publishing
 * only when every shown lecture is ready (409 unready_lectures), and what credit does when a
 * lecture is removed or its recording replaced (docs/credit.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { availableBackends } from '../helpers/database.ts';
import { cachedPackage, createReadyLecture } from '../helpers/lecture.ts';
import { AuthService } from '../../server/auth/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { auditLog, certificates, courseCompletions, lectureProgress, lectures } from '../../server/db/schema/index.ts';
import { transcodingServiceOver, sourceKey } from '../../server/transcoding/service.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { catalogApi } from '../../web/src/lib/api/learning.ts';
import { teachApi, type CoursePatch, type TeachCourse, type TeachLecture } from '../../web/src/routes/teach/teach-api.ts';

const PASSWORD = 'lectern-demo';
const NO_SUCH = '00000000-0000-4000-8000-000000000000';

type Course = TeachCourse;
type Lecture = TeachLecture;
const teach = (client: TestClient) => teachApi(client);
const catalog = (client: TestClient) => catalogApi(client);
/** status and machine code of a refused typed call */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, code: error.code, message: error.message };
};

describe.each(availableBackends())('course editor on %s', (backend) => {
  let server: TestServer;
  let trainer: TestClient;
  let sichuanTrainer: TestClient;
  let adminSc: TestClient;
  let lawyer: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 100 });
    const user = await auth.createUser({ login: 'trainer-sc', name: '四川讲师', password: PASSWORD, organizationId: server.demo!.sichuan, licenseNo: null });
    await new AuthRepository(server.deps.db).grantRole(user.id, server.demo!.sichuan, 'trainer');
    const login = async (name: string) => {
      const c = createTestClient(server.baseUrl);
      await c.login(name, PASSWORD);
      return c;
    };
    [trainer, sichuanTrainer, adminSc, lawyer] = await Promise.all([login('trainer'), login('trainer-sc'), login('admin-sc'), login('lawyer')]);
  }, 120_000);
  afterAll(async () => server?.close());

  const newCourse = async (title = '合同纠纷实务'): Promise<Course> => {
    return trainer.expectStatus(201, teach(trainer).createCourse({ title, category: 'civil_commercial', organizationId: server.demo!.national }));
  };
  const addLecture = async (courseId: string, title: string): Promise<Lecture> => {
    return trainer.expectStatus(201, teach(trainer).addLecture(courseId, title));
  };
  const entries = async (targetId: string) =>
    server.deps.db.select().from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(auditLog.at);
  const makeReady = async (lectureId: string, seconds = 600) =>
    server.deps.db.update(lectures).set({ status: 'ready', durationSeconds: seconds, packagePrefix: `lectures/${lectureId}/p/`, mediaVersion: 1 }).where(eq(lectures.id, lectureId));
  const lawyerId = () => server.demo!.users.lawyer;
  const completeFor = async (userId: string, lectureId: string, minutes = 10) =>
    server.deps.db.insert(lectureProgress).values({ userId, lectureId, intervals: [[0, 600]], coveredSeconds: 600, completedAt: new Date(), creditMinutes: minutes });

  it('edits every field and rule of a course, writes one audit entry with only what changed, none for the same values', async () => {
    const course = await newCourse();
    const created = await entries(course.id);
    expect(created.map((e) => e.action)).toEqual(['course.created']);

    const patch: CoursePatch = {
      title: '合同纠纷实务（第二版）',
      summary: '新的简介',
      category: 'labour_employment',
      audience: ['young_lawyers', 'firm_directors'],
      maxPlaybackRate: 1.5,
      completionRatio: 0.8,
      requireVisible: false,
      presenceChecks: true,
    };
    expect(await trainer.expectStatus(200, teach(trainer).updateCourse(course.id, patch))).toMatchObject(patch);
    const [, updated] = await entries(course.id);
    expect(updated).toMatchObject({ action: 'course.updated', targetType: 'course', organizationId: server.demo!.national, actorId: server.demo!.users.trainer });
    expect(updated!.before).toMatchObject({ title: '合同纠纷实务', requireVisible: true, maxPlaybackRate: 1 });
    expect(updated!.after).toMatchObject(patch);

    // the same values again: nothing to record; one changed field: only it is recorded
    await trainer.expectStatus(200, teach(trainer).updateCourse(course.id, patch));
    expect(await entries(course.id)).toHaveLength(2);
    await teach(trainer).updateCourse(course.id, { ...patch, completionRatio: 0.9 });
    const last = (await entries(course.id)).at(-1)!;
    expect(last.before).toEqual({ completionRatio: 0.8 });
    expect(last.after).toEqual({ completionRatio: 0.9 });

    // malformed bodies (out of the schema's range or type): raw
    for (const body of [{ maxPlaybackRate: 3 }, { completionRatio: 0.2 }, { requireVisible: 'yes' }, { audience: ['everyone'] }, { category: 'astrology' }]) {
      const bad = await trainer.raw('PATCH', `/api/courses/${course.id}`, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    // a blank title is well-formed, refused on its merits
    const blank = await errorOf(teach(trainer).updateCourse(course.id, { title: '   ' }));
    expect([blank.status, blank.code]).toEqual([400, 'invalid_title']);
    expect(await entries(course.id)).toHaveLength(3);
  });

  it('answers 403 outside the trainer’s subtree and 404 for unknown courses and lectures', async () => {
    const course = await newCourse();
    const lecture = await addLecture(course.id, '第一讲');
    for (const client of [sichuanTrainer, adminSc, lawyer]) {
      expect((await errorOf(teach(client).updateCourse(course.id, { title: 'x' }))).status).toBe(403);
      expect((await errorOf(teach(client).reorderLectures(course.id, [lecture.id]))).status).toBe(403);
      expect((await errorOf(teach(client).updateLecture(lecture.id, { hidden: true }))).status).toBe(403);
      expect((await errorOf(teach(client).removeLecture(lecture.id))).status).toBe(403);
    }
    expect((await errorOf(teach(trainer).reorderLectures(NO_SUCH, [lecture.id]))).status).toBe(404);
    expect((await errorOf(teach(trainer).removeLecture(NO_SUCH))).status).toBe(404);
    // a malformed id: raw, the typed client would never send it
    expect((await trainer.raw('DELETE', '/api/lectures/not-a-uuid')).status).toBe(400);
    expect((await errorOf(teach(createTestClient(server.baseUrl)).removeLecture(lecture.id))).status).toBe(401);
    // a Sichuan trainer edits the courses of a city below Sichuan
    const city = await teach(sichuanTrainer).createCourse({ title: '绵阳课程', category: 'criminal', organizationId: server.demo!.mianyang });
    expect(await teach(sichuanTrainer).updateCourse(city.id, { summary: '县域' })).toMatchObject({ id: city.id, summary: '县域' });
  });

  it('renames, hides and shows lectures, each with its audit entry', async () => {
    const course = await newCourse();
    const lecture = await addLecture(course.id, '第一讲');
    expect(lecture).toMatchObject({ status: 'uploading', hidden: false, mediaVersion: 0 });
    expect(await teach(trainer).updateLecture(lecture.id, { title: '第一讲：证据', hidden: true })).toMatchObject({ title: '第一讲：证据', hidden: true });
    expect((await entries(lecture.id)).map((e) => e.action)).toEqual(['lecture.created', 'lecture.renamed', 'lecture.visibility_changed']);
    // a malformed body: raw
    expect((await trainer.raw('PATCH', `/api/lectures/${lecture.id}`, { hidden: 'no' })).status).toBe(400);
    expect(await teach(trainer).updateLecture(lecture.id, { hidden: false })).toMatchObject({ hidden: false });
  });

  it('reorders lectures: every lecture exactly once (400 otherwise), one audit entry', async () => {
    const course = await newCourse();
    const [a, b, c] = [await addLecture(course.id, '甲'), await addLecture(course.id, '乙'), await addLecture(course.id, '丙')];
    const reordered = await teach(trainer).reorderLectures(course.id, [c!.id, a!.id, b!.id]);
    expect(reordered.lectures.map((l) => [l.title, l.position])).toEqual([
      ['丙', 1],
      ['甲', 2],
      ['乙', 3],
    ]);
    const [entry] = (await entries(course.id)).filter((e) => e.action === 'course.lectures_reordered');
    expect(entry!.after).toEqual({ lectureIds: [c!.id, a!.id, b!.id] });

    const other = await addLecture((await newCourse()).id, '别的课');
    for (const lectureIds of [[a!.id, b!.id], [a!.id, a!.id, b!.id], [a!.id, b!.id, other.id], [a!.id, b!.id, c!.id, other.id]]) {
      expect(await refusal(teach(trainer).reorderLectures(course.id, lectureIds))).toMatchObject({ status: 400, code: 'lecture_order_mismatch' });
    }
    // malformed bodies: raw
    expect((await trainer.raw('PUT', `/api/courses/${course.id}/lecture-order`, { lectureIds: [] })).status).toBe(400);
    expect((await trainer.raw('PUT', `/api/courses/${course.id}/lecture-order`, { lectureIds: ['x'] })).status).toBe(400);
    // the catalog shows the new order
    await makeReady(a!.id);
    await makeReady(b!.id);
    await makeReady(c!.id);
    expect(await teach(trainer).updateCourse(course.id, { status: 'published' })).toMatchObject({ status: 'published' });
    const seen = await catalog(lawyer).course(course.id);
    expect(seen.lectures.map((l) => l.title)).toEqual(['丙', '甲', '乙']);
  });

  it('refuses to publish with a failed or unready lecture (409 unready_lectures) unless it is hidden; learners never see it', async () => {
    const course = await newCourse('发布检查');
    const ready = await addLecture(course.id, '可以播放');
    const failed = await addLecture(course.id, '转码失败');
    const waiting = await addLecture(course.id, '没有文件');
    await makeReady(ready.id);
    await server.deps.db.update(lectures).set({ status: 'failed', failureCode: 'not_media', failureReasonZh: '不是音视频', failureReasonEn: 'not media' }).where(eq(lectures.id, failed.id));

    const refused = await refusal(teach(trainer).updateCourse(course.id, { status: 'published', title: '发布检查（新）' }));
    expect(refused).toMatchObject({ status: 409, code: 'unready_lectures' });
    expect(refused.message).toContain('转码失败');
    // nothing of the refused request was kept, and no entry written
    expect(await catalog(trainer).course(course.id)).toMatchObject({ status: 'draft', title: '发布检查' });
    expect((await entries(course.id)).map((e) => e.action)).toEqual(['course.created']);

    await teach(trainer).updateLecture(failed.id, { hidden: true });
    expect((await errorOf(teach(trainer).updateCourse(course.id, { status: 'published' }))).code).toBe('unready_lectures');
    await teach(trainer).updateLecture(waiting.id, { hidden: true });
    expect(await teach(trainer).updateCourse(course.id, { status: 'published' })).toMatchObject({ status: 'published' });
    expect((await entries(course.id)).map((e) => e.action)).toEqual(['course.created', 'course.published']);

    // learners: the hidden lectures are neither shown nor counted, and cannot be opened
    const detail = await catalog(lawyer).course(course.id);
    expect(detail.lectures.map((l) => l.title)).toEqual(['可以播放']);
    const list = await catalog(lawyer).list({ q: '发布检查' });
    expect(list.items.find((c) => c.id === course.id)?.lectureCount).toBe(1);
    expect((await errorOf(lawyer.openSession(failed.id))).status).toBe(404);

    // an unready lecture cannot be shown in a published course; a lecture added to it starts hidden
    expect(await refusal(teach(trainer).updateLecture(waiting.id, { hidden: false }))).toMatchObject({ status: 409, code: 'lecture_not_ready' });
    expect(await addLecture(course.id, '以后再加')).toMatchObject({ hidden: true });
  });

  it('removes a lecture: gone from the course, credit earned stays, the course completes for who finished the rest', async () => {
    const course = await newCourse('删除讲座');
    const first = await addLecture(course.id, '第一讲');
    const second = await addLecture(course.id, '第二讲');
    const third = await addLecture(course.id, '第三讲');
    for (const l of [first, second, third]) await makeReady(l.id);
    expect(await teach(trainer).updateCourse(course.id, { status: 'published' })).toMatchObject({ status: 'published' });
    // the lawyer completed the first and the third lecture; the second is what keeps the course open
    await completeFor(lawyerId(), first.id, 10);
    await completeFor(lawyerId(), third.id, 10);
    await server.deps.db.insert(lectureProgress).values({ userId: server.demo!.users.trainer, lectureId: second.id, intervals: [[0, 30]], coveredSeconds: 30 });

    const answer = await teach(trainer).removeLecture(second.id);
    expect(answer.coursesCompleted).toBe(1);
    expect(answer.lectures.map((l) => [l.title, l.position])).toEqual([
      ['第一讲', 1],
      ['第三讲', 2],
    ]);
    const [completion] = await server.deps.db.select().from(courseCompletions).where(and(eq(courseCompletions.userId, lawyerId()), eq(courseCompletions.courseId, course.id)));
    expect(completion?.creditMinutes).toBe(20);
    expect(await server.deps.db.select().from(certificates).where(and(eq(certificates.userId, lawyerId()), eq(certificates.courseId, course.id)))).toHaveLength(1);
    // the trainer's partial progress on the removed lecture is still there (nothing is deleted)
    expect(await server.deps.db.select().from(lectureProgress).where(eq(lectureProgress.lectureId, second.id))).toHaveLength(1);

    const [entry] = (await entries(second.id)).filter((e) => e.action === 'lecture.removed');
    expect(entry!.before).toMatchObject({ title: '第二讲', lawyersStarted: 1, lawyersCompleted: 0 });
    expect(entry!.after).toEqual({ removed: true, coursesCompleted: 1 });

    // gone for learners and trainers; a second removal, an edit or an upload of it is a 404
    expect((await catalog(lawyer).course(course.id)).lectures).toHaveLength(2);
    expect((await errorOf(teach(trainer).removeLecture(second.id))).status).toBe(404);
    expect((await errorOf(teach(trainer).updateLecture(second.id, { title: 'x' }))).status).toBe(404);
    expect((await errorOf(lawyer.openSession(second.id))).status).toBe(404);
    // the order can be set again without it, and new lectures go at the end
    expect((await teach(trainer).reorderLectures(course.id, [third.id, first.id])).lectures.map((l) => l.id)).toEqual([third.id, first.id]);
    expect((await errorOf(teach(trainer).reorderLectures(course.id, [third.id, first.id, second.id]))).status).toBe(400);
    expect((await addLecture(course.id, '第四讲')).position).toBe(3);

    // the last ready lecture of a published course stays (archive instead)
    await teach(trainer).removeLecture(third.id);
    expect(await refusal(teach(trainer).removeLecture(first.id))).toMatchObject({ status: 409, code: 'last_ready_lecture' });
  });

  it('replacing a recording makes a new version: completed credit stays; coverage kept within 5 % of the length, else reset', async () => {
    const course = await newCourse('更换录像');
    const lectureId = await createReadyLecture(server, { courseId: course.id, seconds: 20, title: '会被更换的讲座' });
    const [before] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
    expect(before).toMatchObject({ mediaVersion: 1, status: 'ready' });
    const finisher = server.demo!.users.lawyer;
    const partial = server.demo!.users.trainer;
    await completeFor(finisher, lectureId, 1);
    await server.deps.db.insert(lectureProgress).values({ userId: partial, lectureId, intervals: [[0, 12]], coveredSeconds: 12, lastPosition: 12 });

    // the same length again (a better encode): everything kept
    await replaceRecording(server, lectureId, 20);
    let rows = await server.deps.db.select().from(lectureProgress).where(eq(lectureProgress.lectureId, lectureId));
    expect(rows.find((r) => r.userId === partial)).toMatchObject({ coveredSeconds: 12 });
    let [row] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
    expect(row!.mediaVersion).toBe(2);

    // a different length: the unfinished lawyer starts again, the finished one keeps the credit
    await replaceRecording(server, lectureId, 8);
    rows = await server.deps.db.select().from(lectureProgress).where(eq(lectureProgress.lectureId, lectureId));
    expect(rows.find((r) => r.userId === partial)).toMatchObject({ coveredSeconds: 0, intervals: [], lastPosition: 0 });
    expect(rows.find((r) => r.userId === finisher)).toMatchObject({ coveredSeconds: 600, creditMinutes: 1 });
    expect(rows.find((r) => r.userId === finisher)!.completedAt).not.toBeNull();
    [row] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
    expect(row!.mediaVersion).toBe(3);
    expect(row!.durationSeconds).toBeLessThan(10);

    const replaced = (await entries(lectureId)).filter((e) => e.action === 'lecture.recording_replaced');
    expect(replaced.map((e) => e.after)).toEqual([
      expect.objectContaining({ mediaVersion: 2, coverageKept: true, coverageReset: 0 }),
      expect.objectContaining({ mediaVersion: 3, coverageKept: false, coverageReset: 1 }),
    ]);
    // the trainer page shows the version
    const mine = await teach(trainer).overview();
    expect(mine.items.find((c) => c.id === course.id)!.lectures[0]).toMatchObject({ mediaVersion: 3 });
  }, 180_000);

  it('a lecture removed while it transcodes gets no package, and its job is stopped', async () => {
    const course = await newCourse('转码中删除');
    const keep = await addLecture(course.id, '保留');
    const gone = await addLecture(course.id, '转码中');
    await makeReady(keep.id);
    const repo = new TranscodeJobsRepository(server.deps.db);
    const job = await server.deps.db.transaction(async (tx) => {
      const source = await repo.insertSource(tx, { lectureId: gone.id, storageKey: `sources/${gone.id}/x/original`, bytes: 1 });
      return repo.enqueue(tx, { lectureId: gone.id, sourceId: source.id });
    });
    expect((await teach(trainer).removeLecture(gone.id)).lectures.map((l) => l.id)).not.toContain(gone.id);
    const [stopped] = rowsOf<Record<string, unknown>>(await server.deps.db.execute(sql`SELECT status, error_code FROM transcode_jobs WHERE id = ${job.id}`));
    expect(stopped).toMatchObject({ status: 'failed', error_code: 'superseded' });
    const [row] = await server.deps.db.select().from(lectures).where(eq(lectures.id, gone.id));
    expect(row).toMatchObject({ status: 'failed', failureCode: 'removed', packagePrefix: null });
  });
});

/** A new recording of `seconds` for a ready lecture, through the worker's own steps (queue, claim, upload, publish). */
async function replaceRecording(server: TestServer, lectureId: string, seconds: number): Promise<void> {
  const { db, storage } = server.deps;
  const pkg = await cachedPackage({ seconds, width: 640, height: 360 });
  const service = transcodingServiceOver(db, storage);
  const sourceId = crypto.randomUUID();
  const key = sourceKey(lectureId, sourceId);
  await storage.put(key, createReadStream(pkg.source), { contentType: 'video/mp4' });
  const { size } = await stat(pkg.source);
  const workerId = `test-replace:${process.pid}`;
  const job = await db.transaction(async (tx) => {
    const queued = await service.enqueueSource(tx, { id: sourceId, lectureId, storageKey: key, bytes: size, originalName: 'new.mp4', contentType: 'video/mp4' });
    if (!(await new TranscodeJobsRepository(tx).claim(workerId, 300, { jobId: queued.id }))) throw new Error('could not claim');
    return queued;
  });
  const prefix = await service.uploadPackage(lectureId, pkg.dir, pkg.summary);
  if (!(await service.publish({ jobId: job.id, workerId, lectureId, prefix, pkg: pkg.summary, result: pkg.summary }))) throw new Error('publish refused');
}
