/**
 * The yearly requirement (docs/audit.md, "The yearly requirement"): Sichuan sets Shanghai-style
 * rules in 学时, the firms below inherit them; a Sichuan plan (required course + elective
 * minimum) brings its lawyers into 2027; each lawyer owes what the rules say of them — a full year,
 * pro-rated for a lawyer who started in the year, part-time, exempt by age or too few months — and
 * a Gansu lawyer no plan covers is "not planned" in /api/me/requirement, the report and the CSV,
 * never met, and not counted in totals.met.
 */
import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseCompletions, courses, lectureProgress, lectures, users } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import type { MyRequirement, OrganizationReport, ReportLawyer, RequirementRules } from '../../web/src/lib/api/types.ts';
import { plansApi } from '../../web/src/routes/admin/admin-api.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'requirement-test-pass-1';
const YEAR = 2027;
const SHANGHAI_STYLE: RequirementRules = {
  annualClassHours: 40,
  proRating: [
    { minMonthsPractised: 6, classHours: 40 },
    { minMonthsPractised: 2, classHours: 20 },
  ],
  partTimeClassHours: 24,
  exemptFromAge: 65,
};

let server: TestServer;
let demo: DemoIds;
let admin: TestClient;
let adminSc: TestClient;
const ids: Record<string, string> = {};
const licence: Record<string, string> = {};

type Row = ReportLawyer;
type Report = OrganizationReport;

const report = async (client: TestClient, orgId: string): Promise<Report> => client.expectStatus(200, client.report(orgId, YEAR));
/** status, machine code and message of a refused typed call */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, error: error.code, message: error.message };
};
const row = (r: Report, key: string): Row => {
  const found = r.lawyers.find((l) => l.licenseNo === licence[key]);
  expect(found, key).toBeDefined();
  return found!;
};
const loggedIn = async (login: string, password = PASSWORD): Promise<TestClient> => {
  const client = createTestClient(server.baseUrl);
  await client.login(login, password);
  return client;
};

