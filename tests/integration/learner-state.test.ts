/**
 * Learner state in the catalog (issue 11, item 3; docs/web.md, "Learner state"), on PostgreSQL
 * and PGlite: progress and the completed mark on GET /api/courses and /api/courses/:id (additive
 * fields beside the fixed core of shared/API.md), the lecture to continue (the most recently
 * watched unfinished one, at the session's resume point), the organizer and trainer, and the
 * filters: category, audience, organizer and "required for me" (the 必修 courses of the plans that
 * cover the lawyer this training year).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../server/db/rows.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, signedInClient, type TestClient } from '../helpers/http.ts';
import { catalogApi, type CatalogQuery, type LearnerCourseDetail, type LearnerCourseList } from '../../web/src/lib/api/learning.ts';
import { grantAllowance, startFromFullTolerance } from '../helpers/playback-time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(availableBackends())('learner state on %s', (backend) => {
  let server: TestServer;
  let lawyer: TestClient;
  let lawyer2: TestClient;
  const id: Record<string, string> = {};

  const q = async <T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>(await server.deps.db.execute(query));
  const list = (client: TestClient, query: CatalogQuery = {}): Promise<LearnerCourseList> => client.expectStatus(200, catalogApi(client).list(query));
  const detail = (client: TestClient, courseId: string): Promise<LearnerCourseDetail> => client.expectStatus(200, catalogApi(client).course(courseId));
  const ids = (l: LearnerCourseList) => l.items.map((i) => i.id);

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const demo = server.demo!;
    lawyer = await signedInClient(server.baseUrl, 'lawyer', 'lectern-demo');
    lawyer2 = await signedInClient(server.baseUrl, 'lawyer2', 'lectern-demo');
    const course = async (key: string, orgId: string, category: string, audience: string[], status = 'published') => {
      const [row] = await q<{ id: string }>(sql`
        INSERT INTO courses (organization_id, title, category, audience, status, created_by, published_at)
        VALUES (${orgId}, ${`学习状态 ${key}`}, ${category}::course_category, ${`{${audience.join(',')}}`}::text[], ${status}::course_status, ${demo.users.trainer}, now())
        RETURNING id`);
      id[key] = row!.id;
    };
    const lecture = async (key: string, courseKey: string, position: number, seconds: number) => {
      const [row] = await q<{ id: string }>(sql`
        INSERT INTO lectures (course_id, position, title, status, duration_seconds, package_prefix)
        VALUES (${id[courseKey]!}, ${position}, ${`第${position}讲 ${key}`}, 'ready', ${seconds}, ${`lectures/${key}/pkg/`})
        RETURNING id`);
      id[key] = row!.id;
    };
    await course('criminal', demo.national, 'criminal', ['county_lawyers']);
    await lecture('c1', 'criminal', 1, 600);
    await lecture('c2', 'criminal', 2, 600);
    await course('civil', demo.sichuan, 'civil_commercial', ['young_lawyers']);
    await lecture('v1', 'civil', 1, 300);
    await course('labour', demo.gansu, 'labour_employment', ['firm_directors']);
    await lecture('b1', 'labour', 1, 400);
    await course('draft', demo.national, 'criminal', ['county_lawyers'], 'draft');
    await lecture('d1', 'draft', 1, 500);

    // Sichuan's plan of the current training year requires the civil course (必修)
    const year = (await lawyer.myRequirement()).year;
    const [plan] = await q<{ id: string }>(sql`
      INSERT INTO training_plans (organization_id, year, name, required_minutes) VALUES (${demo.sichuan}, ${year}, '学习状态测试计划', 600) RETURNING id`);
    await q(sql`INSERT INTO training_plan_courses (plan_id, course_id) VALUES (${plan!.id}, ${id.civil!})`);

    // nothing of the demo's own activity: this file's lectures only
    await q(sql`DELETE FROM lecture_progress`);
    await startFromFullTolerance(server.deps.db);

    // 李明 completed the civil course long ago …
    await q(sql`
      INSERT INTO lecture_progress (user_id, lecture_id, intervals, covered_seconds, last_position, completed_at, credit_minutes, updated_at)
      VALUES (${demo.users.lawyer}, ${id.v1!}, '[[0,300]]'::jsonb, 300, 300, now() - interval '2 days', 5, now() - interval '2 days')`);
    await q(sql`INSERT INTO course_completions (user_id, course_id, completed_at, credit_minutes) VALUES (${demo.users.lawyer}, ${id.civil!}, now() - interval '2 days', 5)`);
    // … and watched the first lecture of the labour course yesterday, stopping at 1:40
    await q(sql`
      INSERT INTO lecture_progress (user_id, lecture_id, intervals, covered_seconds, last_position, updated_at)
      VALUES (${demo.users.lawyer}, ${id.b1!}, '[[0,100]]'::jsonb, 100, 100, now() - interval '1 day')`);
    // … and today, through the player's own path, 20 s of the criminal course's first lecture, ending at 2:00
    const session = await lawyer.openSession(id.c1!);
    await grantAllowance(server.deps.db, session.sessionId, 60);
    const answer = await lawyer.sendHeartbeat(session.sessionId, { seq: 0, intervals: [[100, 120]], playbackRate: 1, visible: true, position: 120 });
    expect(answer.acceptedSeconds).toBe(20);
    // the draft course is never offered, even when watched (a trainer's preview, say)
    await q(sql`
      INSERT INTO lecture_progress (user_id, lecture_id, intervals, covered_seconds, last_position, updated_at)
      VALUES (${demo.users.lawyer}, ${id.d1!}, '[[0,50]]'::jsonb, 50, 50, now() + interval '1 hour')`);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('adds organizer, trainer, required and the lawyer’s progress to each card, keeping the fixed fields', async () => {
    const all = await list(lawyer, { pageSize: 100 });
    const criminal = all.items.find((i) => i.id === id.criminal)!;
    expect(criminal).toMatchObject({ title: '学习状态 criminal', category: 'criminal', status: 'published', lectureCount: 2, creditMinutes: 20, audience: ['county_lawyers'], required: false });
    expect(criminal.organizer).toEqual({ id: server.demo!.national, name: expect.any(String) });
    expect(criminal.trainer).toEqual(expect.any(String));
    expect(criminal.progress).toMatchObject({ lectureCount: 2, completedLectures: 0, coveredSeconds: 20, durationSeconds: 1200, completed: false, creditMinutes: 0 });
    expect(criminal.progress.coverageRatio).toBeCloseTo(20 / 1200, 4);
    expect(criminal.progress.lastWatchedAt).not.toBeNull();

    const civil = all.items.find((i) => i.id === id.civil)!;
    expect(civil.required).toBe(true);
    expect(civil.progress).toMatchObject({ completed: true, completedLectures: 1, lectureCount: 1, coverageRatio: 1, creditMinutes: 5 });
    expect(all.items.find((i) => i.id === id.draft)).toBeUndefined();

    // the organizer filter's choices: the owners of published courses
    const names = all.organizers.map((o) => o.id);
    expect(names).toEqual(expect.arrayContaining([server.demo!.national, server.demo!.sichuan, server.demo!.gansu]));

    // another lawyer sees the same cards with nothing of 李明's progress
    const other = (await list(lawyer2, { pageSize: 100 })).items.find((i) => i.id === id.criminal)!;
    expect(other.progress).toMatchObject({ coveredSeconds: 0, completed: false, lastWatchedAt: null });
  });

  it('offers the most recently watched unfinished lecture, at the session’s resume point', async () => {
    const { resume } = await list(lawyer);
    expect(resume).toMatchObject({ courseId: id.criminal, lectureId: id.c1, lecturePosition: 1, resumeAt: 120, durationSeconds: 600 });
    expect((await catalogApi(lawyer).progress()).resume).toEqual(resume);
    // the playback session resumes at the same point
    expect((await lawyer.openSession(id.c1!)).resumeAt).toBe(120);
    // a lawyer who watched nothing has nothing to continue
    expect((await catalogApi(lawyer2).progress()).resume).toBeNull();
  });

  it('shows each lecture’s own progress and the course’s lecture to continue on the course page', async () => {
    const criminal = await detail(lawyer, id.criminal!);
    expect(criminal.trainer).toEqual(expect.any(String));
    expect(criminal.organizer?.id).toBe(server.demo!.national);
    expect(criminal.required).toBe(false);
    const [first, second] = criminal.lectures;
    expect(first!.progress).toMatchObject({ coveredSeconds: 20, lastPosition: 120, completed: false, creditMinutes: 0 });
    expect(second!.progress).toEqual({ coveredSeconds: 0, coverageRatio: 0, lastPosition: 0, completed: false, creditMinutes: 0 });
    expect(criminal.resume?.lectureId).toBe(id.c1);

    const labour = await detail(lawyer, id.labour!);
    expect(labour.resume).toMatchObject({ lectureId: id.b1, resumeAt: 100 });
    const civil = await detail(lawyer, id.civil!);
    expect(civil).toMatchObject({ required: true, resume: null });
    expect(civil.progress.completed).toBe(true);
    expect(civil.lectures[0]!.progress).toMatchObject({ completed: true, creditMinutes: 5, coverageRatio: 1 });
  });

  it('narrows the list by category, audience, organizer and required for me', async () => {
    const mine = (l: LearnerCourseList) => ids(l).filter((i) => [id.criminal, id.civil, id.labour].includes(i));
    expect(mine(await list(lawyer, { category: 'criminal', pageSize: 100 }))).toEqual([id.criminal]);
    expect(mine(await list(lawyer, { audience: 'young_lawyers', pageSize: 100 }))).toEqual([id.civil]);
    expect(mine(await list(lawyer, { audience: 'firm_directors', pageSize: 100 }))).toEqual([id.labour]);
    const sichuan = await list(lawyer, { organizer: server.demo!.sichuan, pageSize: 100 });
    expect(sichuan.items.every((i) => i.organizer?.id === server.demo!.sichuan)).toBe(true);
    expect(mine(sichuan)).toEqual([id.civil]);
    const required = await list(lawyer, { required: true });
    expect(ids(required)).toEqual([id.civil]);
    expect(required.total).toBe(1);
    // filters combine; the count follows them
    expect((await list(lawyer, { required: true, category: 'criminal' })).total).toBe(0);
    // a Gansu lawyer no plan covers has no required course
    expect((await list(lawyer2, { required: true })).total).toBe(0);
  });

  it('refuses bad filters with a 400 and asks for a session', async () => {
    for (const query of ['?organizer=not-a-uuid', '?audience=everyone', '?required=perhaps']) {
      const res = await lawyer.raw('GET', `/api/courses${query}`);
      expect(res.status, query).toBe(400);
      expect((res.json as { error: string }).error).toBe('invalid_request');
    }
    const anonymous = createTestClient(server.baseUrl);
    expect((await errorOf(catalogApi(anonymous).progress())).status).toBe(401);
    expect((await errorOf(catalogApi(anonymous).list({}))).status).toBe(401);
  });
});
