/**
 * Trainer routes: the course list, creating and editing courses, status moves, lectures, credit
 * minutes, the transcode status — with their validation and the trainer-role checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { AuthService } from '../../server/auth/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { lectures } from '../../server/db/schema/index.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';
import { catalogApi } from '../../web/src/lib/api/learning.ts';
import { teachApi, type NewCourse } from '../../web/src/routes/teach/teach-api.ts';

const teach = (client: TestClient) => teachApi(client);
/** status and machine code of a refused typed call */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, code: error.code };
};

const PASSWORD = 'lectern-demo';

describe('trainer routes', () => {
  let server: TestServer;
  let trainer: TestClient;
  let sichuanTrainer: TestClient;
  let adminSc: TestClient;
  let lawyer: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 100 });
    const user = await auth.createUser({ login: 'trainer-sc', name: '四川讲师', password: PASSWORD, organizationId: server.demo!.sichuan, licenseNo: null });
    await new AuthRepository(server.deps.db).grantRole(user.id, server.demo!.sichuan, 'trainer');
    const login = async (name: string) => {
      const c = createTestClient(server.baseUrl);
      await c.login(name, PASSWORD);
      return c;
    };
    [trainer, sichuanTrainer, adminSc, lawyer] = await Promise.all([login('trainer'), login('trainer-sc'), login('admin-sc'), login('lawyer')]);
  });
  afterAll(async () => server?.close());

  const validCourse = (): NewCourse => ({
    title: '合同纠纷实务',
    summary: '合同审查与诉讼要点',
    category: 'civil_commercial',
    audience: ['county_lawyers'],
    organizationId: server.demo!.national,
    maxPlaybackRate: 1.25,
    completionRatio: 0.9,
    requireVisible: true,
    presenceChecks: true,
  });

  it('lists the courses of the organizations a trainer trains for, drafts included, with lectures and job state', async () => {
    const { items, organizations } = await trainer.expectStatus(200, teach(trainer).overview());
    expect(organizations.map((o) => o.id)).toContain(server.demo!.sichuan); // national trainer reaches the whole tree
    const ids = items.map((c) => c.id);
    expect(ids).toContain(server.demo!.courseId);
    expect(ids).toContain(server.demo!.draftCourseId);
    const demoCourse = items.find((c) => c.id === server.demo!.courseId)!;
    expect(demoCourse.lectures[0]!.status).toBe('processing');
    expect(demoCourse.lectures[0]!.job).toBeNull();
  });

  it('answers 403 to people who train for nothing, 401 without a session', async () => {
    expect((await errorOf(teach(lawyer).overview())).status).toBe(403);
    expect((await errorOf(teach(adminSc).overview())).status).toBe(403);
    expect((await errorOf(teach(createTestClient(server.baseUrl)).overview())).status).toBe(401);
  });

  it('shows a provincial trainer only the courses of their province', async () => {
    expect((await sichuanTrainer.expectStatus(200, teach(sichuanTrainer).overview())).items).toHaveLength(0);
  });

  it('creates a draft course, and refuses bad bodies with 400 and foreign organizations with 403', async () => {
    const course = await trainer.expectStatus(201, teach(trainer).createCourse(validCourse()));
    expect(course.status).toBe('draft');
    expect(course.maxPlaybackRate).toBe(1.25);
    expect(course.organizationName).toBe('中华全国律师协会');
    expect(course.lectures).toEqual([]);

    // malformed bodies: raw (the typed client would not send them)
    for (const body of [
      { ...validCourse(), title: '' },
      { ...validCourse(), category: 'astrology' },
      { ...validCourse(), completionRatio: 1.5 },
      { ...validCourse(), maxPlaybackRate: 16 },
      { ...validCourse(), organizationId: 'not-a-uuid' },
      { ...validCourse(), audience: ['everyone'] },
      { ...validCourse(), status: 'published' },
      { title: 'only a title' },
    ]) {
      const res = await trainer.raw('POST', '/api/courses', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((res.json as { error: string; message: string }).message).toBeTruthy();
    }
    const notJson = await trainer.raw('POST', '/api/courses', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(notJson.status).toBe(415);

    // A Sichuan trainer cannot create national courses; the Sichuan admin is no trainer at all.
    expect((await errorOf(teach(sichuanTrainer).createCourse(validCourse()))).status).toBe(403);
    expect((await errorOf(teach(adminSc).createCourse({ ...validCourse(), organizationId: server.demo!.sichuan }))).status).toBe(403);
    expect((await errorOf(teach(lawyer).createCourse(validCourse()))).status).toBe(403);
    // …but a Sichuan trainer can create one for a city association below Sichuan.
    await sichuanTrainer.expectStatus(201, teach(sichuanTrainer).createCourse({ ...validCourse(), organizationId: server.demo!.mianyang }));
    expect((await errorOf(teach(sichuanTrainer).createCourse({ ...validCourse(), organizationId: '00000000-0000-4000-8000-000000000000' }))).status).toBe(404);
  });

  it('edits a course, moves it draft → published → archived → published, and refuses the rest', async () => {
    const course = await teach(trainer).createCourse(validCourse());
    const edited = await trainer.expectStatus(200, teach(trainer).updateCourse(course.id, { title: '合同纠纷实务（修订）', completionRatio: 0.95 }));
    expect(edited.title).toBe('合同纠纷实务（修订）');

    // malformed bodies: raw
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, {})).status).toBe(400);
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { organizationId: server.demo!.sichuan })).status).toBe(400);
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'deleted' })).status).toBe(400);

    expect(await refusal(teach(trainer).updateCourse(course.id, { status: 'published' }))).toEqual({ status: 409, code: 'no_ready_lecture' });

    const lecture = await teach(trainer).addLecture(course.id, '第一讲');
    expect(lecture.status).toBe('uploading');
    expect(lecture.position).toBe(1);
    expect((await errorOf(teach(trainer).updateCourse(course.id, { status: 'published' }))).status).toBe(409);
    await server.deps.db.update(lectures).set({ status: 'ready', durationSeconds: 600, packagePrefix: `lectures/${lecture.id}/p/` }).where(eq(lectures.id, lecture.id));

    const published = await trainer.expectStatus(200, teach(trainer).updateCourse(course.id, { status: 'published' }));
    expect(published.publishedAt).toBeTruthy();
    expect(await refusal(teach(trainer).updateCourse(course.id, { status: 'draft' }))).toEqual({ status: 409, code: 'invalid_transition' });
    await trainer.expectStatus(200, teach(trainer).updateCourse(course.id, { status: 'archived' }));
    expect((await errorOf(teach(trainer).addLecture(course.id, '第二讲'))).status).toBe(409);
    await trainer.expectStatus(200, teach(trainer).updateCourse(course.id, { status: 'published' }));

    // the catalog shows it to lawyers now
    await lawyer.expectStatus(200, catalogApi(lawyer).course(course.id));
  });

  it('lets only trainers of the owning organization edit a course (the Sichuan admin cannot edit national courses)', async () => {
    const courseId = server.demo!.courseId;
    for (const client of [adminSc, sichuanTrainer, lawyer]) {
      expect(await refusal(teach(client).updateCourse(courseId, { title: 'hijacked' }))).toEqual({ status: 403, code: 'forbidden' });
      expect((await errorOf(teach(client).addLecture(courseId, 'x'))).status).toBe(403);
      expect((await errorOf(teach(client).updateLecture(server.demo!.lectureId, { creditMinutes: 99 }))).status).toBe(403);
      expect((await errorOf(teach(client).transcode(server.demo!.lectureId))).status).toBe(403);
    }
    expect((await errorOf(teach(trainer).updateCourse('00000000-0000-4000-8000-000000000000', { title: 'x' }))).status).toBe(404);
    // a malformed id: raw
    expect((await trainer.raw('PATCH', '/api/courses/not-a-uuid', { title: 'x' })).status).toBe(400);
    expect((await catalogApi(trainer).course(courseId)).title).toBe('县域律师刑事辩护实务');
  });

  it('renames lectures and sets or resets their credit minutes', async () => {
    const course = await teach(trainer).createCourse(validCourse());
    const lecture = await teach(trainer).addLecture(course.id, '第一讲');
    const second = await teach(trainer).addLecture(course.id, '第二讲');
    expect(second.position).toBe(2);
    await server.deps.db.update(lectures).set({ status: 'ready', durationSeconds: 1510 }).where(eq(lectures.id, lecture.id));

    expect(await trainer.expectStatus(200, teach(trainer).updateLecture(lecture.id, { creditMinutes: 20 }))).toMatchObject({ creditMinutes: 20, creditMinutesOverride: 20 });
    expect(await teach(trainer).updateLecture(lecture.id, { creditMinutes: null, title: '第一讲（新）' })).toMatchObject({ creditMinutes: 25, creditMinutesOverride: null, title: '第一讲（新）' });
    // malformed bodies: raw
    for (const body of [{ creditMinutes: -1 }, { creditMinutes: 2.5 }, { creditMinutes: '20' }, { title: '' }, {}, { status: 'ready' }]) {
      expect((await trainer.raw('PATCH', `/api/lectures/${lecture.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await trainer.raw('POST', `/api/courses/${course.id}/lectures`, { title: '' })).status).toBe(400);
    expect((await trainer.raw('POST', `/api/courses/${course.id}/lectures`, {})).status).toBe(400);
    expect((await errorOf(teach(trainer).updateLecture('00000000-0000-4000-8000-000000000000', { title: 'x' }))).status).toBe(404);
  });

  it('reports the transcode state of a lecture: no job, then queued with progress', async () => {
    expect(await trainer.expectStatus(200, teach(trainer).transcode(server.demo!.lectureId))).toMatchObject({ lectureId: server.demo!.lectureId, lectureStatus: 'processing', job: null, failure: null });
    const repo = new TranscodeJobsRepository(server.deps.db);
    await server.deps.db.transaction(async (tx) => {
      const source = await repo.insertSource(tx, { lectureId: server.demo!.lectureId, storageKey: 'sources/x/y/original', bytes: 1 });
      await repo.enqueue(tx, { lectureId: server.demo!.lectureId, sourceId: source.id });
    });
    const claimed = (await repo.claim('test-worker', 30))!;
    await repo.renew(claimed.id, 'test-worker', 30, 37);
    // raw for the header
    const res = await trainer.raw('GET', `/api/lectures/${server.demo!.lectureId}/transcode`);
    expect(res.json).toMatchObject({ lectureStatus: 'processing', job: { status: 'running', progress: 37, attempts: 1, maxAttempts: 5, error: null } });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await errorOf(teach(trainer).transcode('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
  });
});