beforeAll(async () => {
  server = await startTestServer();
  demo = server.demo!;
  const db = server.deps.db;
  admin = await loggedIn('admin', 'lectern-demo');
  adminSc = await loggedIn('admin-sc', 'lectern-demo');

  // Lawyers of the Santai county firm (Sichuan → Mianyang → Santai), each one rule at work.
  const people: { key: string; practiceStartedOn?: string; partTime?: boolean; birthYear?: number }[] = [
    { key: 'full', practiceStartedOn: '2015-03-01' }, // the whole year: 40 学时
    { key: 'newbie', practiceStartedOn: '2027-08-10' }, // 4 whole months: 20 学时
    { key: 'late', practiceStartedOn: '2027-11-20' }, // 1 month: exempt
    { key: 'partTimer', partTime: true }, // 24 学时
    { key: 'senior', birthYear: 1960 }, // 67 in 2027: exempt
    { key: 'electiveShort' }, // the minutes, but not from electives
  ];
  let serial = 0;
  for (const p of people) {
    const licenseNo = `151072027000${String(++serial).padStart(5, '0')}`;
    const user = await server.app.services.auth.createUser({ login: licenseNo, name: `规则律师${serial}`, password: PASSWORD, organizationId: demo.santaiFirm, licenseNo });
    await db
      .update(users)
      .set({ practiceStartedOn: p.practiceStartedOn ?? null, partTime: p.partTime ?? false, birthYear: p.birthYear ?? null })
      .where(eq(users.id, user.id));
    ids[p.key] = user.id;
    licence[p.key] = licenseNo;
  }
  // 王芳, the demo's Gansu lawyer: no plan covers her in 2027.
  ids.gansu = demo.users.lawyer2;
  licence.gansu = '16205202210000002';

  const course = async (title: string, lectureCount: number) => {
    const [c] = await db.insert(courses).values({ organizationId: demo.sichuan, title, category: 'ethics_regulation', status: 'published', publishedAt: new Date() }).returning();
    const ls = [];
    for (let position = 1; position <= lectureCount; position++) {
      const [l] = await db.insert(lectures).values({ courseId: c!.id, position, title: `${title}第${position}讲`, status: 'ready', durationSeconds: 3600 }).returning();
      ls.push(l!.id);
    }
    return { id: c!.id, lectures: ls };
  };
  const ethics = await course('律师职业道德', 2);
  const contracts = await course('合同实务', 1);
  ids.ethics = ethics.id;
  const in2027 = new Date('2027-06-01T02:00:00Z');
  const credit = (key: string, lectureId: string, creditMinutes: number) => ({ userId: ids[key]!, lectureId, creditMinutes, completedAt: in2027, coveredSeconds: 3500, intervals: [] });
  await db.insert(lectureProgress).values([
    credit('full', ethics.lectures[0]!, 60),
    credit('full', ethics.lectures[1]!, 60),
    credit('full', contracts.lectures[0]!, 1700),
    credit('newbie', contracts.lectures[0]!, 500),
    credit('partTimer', ethics.lectures[0]!, 60),
    credit('partTimer', ethics.lectures[1]!, 60),
    credit('partTimer', contracts.lectures[0]!, 960),
    credit('electiveShort', ethics.lectures[0]!, 900),
    credit('electiveShort', ethics.lectures[1]!, 900),
    credit('gansu', contracts.lectures[0]!, 100),
  ]);
  await db.insert(courseCompletions).values(['full', 'partTimer', 'electiveShort'].map((key) => ({ userId: ids[key]!, courseId: ethics.id, completedAt: in2027, creditMinutes: 120 })));

  // Sichuan's rules, in 学时, and its plan for 2027: the ethics course and 300 elective minutes.
  await adminSc.expectStatus(200, adminSc.setRequirementRules(demo.sichuan, SHANGHAI_STYLE));
  const plan = await adminSc.expectStatus(201, plansApi(adminSc).create(demo.sichuan, { year: YEAR, name: '四川年度继续教育', requiredMinutes: 0, electiveMinutes: 300, requiredCourseIds: [ethics.id] }));
  expect(plan).toMatchObject({ electiveMinutes: 300, requiredMinutes: 0 });
});
afterAll(async () => server?.close());

describe('rules are set by an association and inherited below it', () => {
  it('a firm below Sichuan inherits Sichuan’s rules; Gansu has the built-in ones', async () => {
    expect(await adminSc.expectStatus(200, adminSc.requirementRules(demo.santaiFirm))).toMatchObject({ organizationId: demo.santaiFirm, own: null, effective: SHANGHAI_STYLE, effectiveFrom: { id: demo.sichuan, name: '四川省律师协会' }, editable: false });
    expect(await adminSc.requirementRules(demo.sichuan)).toMatchObject({ own: SHANGHAI_STYLE, effective: SHANGHAI_STYLE, editable: true });
    expect(await admin.requirementRules(demo.ganguFirm)).toMatchObject({ own: null, effective: { annualClassHours: 0, proRating: [] }, effectiveFrom: null });
  });

  it('the nearest rules win: Mianyang’s own rules, then back to inheriting Sichuan’s', async () => {
    await adminSc.expectStatus(200, adminSc.setRequirementRules(demo.mianyang, { annualClassHours: 30, proRating: [] }));
    try {
      expect(row(await report(adminSc, demo.sichuan), 'full')).toMatchObject({ requiredMinutes: 30 * 45, basis: 'annual' });
      // no pro-rating table in Mianyang: the newcomer owes the whole 30 学时
      expect(row(await report(adminSc, demo.sichuan), 'newbie')).toMatchObject({ requiredMinutes: 30 * 45 });
    } finally {
      const back = await adminSc.expectStatus(200, adminSc.setRequirementRules(demo.mianyang, null));
      expect(back).toMatchObject({ own: null, effectiveFrom: { id: demo.sichuan } });
    }
    expect(row(await report(adminSc, demo.sichuan), 'full')).toMatchObject({ requiredMinutes: 40 * 45 });
  });

  it('学时 become minutes with the association’s minutes per 学时', async () => {
    await adminSc.request('PATCH', `/api/organizations/${demo.sichuan}/settings`, { body: { minutesPerClassHour: 50 } });
    try {
      expect(row(await report(adminSc, demo.sichuan), 'full')).toMatchObject({ requiredMinutes: 2000, requiredClassHours: 40 });
    } finally {
      await adminSc.request('PATCH', `/api/organizations/${demo.sichuan}/settings`, { body: { minutesPerClassHour: null } });
    }
  });

  it('the change is in the audit log with before and after', async () => {
    const log = await adminSc.auditLog(demo.sichuan, { limit: 200 });
    const entry = log.items.filter((e) => e.action === 'organization.settings_changed' && e.targetId === demo.sichuan).at(-1)!;
    expect(entry).toMatchObject({ actor: { id: demo.users['admin-sc'] }, before: { requirementRules: null }, after: { requirementRules: SHANGHAI_STYLE } });
  });
});

