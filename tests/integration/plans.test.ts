/** Training plans and association settings: who may set them, what they may target, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { trainingPlans } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let demo: DemoIds;
let admin: TestClient;
let adminSc: TestClient;
let lawyer: TestClient;

interface Plan {
  id: string;
  organization: { id: string; name: string };
  year: number;
  name: string;
  requiredMinutes: number;
  targets: { id: string; name: string }[];
  requiredCourses: { id: string; title: string }[];
  inherited: boolean;
}

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
    const res = await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/plans`, {
      year: 2027,
      name: ' 县域律师年度培训 ',
      requiredMinutes: 1800,
      targetOrganizationIds: [demo.mianyang, demo.mianyang],
      requiredCourseIds: [demo.courseId],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
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
    const again = await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/plans`, body);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'plan_exists' });
    expect((await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/plans`, { ...body, year: 2028 })).status).toBe(201);
  });

  it('targets outside the subtree: 403 when the caller does not administer them, 400 when they do', async () => {
    const before = await planCount();
    const gansu = await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/plans`, { year: 2027, name: 'x', requiredMinutes: 60, targetOrganizationIds: [demo.ganguFirm] });
    expect(gansu.status).toBe(403);
    const national = await admin.raw('POST', `/api/organizations/${demo.sichuan}/plans`, { year: 2027, name: 'x', requiredMinutes: 60, targetOrganizationIds: [demo.santaiFirm, demo.ganguFirm] });
    expect(national.status).toBe(400);
    expect(national.json).toMatchObject({ error: 'target_outside_organization' });
    const unknown = await admin.raw('POST', `/api/organizations/${demo.sichuan}/plans`, { year: 2027, name: 'x', requiredMinutes: 60, targetOrganizationIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ error: 'unknown_organization' });
    expect(await planCount()).toBe(before);
  });

  it('who may set a plan: not a lawyer, not Sichuan for Gansu or the country, not on a firm', async () => {
    const body = { year: 2027, name: 'y', requiredMinutes: 60 };
    expect((await lawyer.raw('POST', `/api/organizations/${demo.sichuan}/plans`, body)).status).toBe(403);
    expect((await adminSc.raw('POST', `/api/organizations/${demo.gansu}/plans`, body)).status).toBe(403);
    expect((await adminSc.raw('POST', `/api/organizations/${demo.national}/plans`, body)).status).toBe(403);
    const firm = await adminSc.raw('POST', `/api/organizations/${demo.santaiFirm}/plans`, body);
    expect(firm.status).toBe(400);
    expect(firm.json).toMatchObject({ error: 'not_an_association' });
    expect((await createTestClient(server.baseUrl).raw('POST', `/api/organizations/${demo.sichuan}/plans`, body)).status).toBe(401);
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
      ['name blank', { ...good, name: '   ' }],
      ['name missing', { year: 2027, requiredMinutes: 60 }],
      ['extra field', { ...good, owner: 'me' }],
      ['target not a uuid', { ...good, targetOrganizationIds: ['abc'] }],
      ['unknown course', { ...good, requiredCourseIds: ['00000000-0000-4000-8000-000000000000'] }],
      ['draft course', { ...good, requiredCourseIds: [demo.draftCourseId] }],
      ['nothing required', { ...good, requiredMinutes: 0 }],
      ['not an object', [1, 2]],
    ];
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
    const created = await admin.raw('POST', `/api/organizations/${demo.national}/plans`, { year: 2027, name: '全国县域律师', requiredMinutes: 600 });
    expect(created.status).toBe(201);
    nationalPlan = created.json as Plan;

    const res = await adminSc.raw('GET', `/api/organizations/${demo.mianyang}/plans?year=2027`);
    expect(res.status).toBe(200);
    const items = (res.json as { items: Plan[] }).items;
    expect(items.map((p) => [p.name, p.inherited]).sort()).toEqual([
      ['全国县域律师', true],
      ['县域律师年度培训', true],
    ]);
    const sichuan = (await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/plans`)).json as { items: Plan[] };
    expect(sichuan.items.filter((p) => !p.inherited).map((p) => p.year).sort()).toEqual([2027, 2028]);
    // a Sichuan plan for Mianyang does not concern a firm elsewhere; one for the firm itself does
    const other = await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/plans`, { year: 2027, name: '涪城专项', requiredMinutes: 90, targetOrganizationIds: [demo.mianyangCityFirm] });
    expect(other.status).toBe(201);
    const santai = (await adminSc.raw('GET', `/api/organizations/${demo.santaiFirm}/plans?year=2027`)).json as { items: Plan[] };
    expect(santai.items.map((p) => p.name).sort()).toEqual(['全国县域律师', '县域律师年度培训']);
    const city = (await adminSc.raw('GET', `/api/organizations/${demo.mianyangCityFirm}/plans?year=2027`)).json as { items: Plan[] };
    expect(city.items.map((p) => p.name).sort()).toEqual(['全国县域律师', '县域律师年度培训', '涪城专项']);
    expect((await adminSc.raw('GET', `/api/organizations/${demo.gansu}/plans`)).status).toBe(403);
    expect((await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/plans?year=abc`)).status).toBe(400);
  });

  it('only an admin of the owner deletes a plan; a second delete is 404', async () => {
    expect((await adminSc.raw('DELETE', `/api/plans/${nationalPlan.id}`, {})).status).toBe(403);
    expect((await admin.raw('DELETE', `/api/plans/${nationalPlan.id}`, {})).status).toBe(204);
    expect((await admin.raw('DELETE', `/api/plans/${nationalPlan.id}`, {})).status).toBe(404);
    expect((await admin.raw('DELETE', `/api/plans/not-a-uuid`, {})).status).toBe(400);
  });
});

describe('association settings', () => {
  it('a provincial admin sets minutes per 学时 and the year start; children inherit; null inherits again', async () => {
    const patch = await adminSc.raw('PATCH', `/api/organizations/${demo.sichuan}/settings`, { minutesPerClassHour: 50, trainingYearStartMonth: 4 });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.json).toMatchObject({ own: { minutesPerClassHour: 50, trainingYearStartMonth: 4 }, effective: { minutesPerClassHour: 50, trainingYearStartMonth: 4 }, editable: true });
    const firm = await adminSc.raw('GET', `/api/organizations/${demo.santaiFirm}/settings`);
    expect(firm.json).toMatchObject({ own: { minutesPerClassHour: null }, effective: { minutesPerClassHour: 50, trainingYearStartMonth: 4 }, editable: false });
    const reset = await adminSc.raw('PATCH', `/api/organizations/${demo.sichuan}/settings`, { minutesPerClassHour: null, trainingYearStartMonth: null });
    expect(reset.json).toMatchObject({ own: { minutesPerClassHour: null, trainingYearStartMonth: null }, effective: { minutesPerClassHour: 45, trainingYearStartMonth: 1 } });
  });

  it('not on firms, not outside the subtree, not nonsense values, and the root cannot inherit', async () => {
    const url = `/api/organizations/${demo.sichuan}/settings`;
    expect((await adminSc.raw('PATCH', `/api/organizations/${demo.santaiFirm}/settings`, { minutesPerClassHour: 40 })).status).toBe(400);
    expect((await adminSc.raw('PATCH', `/api/organizations/${demo.gansu}/settings`, { minutesPerClassHour: 40 })).status).toBe(403);
    expect((await adminSc.raw('PATCH', `/api/organizations/${demo.national}/settings`, { minutesPerClassHour: 40 })).status).toBe(403);
    expect((await lawyer.raw('PATCH', url, { minutesPerClassHour: 40 })).status).toBe(403);
    for (const body of [{ trainingYearStartMonth: 13 }, { trainingYearStartMonth: 0 }, { minutesPerClassHour: 0 }, { minutesPerClassHour: '45' }, {}, { colour: 'red' }]) {
      expect((await adminSc.raw('PATCH', url, body)).status, JSON.stringify(body)).toBe(400);
    }
    const root = await admin.raw('PATCH', `/api/organizations/${demo.national}/settings`, { minutesPerClassHour: null });
    expect(root.status).toBe(400);
    expect(root.json).toMatchObject({ error: 'root_cannot_inherit' });
    expect((await admin.raw('GET', `/api/organizations/${demo.national}/settings`)).json).toMatchObject({ effective: { minutesPerClassHour: 45, trainingYearStartMonth: 1 } });
  });
});
