/**
 * An association runs its training year on Lectern, end to end, from an empty production
 * database (issue 8, "Must show"): `admin:create` → a province, a city and firms → a trainer and a
 * provincial administrator → the province's rules and plan → a roster import → a lawyer logs in
 * with the licence number and the one-time password, replaces it, sees what the year asks →
 * watches the required lecture → the provincial report and the evidence page show it. The
 * provincial administrator is refused (403) outside the province on the routes the year uses.
 */
import { ageSession } from '../helpers/playback-time.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirstAdmin } from '../../server/staff/first-admin.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { evidenceApi } from '../../web/src/routes/evidence/evidence-api.ts';
import type { MyRequirement, OrganizationReport } from '../../web/src/lib/api/types.ts';
import { createTestClient, errorOf, signedInClient, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createReadyLecture } from '../helpers/lecture.ts';

let server: TestServer;
const YEAR = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
const ids = {} as Record<'national' | 'sichuan' | 'mianyang' | 'santai' | 'gansu' | 'course' | 'lecture', string>;
let national: TestClient;
let provincial: TestClient;
let trainer: TestClient;
let lawyer: TestClient;
let lawyerId = '';

beforeAll(async () => {
  server = await startTestServer({ env: { SEED_DEMO: 'false' } });
});
afterAll(async () => server?.close());

/** First login with a one-time password: it must be replaced before anything else. */
async function firstLogin(login: string, oneTimePassword: string, ownPassword: string): Promise<TestClient> {
  const client = await signedInClient(server.baseUrl, login, oneTimePassword);
  expect((await client.me()).passwordChangeRequired).toBe(true);
  await client.changePassword(oneTimePassword, ownPassword);
  return client;
}

