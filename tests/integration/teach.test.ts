/**
 * Trainer routes: the course list, creating and editing courses, status moves, lectures, credit
 * minutes, the transcode status — with their validation and the trainer-role checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { AuthService } from '../../server/auth/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { lectures } from '../../server/db/schema/index.ts';
import { TranscodeJobsRepository } from '../../server/transcoding/repository.ts';

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

  const validCourse = () => ({
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
    const res = await trainer.raw('GET', '/api/teach/courses');
    expect(res.status).toBe(200);
    const { items, organizations } = res.json as { items: { id: string; status: string; lectures: { id: string; status: string; job: unknown }[] }[]; organizations: { id: string }[] };
    expect(organizations.map((o) => o.id)).toContain(server.demo!.sichuan); // national trainer reaches the whole tree
    const ids = items.map((c) => c.id);
    expect(ids).toContain(server.demo!.courseId);
    expect(ids).toContain(server.demo!.draftCourseId);
    const demoCourse = items.find((c) => c.id === server.demo!.courseId)!;
    expect(demoCourse.lectures[0]!.status).toBe('processing');
    expect(demoCourse.lectures[0]!.job).toBeNull();
  });

  it('answers 403 to people who train for nothing, 401 without a session', async () => {
    expect((await lawyer.raw('GET', '/api/teach/courses')).status).toBe(403);
    expect((await adminSc.raw('GET', '/api/teach/courses')).status).toBe(403);
    expect((await createTestClient(server.baseUrl).raw('GET', '/api/teach/courses')).status).toBe(401);
  });

  it('shows a provincial trainer only the courses of their province', async () => {
    const res = await sichuanTrainer.raw('GET', '/api/teach/courses');
    expect(res.status).toBe(200);
    expect((res.json as { items: unknown[] }).items).toHaveLength(0);
  });

  it('creates a draft course, and refuses bad bodies with 400 and foreign organizations with 403', async () => {
    const created = await trainer.raw('POST', '/api/courses', validCourse());
    expect(created.status).toBe(201);
    const course = created.json as { id: string; status: string; maxPlaybackRate: number; audience: string[]; organizationName: string; lectures: unknown[] };
    expect(course.status).toBe('draft');
    expect(course.maxPlaybackRate).toBe(1.25);
    expect(course.organizationName).toBe('中华全国律师协会');
    expect(course.lectures).toEqual([]);

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
    expect((await sichuanTrainer.raw('POST', '/api/courses', validCourse())).status).toBe(403);
    expect((await adminSc.raw('POST', '/api/courses', { ...validCourse(), organizationId: server.demo!.sichuan })).status).toBe(403);
    expect((await lawyer.raw('POST', '/api/courses', validCourse())).status).toBe(403);
    // …but a Sichuan trainer can create one for a city association below Sichuan.
    const city = await sichuanTrainer.raw('POST', '/api/courses', { ...validCourse(), organizationId: server.demo!.mianyang });
    expect(city.status).toBe(201);
    expect((await sichuanTrainer.raw('POST', '/api/courses', { ...validCourse(), organizationId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
  });

  it('edits a course, moves it draft → published → archived → published, and refuses the rest', async () => {
    const course = (await trainer.raw('POST', '/api/courses', validCourse())).json as { id: string };
    const edited = await trainer.raw('PATCH', `/api/courses/${course.id}`, { title: '合同纠纷实务（修订）', completionRatio: 0.95 });
    expect(edited.status).toBe(200);
    expect((edited.json as { title: string; completionRatio: number }).title).toBe('合同纠纷实务（修订）');

    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, {})).status).toBe(400);
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { organizationId: server.demo!.sichuan })).status).toBe(400);
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'deleted' })).status).toBe(400);

    const noLecture = await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'published' });
    expect(noLecture.status).toBe(409);
    expect((noLecture.json as { error: string }).error).toBe('no_ready_lecture');

    const lecture = (await trainer.raw('POST', `/api/courses/${course.id}/lectures`, { title: '第一讲' })).json as { id: string; status: string; position: number };
    expect(lecture.status).toBe('uploading');
    expect(lecture.position).toBe(1);
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'published' })).status).toBe(409);
    await server.deps.db.update(lectures).set({ status: 'ready', durationSeconds: 600, packagePrefix: `lectures/${lecture.id}/p/` }).where(eq(lectures.id, lecture.id));

    const published = await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'published' });
    expect(published.status).toBe(200);
    expect((published.json as { status: string; publishedAt: string | null }).publishedAt).toBeTruthy();
    const back = await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'draft' });
    expect(back.status).toBe(409);
    expect((back.json as { error: string }).error).toBe('invalid_transition');
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'archived' })).status).toBe(200);
    const archivedAdd = await trainer.raw('POST', `/api/courses/${course.id}/lectures`, { title: '第二讲' });
    expect(archivedAdd.status).toBe(409);
    expect((await trainer.raw('PATCH', `/api/courses/${course.id}`, { status: 'published' })).status).toBe(200);

    // the catalog shows it to lawyers now
    const catalog = await lawyer.raw('GET', `/api/courses/${course.id}`);
    expect(catalog.status).toBe(200);
  });

  it('lets only trainers of the owning organization edit a course (the Sichuan admin cannot edit national courses)', async () => {
    const target = `/api/courses/${server.demo!.courseId}`;
    for (const client of [adminSc, sichuanTrainer, lawyer]) {
      const res = await client.raw('PATCH', target, { title: 'hijacked' });
      expect(res.status).toBe(403);
      expect((res.json as { error: string }).error).toBe('forbidden');
      expect((await client.raw('POST', `${target}/lectures`, { title: 'x' })).status).toBe(403);
      expect((await client.raw('PATCH', `/api/lectures/${server.demo!.lectureId}`, { creditMinutes: 99 })).status).toBe(403);
      expect((await client.raw('GET', `/api/lectures/${server.demo!.lectureId}/transcode`)).status).toBe(403);
    }
    expect((await trainer.raw('PATCH', '/api/courses/00000000-0000-4000-8000-000000000000', { title: 'x' })).status).toBe(404);
    expect((await trainer.raw('PATCH', '/api/courses/not-a-uuid', { title: 'x' })).status).toBe(400);
    const course = await trainer.raw('GET', `/api/courses/${server.demo!.courseId}`);
    expect((course.json as { title: string }).title).toBe('县域律师刑事辩护实务');
  });

  it('renames lectures and sets or resets their credit minutes', async () => {
    const course = (await trainer.raw('POST', '/api/courses', validCourse())).json as { id: string };
    const lecture = (await trainer.raw('POST', `/api/courses/${course.id}/lectures`, { title: '第一讲' })).json as { id: string };
    const second = (await trainer.raw('POST', `/api/courses/${course.id}/lectures`, { title: '第二讲' })).json as { position: number };
    expect(second.position).toBe(2);
    await server.deps.db.update(lectures).set({ status: 'ready', durationSeconds: 1510 }).where(eq(lectures.id, lecture.id));

    let res = await trainer.raw('PATCH', `/api/lectures/${lecture.id}`, { creditMinutes: 20 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ creditMinutes: 20, creditMinutesOverride: 20 });
    res = await trainer.raw('PATCH', `/api/lectures/${lecture.id}`, { creditMinutes: null, title: '第一讲（新）' });
    expect(res.json).toMatchObject({ creditMinutes: 25, creditMinutesOverride: null, title: '第一讲（新）' });
    for (const body of [{ creditMinutes: -1 }, { creditMinutes: 2.5 }, { creditMinutes: '20' }, { title: '' }, {}, { status: 'ready' }]) {
      expect((await trainer.raw('PATCH', `/api/lectures/${lecture.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await trainer.raw('POST', `/api/courses/${course.id}/lectures`, { title: '' })).status).toBe(400);
    expect((await trainer.raw('POST', `/api/courses/${course.id}/lectures`, {})).status).toBe(400);
    expect((await trainer.raw('PATCH', '/api/lectures/00000000-0000-4000-8000-000000000000', { title: 'x' })).status).toBe(404);
  });

  it('reports the transcode state of a lecture: no job, then queued with progress', async () => {
    let res = await trainer.raw('GET', `/api/lectures/${server.demo!.lectureId}/transcode`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ lectureId: server.demo!.lectureId, lectureStatus: 'processing', job: null, failure: null });
    const repo = new TranscodeJobsRepository(server.deps.db);
    await server.deps.db.transaction(async (tx) => {
      const source = await repo.insertSource(tx, { lectureId: server.demo!.lectureId, storageKey: 'sources/x/y/original', bytes: 1 });
      await repo.enqueue(tx, { lectureId: server.demo!.lectureId, sourceId: source.id });
    });
    const claimed = (await repo.claim('test-worker', 30))!;
    await repo.renew(claimed.id, 'test-worker', 30, 37);
    res = await trainer.raw('GET', `/api/lectures/${server.demo!.lectureId}/transcode`);
    expect(res.json).toMatchObject({ lectureStatus: 'processing', job: { status: 'running', progress: 37, attempts: 1, maxAttempts: 5, error: null } });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await trainer.raw('GET', '/api/lectures/00000000-0000-4000-8000-000000000000/transcode')).status).toBe(404);
  });
});
