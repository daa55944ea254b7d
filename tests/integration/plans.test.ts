/** Training plans and association settings: who may set them, what they may target, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { trainingPlans } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { plansApi, type NewTrainingPlan, type TrainingPlan } from '../../web/src/routes/admin/admin-api.ts';

let server: TestServer;
let demo: DemoIds;
let admin: TestClient;
let adminSc: TestClient;
let lawyer: TestClient;

type Plan = TrainingPlan;
const plans = (client: TestClient) => plansApi(client);
/** status and machine code of a refused typed call */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, error: error.code };
};

const planCount = async () => Number((await server.deps.db.select({ n: count() }).from(trainingPlans))[0]!.n);

beforeAll(async () => {
  server = await startTestServer();
  demo = server.demo!;
  admin = createTestClient(server.baseUrl);
  adminSc = createTestClient(server.baseUrl);
  lawyer = createTestClient(server.baseUrl);
  await admin.login('admin', 'lectern-demo');
  await adminSc.login('admin-sc', 'lectern-demo');
  await lawyer.login('lawyer', 'lectern-demo');
});
afterAll(async () => server?.close());

describe('creating plans', () => {
  it('the Sichuan admin sets a plan for Mianyang with a required course', async () => {
    const plan = await adminSc.expectStatus(
      201,
      plans(adminSc).create(demo.sichuan, {
        year: 2027,
        name: ' 县域律师年度培训 ',
        requiredMinutes: 1800,
        targetOrganizationIds: [demo.mianyang, demo.mianyang],
        requiredCourseIds: [demo.courseId],
      }),
    );
    expect(plan).toMatchObject({
      organization: { id: demo.sichuan, name: '四川省律师协会' },
      year: 2027,
      name: '县域律师年度培训',
      requiredMinutes: 1800,
      targets: [{ id: demo.mianyang, name: '绵阳市律师协会' }],
      requiredCourses: [{ id: demo.courseId }],
      inherited: false,
    });
  });

  it('the same name twice in a year is a 409; another year is fine', async () => {
    const body = { year: 2027, name: '县域律师年度培训', requiredMinutes: 60 };
    expect(await refusal(plans(adminSc).create(demo.sichuan, body))).toEqual({ status: 409, error: 'plan_exists' });
    await adminSc.expectStatus(201, plans(adminSc).create(demo.sichuan, { ...body, year: 2028 }));
  });

  it('targets outside the subtree: 403 when the caller does not administer them, 400 when they do', async () => {
    const before = await planCount();
    expect((await errorOf(plans(adminSc).create(demo.sichuan, { year: 2027, name: 'x', requiredMinutes: 60, targetOrganizationIds: [demo.ganguFirm] }))).status).toBe(403);
    expect(await refusal(plans(admin).create(demo.sichuan, { year: 2027, name: 'x', requiredMinutes: 60, targetOrganizationIds: [demo.santaiFirm, demo.ganguFirm] }))).toEqual({
      status: 400,
      error: 'target_outside_organization',
    });
    expect(await refusal(plans(admin).create(demo.sichuan, { year: 2027, name: 'x', requiredMinutes: 60, targetOrganizationIds: ['00000000-0000-4000-8000-000000000000'] }))).toEqual({
      status: 400,
      error: 'unknown_organization',
    });
    expect(await planCount()).toBe(before);
  });

  it('who may set a plan: not a lawyer, not Sichuan for Gansu or the country, not on a firm', async () => {
    const body = { year: 2027, name: 'y', requiredMinutes: 60 };
    expect((await errorOf(plans(lawyer).create(demo.sichuan, body))).status).toBe(403);
    expect((await errorOf(plans(adminSc).create(demo.gansu, body))).status).toBe(403);
    expect((await errorOf(plans(adminSc).create(demo.national, body))).status).toBe(403);
    expect(await refusal(plans(adminSc).create(demo.santaiFirm, body))).toEqual({ status: 400, error: 'not_an_association' });
    expect((await errorOf(plans(createTestClient(server.baseUrl)).create(demo.sichuan, body))).status).toBe(401);
  });

  it('bad bodies are 400 with a message and store nothing', async () => {
    const before = await planCount();
    const url = `/api/organizations/${demo.sichuan}/plans`;
    const good = { year: 2027, name: 'z', requiredMinutes: 60 };
    const bad: [string, unknown][] = [
      ['year too large', { ...good, year: 99999 }],
      ['year as text', { ...good, year: '2027' }],
      ['minutes negative', { ...good, requiredMinutes: -1 }],
      ['minutes fractional', { ...good, requiredMinutes: 1.5 }],
      ['name empty', { ...good, name: '' }],
      ['name missing', { year: 2027, requiredMinutes: 60 }],
      ['extra field', { ...good, owner: 'me' }],
      ['target not a uuid', { ...good, targetOrganizationIds: ['abc'] }],
      ['not an object', [1, 2]],
    ];
    // well-formed bodies the server refuses: the typed client
    const refusedOnMerit: [string, NewTrainingPlan, string][] = [
      ['name blank', { ...good, name: '   ' }, 'invalid_name'],
      ['unknown course', { ...good, requiredCourseIds: ['00000000-0000-4000-8000-000000000000'] }, 'unknown_course'],
      ['draft course', { ...good, requiredCourseIds: [demo.draftCourseId] }, 'course_not_published'],
      ['nothing required', { ...good, requiredMinutes: 0 }, 'empty_plan'],
    ];
    for (const [why, body, code] of refusedOnMerit) {
      const refused = await errorOf(plans(adminSc).create(demo.sichuan, body));
      expect([refused.status, refused.code, refused.message], why).toEqual([400, code, expect.any(String)]);
    }
    // malformed bodies: raw (the typed client would not send them)
    for (const [why, body] of bad) {
      const res = await adminSc.raw('POST', url, body);
      expect(res.status, why).toBe(400);
      expect(typeof (res.json as { message?: unknown }).message, why).toBe('string');
    }
    const malformed = await adminSc.raw('POST', url, '{"year":', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(await planCount()).toBe(before);
  });
});

describe('listing and deleting plans', () => {
  let nationalPlan: Plan;

  it('a city sees the plans set above it (inherited) and inside it; years filter', async () => {
    nationalPlan = await admin.expectStatus(201, plans(admin).create(demo.national, { year: 2027, name: '全国县域律师', requiredMinutes: 600 }));

    const items = await adminSc.expectStatus(200, plans(adminSc).list(demo.mianyang, 2027));
    expect(items.map((p) => [p.name, p.inherited]).sort()).toEqual([
      ['全国县域律师', true],
      ['县域律师年度培训', true],
    ]);
    const sichuan = await plans(adminSc).list(demo.sichuan);
    expect(sichuan.filter((p) => !p.inherited).map((p) => p.year).sort()).toEqual([2027, 2028]);
    // a Sichuan plan for Mianyang does not concern a firm elsewhere; one for the firm itself does
    await adminSc.expectStatus(201, plans(adminSc).create(demo.sichuan, { year: 2027, name: '涪城专项', requiredMinutes: 90, targetOrganizationIds: [demo.mianyangCityFirm] }));
    const santai = await plans(adminSc).list(demo.santaiFirm, 2027);
    expect(santai.map((p) => p.name).sort()).toEqual(['全国县域律师', '县域律师年度培训']);
    const city = await plans(adminSc).list(demo.mianyangCityFirm, 2027);
    expect(city.map((p) => p.name).sort()).toEqual(['全国县域律师', '县域律师年度培训', '涪城专项']);
    expect((await errorOf(plans(adminSc).list(demo.gansu))).status).toBe(403);
    // a malformed query: raw
    expect((await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/plans?year=abc`)).status).toBe(400);
  });

  it('only an admin of the owner deletes a plan; a second delete is 404', async () => {
    expect((await errorOf(plans(adminSc).remove(nationalPlan.id))).status).toBe(403);
    await admin.expectStatus(204, plans(admin).remove(nationalPlan.id));
    expect((await errorOf(plans(admin).remove(nationalPlan.id))).status).toBe(404);
    // a malformed id: raw
    expect((await admin.raw('DELETE', `/api/plans/not-a-uuid`, {})).status).toBe(400);
  });
});

describe('association settings', () => {
  it('a provincial admin sets minutes per 学时 and the year start; children inherit; null inherits again', async () => {
    const patch = await adminSc.expectStatus(200, plans(adminSc).saveSettings(demo.sichuan, { minutesPerClassHour: 50, trainingYearStartMonth: 4 }));
    expect(patch).toMatchObject({ own: { minutesPerClassHour: 50, trainingYearStartMonth: 4 }, effective: { minutesPerClassHour: 50, trainingYearStartMonth: 4 }, editable: true });
    expect(await plans(adminSc).settings(demo.santaiFirm)).toMatchObject({ own: { minutesPerClassHour: null }, effective: { minutesPerClassHour: 50, trainingYearStartMonth: 4 }, editable: false });
    expect(await plans(adminSc).saveSettings(demo.sichuan, { minutesPerClassHour: null, trainingYearStartMonth: null })).toMatchObject({ own: { minutesPerClassHour: null, trainingYearStartMonth: null }, effective: { minutesPerClassHour: 45, trainingYearStartMonth: 1 } });
  });

  it('not on firms, not outside the subtree, not nonsense values, and the root cannot inherit', async () => {
    const url = `/api/organizations/${demo.sichuan}/settings`;
    expect((await errorOf(plans(adminSc).saveSettings(demo.santaiFirm, { minutesPerClassHour: 40 }))).status).toBe(400);
    expect((await errorOf(plans(adminSc).saveSettings(demo.gansu, { minutesPerClassHour: 40 }))).status).toBe(403);
    expect((await errorOf(plans(adminSc).saveSettings(demo.national, { minutesPerClassHour: 40 }))).status).toBe(403);
    expect((await errorOf(plans(lawyer).saveSettings(demo.sichuan, { minutesPerClassHour: 40 }))).status).toBe(403);
    // malformed bodies: raw
    for (const body of [{ trainingYearStartMonth: 13 }, { trainingYearStartMonth: 0 }, { minutesPerClassHour: 0 }, { minutesPerClassHour: '45' }, {}, { colour: 'red' }]) {
      expect((await adminSc.raw('PATCH', url, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await refusal(plans(admin).saveSettings(demo.national, { minutesPerClassHour: null }))).toEqual({ status: 400, error: 'root_cannot_inherit' });
    expect(await plans(admin).settings(demo.national)).toMatchObject({ effective: { minutesPerClassHour: 45, trainingYearStartMonth: 1 } });
  });
});