describe('what each lawyer owes (Sichuan 2027 report)', () => {
  it('full year, pro-rated, exempt, part-time, the elective minimum', async () => {
    const r = await report(adminSc, demo.sichuan);
    expect(row(r, 'full')).toMatchObject({ planned: true, basis: 'annual', requiredMinutes: 1800, requiredClassHours: 40, electiveMinutes: 300, creditMinutes: 1820, electiveCreditMinutes: 1700, missingCourses: [], met: true });
    expect(row(r, 'newbie')).toMatchObject({ planned: true, basis: 'pro_rated', requiredMinutes: 900, requiredClassHours: 20, creditMinutes: 500, met: false, missingCourses: [{ id: ids.ethics }] });
    expect(row(r, 'late')).toMatchObject({ planned: true, basis: 'exempt_new_practice', requiredMinutes: 0, missingCourses: [], met: true });
    expect(row(r, 'senior')).toMatchObject({ planned: true, basis: 'exempt_age', requiredMinutes: 0, met: true });
    expect(row(r, 'partTimer')).toMatchObject({ planned: true, basis: 'part_time', requiredMinutes: 1080, requiredClassHours: 24, creditMinutes: 1080, electiveCreditMinutes: 960, met: true });
    // 1800 minutes, all from the required course: the 300 elective minutes are missing
    expect(row(r, 'electiveShort')).toMatchObject({ basis: 'annual', requiredMinutes: 1800, creditMinutes: 1800, electiveCreditMinutes: 0, missingCourses: [], met: false });
  });

  it('a lawyer no plan covers is not planned: met null, not counted as met', async () => {
    const r = await report(admin, demo.national);
    expect(row(r, 'gansu')).toMatchObject({ planned: false, met: null, basis: 'not_planned', requiredMinutes: 0, creditMinutes: 100 });
    const planned = r.lawyers.filter((l) => l.planned);
    expect(r.totals.planned).toBe(planned.length);
    expect(r.totals.met).toBe(planned.filter((l) => l.met === true).length);
    expect(r.lawyers.filter((l) => !l.planned).every((l) => l.met === null)).toBe(true);
    // Gansu alone: one lawyer, none planned, none met — not "100 % compliant"
    const gansu = await report(admin, demo.gansu);
    expect(gansu.totals).toMatchObject({ lawyers: 1, planned: 0, met: 0 });
  });

  it('the CSV says 未纳入计划 / not planned, with 学时 beside the minutes', async () => {
    const zh = await admin.raw('GET', `/api/organizations/${demo.national}/report.csv?year=${YEAR}`);
    expect(zh.status).toBe(200);
    expect(zh.text).not.toContain('学分');
    const records = parse(zh.text, { bom: true, columns: true }) as Record<string, string>[];
    const byLicence = new Map(records.map((r) => [r['执业证号']!.trim(), r]));
    expect(byLicence.get(licence.gansu!)).toMatchObject({ 是否达标: '未纳入计划', '要求（分钟）': '0' });
    expect(byLicence.get(licence.full!)).toMatchObject({ 是否达标: '是', '要求（分钟）': '1800', 要求学时: '40', '已获（分钟）': '1820' });
    expect(byLicence.get(licence.senior!)!['是否达标']).toBe('是');
    expect(byLicence.get(licence.senior!)!['要求依据']).toContain('免修');
    expect(byLicence.get(licence.newbie!)!['是否达标']).toBe('否');
    const en = await admin.raw('GET', `/api/organizations/${demo.national}/report.csv?year=${YEAR}&lang=en`);
    const enRecords = parse(en.text, { bom: true, columns: true }) as Record<string, string>[];
    expect(enRecords.find((r) => r['Licence number']!.trim() === licence.gansu)!['Met']).toBe('not planned');
  });
});