describe('a training year, from an empty production database', () => {
  it('admin:create, then the tree and the staff through the API', async () => {
    const made = await createFirstAdmin(server.deps.db, { login: 'root', name: '秘书处', password: 'operator-typed-this-1', organizationName: '中华全国律师协会', regionCode: '100000' });
    expect(made).toMatchObject({ kind: 'created' });
    national = await signedInClient(server.baseUrl, 'root', 'operator-typed-this-1');
    ids.national = (await national.organizations())[0]!.id;
    ids.sichuan = (await national.createOrganization({ parentId: ids.national, name: '四川省律师协会', kind: 'province', regionCode: '510000' })).id;
    ids.gansu = (await national.createOrganization({ parentId: ids.national, name: '甘肃省律师协会', kind: 'province', regionCode: '620000' })).id;
    ids.mianyang = (await national.createOrganization({ parentId: ids.sichuan, name: '绵阳市律师协会', kind: 'city', regionCode: '510700' })).id;
    ids.santai = (await national.createOrganization({ parentId: ids.mianyang, name: '四川三台县法正律师事务所', kind: 'firm', regionCode: '510722', county: true })).id;

    const scAdmin = await national.createStaff(ids.sichuan, 'sc-admin', '四川省律协管理员');
    await national.grantRole(ids.sichuan, 'sc-admin', 'admin');
    const teacher = await national.createStaff(ids.sichuan, 'sc-trainer', '四川省律协讲师');
    await national.grantRole(ids.sichuan, 'sc-trainer', 'trainer');
    provincial = await firstLogin('sc-admin', scAdmin.initialPassword, 'sichuan-admin-own-1');
    trainer = await firstLogin('sc-trainer', teacher.initialPassword, 'sichuan-trainer-own-1');
  });

  it('the trainer publishes a course with a ready lecture', async () => {
    const teach = teachApi(trainer);
    const course = await teach.createCourse({ title: '县域律师刑事辩护实务', summary: '会见、阅卷与庭审。', category: 'criminal', audience: ['county_lawyers'], organizationId: ids.sichuan } as Parameters<typeof teach.createCourse>[0]);
    ids.course = course.id;
    ids.lecture = await createReadyLecture(server, { courseId: course.id, seconds: 20, title: '第一讲 会见' });
    // more than the recording is refused; the clip's own length rounded up is the most it can carry
    await expect(teach.updateLecture(ids.lecture, { creditMinutes: 45 })).rejects.toMatchObject({ status: 400, code: 'credit_minutes_above_duration' });
    await teach.updateLecture(ids.lecture, { creditMinutes: 1 });
    await teach.updateCourse(course.id, { status: 'published' });
  });

  it('the provincial administrator sets the rules and a plan with the required course', async () => {
    await provincial.setRequirementRules(ids.sichuan, { annualClassHours: 40, proRating: [{ minMonthsPractised: 6, classHours: 40 }, { minMonthsPractised: 2, classHours: 20 }], partTimeClassHours: 24, exemptFromAge: 65 });
    await provincial.request('POST', `/api/organizations/${ids.sichuan}/plans`, { body: { year: YEAR, name: `${YEAR} 年度执业培训`, requiredMinutes: 0, requiredCourseIds: [ids.course] } });
  });

  it('a roster import makes the lawyers; one logs in with the licence number and sees the year', async () => {
    const csv = ['执业证号,姓名,律师事务所', `15107${YEAR - 10}10000001,李明,四川三台县法正律师事务所`, `15107${YEAR - 8}10000002,张华,四川三台县法正律师事务所`].join('\n');
    const answer = await provincial.importRoster(ids.sichuan, { csv });
    expect(answer.kind).toBe('imported');
    if (answer.kind !== 'imported') return;
    expect(answer.imported).toBe(2);
    const li = answer.accounts.find((a) => a.name === '李明')!;
    expect(li.initialPassword).toBeTruthy();
    lawyer = await firstLogin(li.login, li.initialPassword!, 'li-ming-own-password-1');
    expect(li.login).toBe(li.licenseNo);
    lawyerId = (await lawyer.me()).id;

    const requirement: MyRequirement = await lawyer.myRequirement(YEAR);
    expect(requirement).toMatchObject({ year: YEAR, planned: true, requiredMinutes: 40 * 45, creditMinutes: 0, remainingMinutes: 40 * 45 });
    expect(requirement.requiredCourses).toEqual([{ courseId: ids.course, title: '县域律师刑事辩护实务', completed: false }]);
    expect(Date.parse(requirement.deadline)).toBeGreaterThan(Date.now());
  });

  it('the lawyer watches the lecture to the end: credit once, the required course done', async () => {
    const session = await lawyer.openSession(ids.lecture);
    // the session opened 30 s ago, so 20 s of media fit inside the real-time bound
    await ageSession(server.deps.db, session.sessionId, 30);
    const answer = await lawyer.sendHeartbeat(session.sessionId, { seq: 0, intervals: [[0, 20]], playbackRate: 1, visible: true, position: 20 });
    expect(answer).toMatchObject({ completed: true, creditMinutes: 1 });
    const requirement = await lawyer.myRequirement(YEAR);
    expect(requirement).toMatchObject({ creditMinutes: 1, remainingMinutes: 40 * 45 - 1 });
    expect(requirement.requiredCourses[0]!.completed).toBe(true);
  });

  it('the provincial report and the evidence page show it; Gansu is out of reach', async () => {
    const report: OrganizationReport = await provincial.report(ids.sichuan, YEAR);
    const row = report.lawyers.find((l) => l.id === lawyerId)!;
    expect(row).toMatchObject({ name: '李明', planned: true, met: false, creditMinutes: 1, requiredMinutes: 40 * 45 });
    expect(report.totals.lawyers).toBe(2);

    const evidence = await evidenceApi(provincial).lawyer(lawyerId, YEAR);
    const lecture = evidence.lectures.find((l) => l.lectureId === ids.lecture)!;
    expect(lecture.sessions).toHaveLength(1);
    expect(lecture.sessions[0]!.acceptedSeconds).toBeCloseTo(20, 5);

    for (const call of [
      () => provincial.report(ids.gansu, YEAR),
      () => provincial.createOrganization({ parentId: ids.gansu, name: '天水市律师协会', kind: 'city', regionCode: '620500' }),
      () => provincial.createStaff(ids.gansu, 'gs-someone', '某人'),
      () => provincial.grantRole(ids.gansu, 'sc-trainer', 'trainer'),
      () => provincial.importRoster(ids.gansu, { csv: '执业证号,姓名,律师事务所\n16205201010000009,王芳,甘谷县律所' }),
      () => provincial.requirementRules(ids.gansu),
      () => provincial.auditLog(ids.gansu, { limit: 10 }),
      () => provincial.report(ids.national, YEAR),
    ]) {
      expect((await errorOf(call())).status).toBe(403);
    }
    expect((await errorOf(evidenceApi(createTestClient(server.baseUrl)).lawyer(lawyerId, YEAR))).status).toBe(401);
  });
});
