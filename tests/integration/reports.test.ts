/**
 * The audit report against hand-computed fixtures: credit rows are inserted directly with
 * completion times on both sides of training-year boundaries in Asia/Shanghai, plans target
 * cities and firms, and one plan requires a course.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseCompletions, courses, lectureProgress, lectures, trainingPlanCourses, trainingPlans, trainingPlanTargets, users } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import type { OrganizationReport } from '../../web/src/lib/api/types.ts';
import { plansApi } from '../../web/src/routes/admin/admin-api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let demo: DemoIds;
let admin: TestClient;
let adminSc: TestClient;
let lawyer: TestClient;
const ids: Record<string, string> = {};

type Report = OrganizationReport;

const report = async (client: TestClient, orgId: string, year: number): Promise<Report> => {
  return client.expectStatus(200, client.report(orgId, year));
};
const byLicence = (r: Report) => new Map(r.lawyers.map((l) => [l.licenseNo, l]));

beforeAll(async () => {
  server = await startTestServer();
  demo = server.demo!;
  const db = server.deps.db;

  // Lawyers: the demo's two, plus a few more (licence numbers are the keys below).
  const extra = [
    { key: 'A', name: '周一', org: demo.santaiFirm },
    { key: 'D', name: '吴四', org: demo.santaiFirm },
    { key: 'B', name: '郑二', org: demo.mianyangCityFirm },
    { key: 'E', name: '孙五', org: demo.mianyangCityFirm },
    { key: 'F', name: '=HYPERLINK("http://evil.example","点我")', org: demo.ganguFirm },
  ];
  for (const p of extra) {
    const [row] = await db.insert(users).values({ login: `fixture-${p.key}`, name: p.name, organizationId: p.org, licenseNo: `L-${p.key}` }).returning();
    ids[p.key] = row!.id;
  }
  ids.lawyer = demo.users.lawyer;
  ids.lawyer2 = demo.users.lawyer2;

  const [ethics] = await db
    .insert(courses)
    .values({ organizationId: demo.sichuan, title: '律师职业道德', category: 'ethics_regulation', status: 'published', publishedAt: new Date() })
    .returning();
  ids.ethics = ethics!.id;
  const lectureIds: string[] = [];
  for (let position = 1; position <= 5; position++) {
    const [l] = await db.insert(lectures).values({ courseId: ids.ethics, position, title: `第${position}讲`, status: 'ready', durationSeconds: 3600 }).returning();
    lectureIds.push(l!.id);
  }
  const [L1, L2, L3, L4, L5] = lectureIds as [string, string, string, string, string];

  const progress = (userId: string, lectureId: string, creditMinutes: number, completedAt: string | null) => ({
    userId,
    lectureId,
    creditMinutes,
    completedAt: completedAt ? new Date(completedAt) : null,
    coveredSeconds: completedAt ? 3500 : 100,
    intervals: [],
  });
  await db.insert(lectureProgress).values([
    // 李明 (demo lawyer): 2027 in Shanghai = 90 + 60 + 45 = 195; 2028 = 30; 2026 = 20
    progress(ids.lawyer, L1, 90, '2027-03-01T02:00:00Z'),
    progress(ids.lawyer, L2, 60, '2026-12-31T16:30:00Z'), // 2027-01-01 00:30 in Shanghai
    progress(ids.lawyer, L3, 45, '2027-12-31T15:59:00Z'), // 2027-12-31 23:59 in Shanghai
    progress(ids.lawyer, L4, 30, '2027-12-31T16:00:00Z'), // 2028-01-01 00:00 in Shanghai
    progress(ids.lawyer, L5, 20, '2026-12-31T15:59:59Z'), // 2026-12-31 23:59:59 in Shanghai
    progress(ids.A!, L1, 120, '2027-06-01T00:00:00Z'),
    progress(ids.A!, L2, 0, null), // started, never completed: no credit
    progress(ids.B!, L1, 200, '2027-06-01T00:00:00Z'),
    progress(ids.E!, L1, 180, '2027-06-01T00:00:00Z'),
    progress(ids.lawyer2, L1, 100, '2027-06-01T00:00:00Z'),
    // staff without a licence number are not lawyers: never in the report
    progress(demo.users['admin-sc'], L1, 500, '2027-06-01T00:00:00Z'),
    progress(demo.users.trainer, L1, 500, '2027-06-01T00:00:00Z'),
  ]);
  await db.insert(courseCompletions).values([
    { userId: ids.lawyer, courseId: ids.ethics, completedAt: new Date('2027-05-01T00:00:00Z'), creditMinutes: 0 },
    { userId: ids.E!, courseId: ids.ethics, completedAt: new Date('2025-06-01T00:00:00Z'), creditMinutes: 0 }, // earlier year: counts
    { userId: ids.B!, courseId: ids.ethics, completedAt: new Date('2028-02-01T00:00:00Z'), creditMinutes: 0 }, // after the year: does not
  ]);

  const plan = async (organizationId: string, year: number, name: string, requiredMinutes: number, targets: string[] = [], courseIds: string[] = []) => {
    const [p] = await db.insert(trainingPlans).values({ organizationId, year, name, requiredMinutes }).returning();
    if (targets.length) await db.insert(trainingPlanTargets).values(targets.map((organizationId) => ({ planId: p!.id, organizationId })));
    if (courseIds.length) await db.insert(trainingPlanCourses).values(courseIds.map((courseId) => ({ planId: p!.id, courseId })));
  };
  await plan(demo.national, 2027, '全国基础', 60); // no targets: every lawyer in the country
  await plan(demo.sichuan, 2027, '四川绵阳', 180, [demo.mianyang], [ids.ethics]);
  await plan(demo.sichuan, 2027, '四川涪城', 150, [demo.mianyangCityFirm]);
  await plan(demo.gansu, 2027, '甘肃天水', 120, [demo.tianshui]);
  await plan(demo.national, 2026, '全国2026', 1000);

  admin = createTestClient(server.baseUrl);
  adminSc = createTestClient(server.baseUrl);
  lawyer = createTestClient(server.baseUrl);
  await admin.login('admin', 'lectern-demo');
  await adminSc.login('admin-sc', 'lectern-demo');
  await lawyer.login('lawyer', 'lectern-demo');
});
afterAll(async () => server?.close());

describe('report numbers (training year in Asia/Shanghai)', () => {
  it('Sichuan 2027: credit on both sides of the boundary, the largest requirement, required courses', async () => {
    const r = await report(adminSc, demo.sichuan, 2027);
    expect(r.organization).toMatchObject({ id: demo.sichuan, name: '四川省律师协会' });
    expect(r.from).toBe('2026-12-31T16:00:00.000Z');
    expect(r.to).toBe('2027-12-31T16:00:00.000Z');
    const rows = byLicence(r);
    expect([...rows.keys()].sort()).toEqual(['15107202110000001', 'L-A', 'L-B', 'L-D', 'L-E']);

    expect(rows.get('15107202110000001')).toMatchObject({ name: '李明', firm: '三台县明理律师事务所', creditMinutes: 195, requiredMinutes: 180, planCount: 2, missingCourses: [], met: true, classHours: 4.33 });
    expect(rows.get('L-A')).toMatchObject({ creditMinutes: 120, requiredMinutes: 180, met: false, missingCourses: [{ id: ids.ethics, title: '律师职业道德' }] });
    expect(rows.get('L-D')).toMatchObject({ creditMinutes: 0, requiredMinutes: 180, met: false });
    // 200 ≥ 180 but the required course was completed only after the year ended
    expect(rows.get('L-B')).toMatchObject({ creditMinutes: 200, requiredMinutes: 180, planCount: 3, met: false, missingCourses: [{ id: ids.ethics }] });
    // exactly the requirement, and the course done in an earlier year
    expect(rows.get('L-E')).toMatchObject({ creditMinutes: 180, requiredMinutes: 180, met: true, missingCourses: [] });
    expect(r.totals).toEqual({ lawyers: 5, creditMinutes: 195 + 120 + 0 + 200 + 180, onlineMinutes: 195 + 120 + 0 + 200 + 180, inPersonMinutes: 0, met: 2, planned: 5 });
  });

  it('national 2027 adds Gansu: the same lawyer gets the same numbers in every report', async () => {
    const national = await report(admin, demo.national, 2027);
    const sichuan = await report(admin, demo.sichuan, 2027);
    const rows = byLicence(national);
    expect(rows.size).toBe(7);
    expect(rows.get('16205202210000002')).toMatchObject({ name: '王芳', creditMinutes: 100, requiredMinutes: 120, met: false });
    expect(rows.get('L-F')).toMatchObject({ creditMinutes: 0, requiredMinutes: 120, met: false });
    for (const row of sichuan.lawyers) expect(rows.get(row.licenseNo)).toEqual(row);
    expect(national.totals).toEqual({ lawyers: 7, creditMinutes: 795, onlineMinutes: 795, inPersonMinutes: 0, met: 2, planned: 7 });
  });

  it('a city or a single firm reports only its own lawyers', async () => {
    const firm = await report(adminSc, demo.mianyangCityFirm, 2027);
    expect(firm.lawyers.map((l) => l.licenseNo).sort()).toEqual(['L-B', 'L-E']);
    expect(firm.totals).toEqual({ lawyers: 2, creditMinutes: 380, onlineMinutes: 380, inPersonMinutes: 0, met: 1, planned: 2 });
    const tianshui = await report(admin, demo.tianshui, 2027);
    expect(tianshui.totals).toEqual({ lawyers: 2, creditMinutes: 100, onlineMinutes: 100, inPersonMinutes: 0, met: 0, planned: 2 });
  });

  it('2028 holds only what was completed from 1 January 2028 in Shanghai; no plan means not planned, never met (issue 8)', async () => {
    const r = await report(admin, demo.national, 2028);
    expect(byLicence(r).get('15107202110000001')).toMatchObject({ creditMinutes: 30, requiredMinutes: 0, planned: false, met: null });
    expect(r.totals).toEqual({ lawyers: 7, creditMinutes: 30, onlineMinutes: 30, inPersonMinutes: 0, met: 0, planned: 0 });
  });

  it('2026 holds the last second of 2026 in Shanghai and is measured against the 2026 plan', async () => {
    const r = await report(admin, demo.national, 2026);
    expect(byLicence(r).get('15107202110000001')).toMatchObject({ creditMinutes: 20, requiredMinutes: 1000, met: false });
    expect(r.totals).toEqual({ lawyers: 7, creditMinutes: 20, onlineMinutes: 20, inPersonMinutes: 0, met: 0, planned: 7 });
  });

  it('an association that starts its year in April moves the boundaries (and 学时 follow its minutes)', async () => {
    await adminSc.expectStatus(200, plansApi(adminSc).saveSettings(demo.sichuan, { trainingYearStartMonth: 4, minutesPerClassHour: 40 }));
    try {
      const r = await report(adminSc, demo.sichuan, 2026);
      expect(r.from).toBe('2026-03-31T16:00:00.000Z');
      expect(r.to).toBe('2027-03-31T16:00:00.000Z');
      expect(r.minutesPerClassHour).toBe(40);
      // 1 Apr 2026 – 31 Mar 2027: 90 (March 2027) + 60 (1 Jan 2027) + 20 (31 Dec 2026)
      expect(byLicence(r).get('15107202110000001')).toMatchObject({ creditMinutes: 170, classHours: 4.25 });
    } finally {
      await plansApi(adminSc).saveSettings(demo.sichuan, { trainingYearStartMonth: null, minutesPerClassHour: null });
    }
  });
});

describe('who may see a report', () => {
  it('the Sichuan admin gets 403 on Gansu, on a Gansu firm and on the national association', async () => {
    for (const orgId of [demo.gansu, demo.ganguFirm, demo.national]) {
      const refused = await errorOf(adminSc.report(orgId, 2027));
      expect([refused.status, refused.code]).toEqual([403, 'forbidden']);
      // the CSV download: raw
      const csv = await adminSc.raw('GET', `/api/organizations/${orgId}/report.csv?year=2027`);
      expect(csv.status).toBe(403);
      expect(csv.json).toMatchObject({ error: 'forbidden' });
    }
  });

  it('a lawyer gets 403, no session 401, an unknown organization 403', async () => {
    expect((await errorOf(lawyer.report(demo.santaiFirm, 2027))).status).toBe(403);
    expect((await errorOf(createTestClient(server.baseUrl).report(demo.sichuan, 2027))).status).toBe(401);
    expect((await errorOf(admin.report('00000000-0000-4000-8000-000000000000', 2027))).status).toBe(403);
  });

  it('a bad year or organization id is a 400 with a message', async () => {
    // malformed queries and ids: raw
    for (const query of ['year=99999', 'year=abc', 'year=2026.5', 'year=1999', 'year=', 'yaer=2026']) {
      const res = await admin.raw('GET', `/api/organizations/${demo.national}/report?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    }
    expect((await admin.raw('GET', `/api/organizations/not-a-uuid/report?year=2027`)).status).toBe(400);
    expect((await admin.raw('GET', `/api/organizations/${demo.national}/report.csv?year=abc`)).status).toBe(400);
  });

  it('without a year: the current training year', async () => {
    const current = await admin.expectStatus(200, admin.report(demo.national));
    const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
    expect(current.year).toBe(year);
  });
});

describe('CSV', () => {
  it('UTF-8 with BOM, a Chinese header row, CRLF, and the same rows as the JSON', async () => {
    const res = await fetch(`${server.baseUrl}/api/organizations/${demo.national}/report.csv?year=2027`, { headers: { cookie: admin.jar.header()! } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const disposition = res.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="lectern-report-100000-2027\.csv"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("''")[1]!)).toBe('中华全国律师协会-2027年度学时报表.csv');

    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith('\uFEFF姓名,执业证号,律师事务所,')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe(''); // every record ends with CRLF
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);

    const records = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    const json = await report(admin, demo.national, 2027);
    expect(records).toHaveLength(json.lawyers.length);
    json.lawyers.forEach((l, i) => {
      const rec = records[i]!;
      expect(rec['执业证号']!.trim()).toBe(l.licenseNo);
      expect(rec['律师事务所']).toBe(l.firm);
      expect(Number(rec['已获（分钟）'])).toBe(l.creditMinutes);
      expect(Number(rec['已获学时'])).toBe(l.classHours);
      expect(Number(rec['要求（分钟）'])).toBe(l.requiredMinutes);
      expect(rec['是否达标']).toBe(l.met === null ? '未纳入计划' : l.met ? '是' : '否');
      expect(rec['未完成的必修课程']).toBe(l.missingCourses.map((c) => c.title).join('；'));
      expect(rec['姓名']!.replace(/^'(?=[=+\-@])/, '')).toBe(l.name);
    });
  });

  it('a name that looks like a formula is neutralised; licence numbers stay text in Excel', async () => {
    const res = await admin.raw('GET', `/api/organizations/${demo.ganguFirm}/report.csv?year=2027`);
    const records = parse(res.text, { bom: true, columns: true }) as Record<string, string>[];
    const evil = records.find((r) => r['执业证号']!.trim() === 'L-F')!;
    expect(evil['姓名']).toBe(`'=HYPERLINK("http://evil.example","点我")`);
    expect(records.every((r) => r['执业证号']!.startsWith('\t'))).toBe(true);
  });

  it('English headers on request', async () => {
    const res = await admin.raw('GET', `/api/organizations/${demo.sichuan}/report.csv?year=2027&lang=en`);
    // (fetch's text() drops the BOM; the bytes test above checks it)
    expect(res.text.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
      'Name,Licence number,Law firm,Region code,County firm,Credit (minutes),Credit (class hours),Of which online (minutes),Of which in person (minutes),Required (minutes),Required (class hours),Elective required (minutes),Elective credit (minutes),Requirement basis,Met,Required courses not completed',
    );
  });
});