describe('GET /api/me/requirement', () => {
  it('a lawyer who started in the year: the pro-rated target, credit, remaining, the course not done, the deadline', async () => {
    const me = await loggedIn(licence.newbie!);
    const r: MyRequirement = await me.myRequirement(YEAR);
    expect(r).toMatchObject({
      year: YEAR,
      planned: true,
      requiredMinutes: 900,
      creditMinutes: 500,
      remainingMinutes: 400,
      requiredCourses: [{ courseId: ids.ethics, title: '律师职业道德', completed: false }],
      deadline: '2027-12-31T16:00:00.000Z',
      minutesPerClassHour: 45,
      basis: 'pro_rated',
      met: false,
    });
  });

  it('remaining counts the elective minutes still missing', async () => {
    const r = await (await loggedIn(licence.electiveShort!)).myRequirement(YEAR);
    expect(r).toMatchObject({ planned: true, requiredMinutes: 1800, creditMinutes: 1800, electiveMinutes: 300, electiveCreditMinutes: 0, remainingMinutes: 300, met: false });
    expect(r.requiredCourses).toEqual([{ courseId: ids.ethics, title: '律师职业道德', completed: true }]);
  });

  it('exempt by age: nothing owed', async () => {
    const r = await (await loggedIn(licence.senior!)).myRequirement(YEAR);
    expect(r).toMatchObject({ planned: true, requiredMinutes: 0, remainingMinutes: 0, requiredCourses: [], basis: 'exempt_age', met: true });
  });

  it('a lawyer no plan covers: planned false, 0 required, credit still shown', async () => {
    const r = await (await loggedIn('lawyer2', 'lectern-demo')).myRequirement(YEAR);
    expect(r).toMatchObject({ year: YEAR, planned: false, requiredMinutes: 0, creditMinutes: 100, remainingMinutes: 0, requiredCourses: [], met: null, basis: 'not_planned' });
  });

  it('staff without a licence number are not lawyers: not planned', async () => {
    const r = await adminSc.myRequirement(YEAR);
    expect(r).toMatchObject({ planned: false, requiredMinutes: 0 });
  });

  it('the fixed shape, a bad year is a 400, no session a 401', async () => {
    const me = await loggedIn(licence.full!);
    const mine = await me.expectStatus(200, me.myRequirement(YEAR));
    for (const key of ['year', 'planned', 'requiredMinutes', 'creditMinutes', 'remainingMinutes', 'requiredCourses', 'deadline']) expect(mine).toHaveProperty(key);
    expect((await errorOf(me.myRequirement(1999))).status).toBe(400);
    // a malformed query: raw
    expect((await me.raw('GET', '/api/me/requirement?year=abc')).status).toBe(400);
    expect((await errorOf(createTestClient(server.baseUrl).myRequirement())).status).toBe(401);
    // without a year: the current training year
    const current = await me.expectStatus(200, me.myRequirement());
    expect(current.year).toBe(Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date())));
  });
});

describe('who may read and change the rules', () => {
  it('403 outside the subtree (also for an unknown id), for a lawyer; 401 without a session', async () => {
    const lawyer = await loggedIn('lawyer', 'lectern-demo');
    for (const orgId of [demo.gansu, demo.ganguFirm, demo.national, '00000000-0000-4000-8000-000000000000']) {
      expect((await errorOf(adminSc.requirementRules(orgId))).status, orgId).toBe(403);
      expect(await refusal(adminSc.setRequirementRules(orgId, SHANGHAI_STYLE)), orgId).toMatchObject({ status: 403, error: 'forbidden' });
    }
    expect((await errorOf(lawyer.requirementRules(demo.santaiFirm))).status).toBe(403);
    expect((await errorOf(lawyer.setRequirementRules(demo.sichuan, null))).status).toBe(403);
    expect((await errorOf(createTestClient(server.baseUrl).requirementRules(demo.sichuan))).status).toBe(401);
    // nothing changed in Gansu
    expect(await admin.requirementRules(demo.gansu)).toMatchObject({ own: null });
  });

  it('bad rules are a 400 that stores nothing', async () => {
    // well-formed rules the service refuses: typed calls
    const refused: [string, string, RequirementRules | null, string][] = [
      ['a firm has no rules of its own', demo.santaiFirm, SHANGHAI_STYLE, 'not_an_association'],
      ['the root cannot inherit', demo.national, null, 'root_cannot_inherit'],
      ['part-time above full-time', demo.sichuan, { ...SHANGHAI_STYLE, partTimeClassHours: 41 }, 'invalid_requirement_rules'],
      ['a table asking less for more months', demo.sichuan, { annualClassHours: 40, proRating: [{ minMonthsPractised: 2, classHours: 30 }, { minMonthsPractised: 6, classHours: 20 }] }, 'invalid_requirement_rules'],
    ];
    for (const [what, target, rules, code] of refused) {
      expect(await refusal(admin.setRequirementRules(target, rules)), what).toMatchObject({ status: 400, error: code, message: expect.any(String) });
    }
    // malformed bodies: raw (the typed client would not send them)
    const cases: [string, unknown, string][] = [
      ['学时 as text', { target: demo.sichuan, rules: { annualClassHours: '40', proRating: [] } }, 'invalid_request'],
      ['fractional 学时', { target: demo.sichuan, rules: { annualClassHours: 40.5, proRating: [] } }, 'invalid_request'],
      ['an unknown field', { target: demo.sichuan, rules: { annualClassHours: 40, proRating: [], minutes: 1800 } }, 'invalid_request'],
      ['13 months', { target: demo.sichuan, rules: { annualClassHours: 40, proRating: [{ minMonthsPractised: 13, classHours: 10 }] } }, 'invalid_request'],
    ];
    for (const [what, input, code] of cases) {
      const { target, rules } = input as { target: string; rules: unknown };
      const res = await admin.raw('PATCH', `/api/organizations/${target}/requirement-rules`, { rules });
      expect(res.status, what).toBe(400);
      expect(res.json, what).toMatchObject({ error: code, message: expect.any(String) });
    }
    expect((await admin.raw('PATCH', `/api/organizations/${demo.sichuan}/requirement-rules`, {})).status).toBe(400);
    expect(await adminSc.requirementRules(demo.sichuan)).toMatchObject({ own: SHANGHAI_STYLE });
  });

  it('the national administrator may set a province’s rules', async () => {
    await admin.expectStatus(200, admin.setRequirementRules(demo.gansu, { annualClassHours: 36, proRating: [] }));
    await admin.setRequirementRules(demo.gansu, null);
  });
});

describe('plans take an elective minimum in minutes', () => {
  it('electiveMinutes alone makes a plan; bad values are a 400', async () => {
    await adminSc.expectStatus(201, plansApi(adminSc).create(demo.sichuan, { year: 2030, name: '只有选修', requiredMinutes: 0, electiveMinutes: 600 }));
    expect(await plansApi(adminSc).list(demo.sichuan, 2030)).toEqual([expect.objectContaining({ name: '只有选修', electiveMinutes: 600 })]);
    // malformed values: raw
    for (const electiveMinutes of [-1, 1.5, '600', 60_001]) {
      const res = await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/plans`, { year: 2030, name: `bad ${String(electiveMinutes)}`, requiredMinutes: 60, electiveMinutes });
      expect(res.status, String(electiveMinutes)).toBe(400);
    }
    expect((await errorOf(plansApi(adminSc).create(demo.sichuan, { year: 2030, name: '空', requiredMinutes: 0, electiveMinutes: 0 }))).code).toBe('empty_plan');
  });
});
