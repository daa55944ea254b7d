/**
 * Dashboard and bulletin (通报, issue 12 item 5; docs/programme.md): the figures per province and
 * city for a period, with online and in-person hours, a plan for compliance and a young lawyer;
 * the commendation list by the admin's rules; the PDF rendered to PNG (poppler's pdftoppm) and its
 * Chinese text read back (pdftotext); the XLSX read back (read-excel-file); scope (403, 401) and
 * bad input (400). On both databases.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { PNG } from 'pngjs';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { courseCompletions, lectureProgress, users } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { bulletinApi } from '../../web/src/routes/admin/bulletin-api.ts';
import { plansApi } from '../../web/src/routes/admin/admin-api.ts';
import { inPersonApi } from '../../web/src/routes/admin/in-person-api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);
const YEAR = 2027;
const ZHAO = '15107202610000101'; // young: practising since 2026-03-01

describe.each(availableBackends())('dashboard and bulletin on %s', (backend) => {
  let server: TestServer;
  let demo: DemoIds;
  let admin: TestClient;
  let adminSc: TestClient;
  let adminGs: TestClient;
  let lawyer: TestClient;
  let tmp: string;
  const ids: Record<string, string> = {};

  const download = async (client: TestClient, url: string) => {
    const res = await fetch(`${server.baseUrl}${url}`, { headers: { cookie: client.jar.header() ?? '' } });
    return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) };
  };

  beforeAll(async () => {
    server = await startTestServer({ backend });
    demo = server.demo!;
    const db = server.deps.db;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulletin-test-'));
    const auth = new AuthService(new AuthRepository(db), { attemptsPerMinute: 10 });
    const gs = await auth.createUser({ login: 'admin-gs', name: '马主任', password: 'bulletin-test-1', organizationId: demo.gansu, licenseNo: null });
    await new AuthRepository(db).grantRole(gs.id, demo.gansu, 'admin');
    ids.zhao = (await auth.createUser({ login: ZHAO, name: '赵一', password: 'bulletin-test-1', organizationId: demo.santaiFirm, licenseNo: ZHAO })).id;
    ids.qian = (await auth.createUser({ login: '15107201010000102', name: '钱二', password: 'bulletin-test-1', organizationId: demo.mianyangCityFirm, licenseNo: '15107201010000102' })).id;
    await db.update(users).set({ practiceStartedOn: '2026-03-01' }).where(eq(users.id, ids.zhao));
    await db.update(users).set({ practiceStartedOn: '2010-07-01' }).where(eq(users.id, ids.qian));
    await db.update(users).set({ practiceStartedOn: '2015-01-01' }).where(eq(users.id, demo.users.lawyer));
    await db.update(users).set({ practiceStartedOn: '2012-01-01' }).where(eq(users.id, demo.users.lawyer2));
    // online credit: 李明 900 minutes in May, 钱二 300 in February, 王芳 120 in May; 李明 completes the course in May
    const progress = (userId: string, creditMinutes: number, at: string) => ({ userId, lectureId: demo.lectureId, creditMinutes, completedAt: new Date(at), coveredSeconds: 3500, intervals: [] });
    await db.insert(lectureProgress).values([progress(demo.users.lawyer, 900, '2027-05-01T02:00:00Z'), progress(ids.qian, 300, '2027-02-10T02:00:00Z'), progress(demo.users.lawyer2, 120, '2027-05-03T02:00:00Z')]);
    await db.insert(courseCompletions).values({ userId: demo.users.lawyer, courseId: demo.courseId, completedAt: new Date('2027-05-01T02:00:00Z'), creditMinutes: 900 });

    admin = createTestClient(server.baseUrl);
    adminSc = createTestClient(server.baseUrl);
    adminGs = createTestClient(server.baseUrl);
    lawyer = createTestClient(server.baseUrl);
    await admin.login('admin', 'lectern-demo');
    await adminSc.login('admin-sc', 'lectern-demo');
    await adminGs.login('admin-gs', 'bulletin-test-1');
    await lawyer.login('lawyer', 'lectern-demo');
    // in person: 赵一 attends a Mianyang session of 8 学时 (360 minutes) in May
    const session = await adminSc.expectStatus(201, inPersonApi(adminSc).create(demo.mianyang, { title: '县域律师现场培训', heldOn: '2027-05-20', place: '绵阳市律师协会', minutes: 360 }));
    await adminSc.expectStatus(201, inPersonApi(adminSc).addAttendee(session.id, ZHAO));
    // a Sichuan plan of 600 minutes: 李明 meets it, 赵一 and 钱二 not yet; 王芳 is not planned
    await adminSc.expectStatus(201, plansApi(adminSc).create(demo.sichuan, { year: YEAR, name: '县域律师培训', requiredMinutes: 600 }));
  });
  afterAll(async () => {
    await server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the national dashboard of a quarter: totals, provinces, cities, months', async () => {
    const d = await admin.expectStatus(200, bulletinApi(admin).dashboard(demo.national, { period: `${YEAR}-Q2` }));
    expect(d.period).toMatchObject({ id: '2027-Q2', kind: 'quarter', year: YEAR, months: ['2027-04', '2027-05', '2027-06'], label: { zh: '2027年度第二季度' } });
    expect(d.total.all).toMatchObject({ lawyers: 4, participants: 4, participation: 1, planned: 3, met: 1, compliance: 0.3333, yearMinutes: 1680, periodMinutes: 1380, periodParticipants: 3, completions: 1 });
    expect(d.total.all.classHoursPerLawyer).toBe(9.3); // 1680 / 4 / 45
    expect(d.total.countyFirms).toMatchObject({ lawyers: 3, periodMinutes: 1380 });
    expect(d.total.cityFirms).toMatchObject({ lawyers: 1, participants: 1, periodMinutes: 0, periodParticipants: 0 });
    expect(d.total.young).toMatchObject({ lawyers: 1, periodMinutes: 360, met: 0, planned: 1 });
    expect(d.total.firms).toEqual({ county: 2, city: 1, countyParticipating: 2, cityParticipating: 1 });
    expect(d.total.months.map((m) => m.month)).toEqual(['2027-01', '2027-02', '2027-03', '2027-04', '2027-05', '2027-06']);
    expect(d.total.months[1]).toMatchObject({ onlineMinutes: 300, inPersonMinutes: 0, activeLawyers: 1 });
    expect(d.total.months[4]).toMatchObject({ onlineMinutes: 1020, inPersonMinutes: 360, activeLawyers: 3, completions: 1 });
    expect(d.provinces.map((p) => [p.name, p.all.lawyers, p.all.met])).toEqual([
      ['四川省律师协会', 3, 1],
      ['甘肃省律师协会', 1, 0],
    ]);
    expect(d.cities.map((c) => [c.name, c.all.lawyers, c.all.periodMinutes])).toEqual([
      ['绵阳市律师协会', 3, 1260],
      ['天水市律师协会', 1, 120],
    ]);
    expect(d.commendation.lawyers.map((l) => [l.rank, l.name, l.classHours])).toEqual([
      [1, '李明', 20],
      [2, '赵一', 8],
      [3, '王芳', 2.7],
    ]);
    expect(d.commendation.firms.map((f) => [f.name, f.classHoursPerLawyer])).toEqual([
      ['三台县明理律师事务所', 14],
      ['甘谷县渭水律师事务所', 2.7],
    ]);
  });

  it('the commendation follows the rules the admin picks', async () => {
    const byCompletions = await bulletinApi(admin).dashboard(demo.national, { period: `${YEAR}-Q2`, lawyersBy: 'completions', firmsBy: 'compliance' });
    expect(byCompletions.commendation.lawyers.map((l) => l.name)).toEqual(['李明']);
    expect(byCompletions.commendation.firms.map((f) => [f.name, f.compliance])).toEqual([['三台县明理律师事务所', 0.5]]);
    const strict = await bulletinApi(admin).dashboard(demo.national, { period: `${YEAR}-Q2`, top: 1, minFirmLawyers: 2, minClassHours: 5 });
    expect(strict.commendation.lawyers.map((l) => l.name)).toEqual(['李明']);
    expect(strict.commendation.firms.map((f) => f.name)).toEqual(['三台县明理律师事务所']);
    expect(strict.commendation.rules).toMatchObject({ top: 1, minFirmLawyers: 2, minClassHours: 5, countyOnly: false });
    // February: only 钱二 (a city firm); county only: nobody
    const feb = await bulletinApi(admin).dashboard(demo.national, { period: `${YEAR}-02` });
    expect(feb.commendation.lawyers.map((l) => l.name)).toEqual(['钱二']);
    expect((await bulletinApi(admin).dashboard(demo.national, { period: `${YEAR}-02`, countyOnly: true })).commendation.lawyers).toEqual([]);
  });

  it('the Sichuan admin gets Sichuan: per city, no provinces', async () => {
    const d = await adminSc.expectStatus(200, bulletinApi(adminSc).dashboard(demo.sichuan, { period: String(YEAR) }));
    expect(d.provinces).toEqual([]);
    expect(d.cities.map((c) => c.name)).toEqual(['绵阳市律师协会']);
    expect(d.total.all).toMatchObject({ lawyers: 3, planned: 3, met: 1, yearMinutes: 1560 });
    expect(d.total.months).toHaveLength(12);
  });

  it('scope: another province, a lawyer → 403; anonymous → 401; a firm or a bad period → 400', async () => {
    const period = String(YEAR);
    expect((await errorOf(bulletinApi(adminSc).dashboard(demo.gansu, { period }))).status).toBe(403);
    expect((await errorOf(bulletinApi(adminSc).dashboard(demo.national, { period }))).status).toBe(403);
    expect((await errorOf(bulletinApi(adminGs).dashboard(demo.sichuan, { period }))).status).toBe(403);
    expect((await errorOf(bulletinApi(lawyer).dashboard(demo.sichuan, { period }))).status).toBe(403);
    expect((await errorOf(bulletinApi(createTestClient(server.baseUrl)).dashboard(demo.sichuan, { period }))).status).toBe(401);
    // the file downloads: raw
    for (const url of ['bulletin.pdf', 'bulletin.xlsx']) {
      expect((await adminSc.raw('GET', `/api/organizations/${demo.gansu}/${url}?period=${YEAR}`)).status, url).toBe(403);
      expect((await adminSc.raw('GET', `/api/organizations/${demo.national}/${url}?period=${YEAR}`)).status, url).toBe(403);
      expect((await adminGs.raw('GET', `/api/organizations/${demo.sichuan}/${url}?period=${YEAR}`)).status, url).toBe(403);
      expect((await lawyer.raw('GET', `/api/organizations/${demo.sichuan}/${url}?period=${YEAR}`)).status, url).toBe(403);
      expect((await createTestClient(server.baseUrl).raw('GET', `/api/organizations/${demo.sichuan}/${url}?period=${YEAR}`)).status, url).toBe(401);
    }
    const firm = await errorOf(bulletinApi(adminSc).dashboard(demo.santaiFirm, { period }));
    expect([firm.status, firm.code]).toEqual([400, 'bulletin_needs_association']);
    // malformed queries: raw
    for (const bad of ['2027-13', '2027-Q5', '27', '2027-1', '1999']) {
      const res = await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/dashboard?period=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(['invalid_request', 'invalid_period']).toContain((res.json as { error: string }).error);
    }
    expect((await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/dashboard?top=0`)).status).toBe(400);
  });

  it('the bulletin PDF: page 1 renders to a PNG that is not blank; its text names the association, 通报 and a commended firm', async () => {
    const pdf = await download(adminSc, `/api/organizations/${demo.sichuan}/bulletin.pdf?period=${YEAR}-Q2`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.disposition).toContain(`filename*=UTF-8''${encodeURIComponent('四川省律师协会-2027年度第二季度通报.pdf')}`);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const file = path.join(tmp, 'bulletin.pdf');
    await writeFile(file, pdf.bytes);
    await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(tmp, 'page1')]);
    const png = PNG.sync.read(await readFile(path.join(tmp, 'page1.png')));
    let ink = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 200 || png.data[i + 1]! < 200 || png.data[i + 2]! < 200) ink++;
    const share = ink / (png.width * png.height);
    expect(png.width).toBeGreaterThan(400);
    expect(share).toBeGreaterThan(0.01); // text, rules and the chart: far from a blank page
    expect(share).toBeLessThan(0.6);
    const { stdout } = await run('pdftotext', ['-layout', file, '-']);
    const text = stdout.replace(/[ \t]+/g, ' ');
    expect(text).toContain('四川省律师协会');
    expect(text).toContain('关于2027年度第二季度律师培训情况的通报');
    expect(text).toContain('三台县明理律师事务所');
    expect(text).toContain('表彰名单');
    expect(text).toContain('李明');
    expect(text).toContain('绵阳市律师协会');
    // no page holds only its number: the last page ends with the association's name and date
    const pages = Number(/Pages:\s+(\d+)/.exec((await run('pdfinfo', [file])).stdout)![1]);
    expect(text).toMatch(new RegExp(`1\\s*/\\s*${pages}`));
    const last = (await run('pdftotext', ['-f', String(pages), '-l', String(pages), file, '-'])).stdout;
    expect(last).toContain('四川省律师协会');
  });

  it('the bulletin XLSX reads back: overview, regions, months, commended firms and lawyers', async () => {
    const xlsx = await download(admin, `/api/organizations/${demo.national}/bulletin.xlsx?period=${YEAR}-Q2`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.type).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const sheets = (await readXlsxFile(xlsx.bytes)) as unknown as { sheet: string; data: unknown[][] }[];
    expect(sheets.map((s) => s.sheet)).toEqual(['总体情况', '分地区', '逐月', '表彰律所', '表彰律师']);
    const [overview, regions, months, firms, lawyers] = sheets.map((s) => s.data);
    expect(overview![0]![0]).toBe('中华全国律师协会');
    expect(overview![1]![0]).toBe('关于2027年度第二季度律师培训情况的通报');
    expect(overview![5]!.slice(1, 5)).toEqual([3, 3, 4, 4]); // firms, participating firms, lawyers, participants
    expect(regions!.slice(1, 3).map((r) => [r[0], r[6]])).toEqual([
      ['四川省律师协会', 3],
      ['甘肃省律师协会', 1],
    ]);
    expect(months!.find((r) => r[0] === '2027-05')?.slice(1)).toEqual([22.7, 8, 3, 1]);
    expect(firms![2]!.slice(0, 2)).toEqual([1, '三台县明理律师事务所']);
    expect(lawyers!.slice(2).map((r) => [r[1], r[2], r[5]])).toEqual([
      ['李明', '15107202110000001', 20],
      ['赵一', ZHAO, 8],
      ['王芳', '16205202210000002', 2.7],
    ]);
    // English on request
    const en = await download(admin, `/api/organizations/${demo.national}/bulletin.xlsx?period=${YEAR}-Q2&lang=en`);
    expect(((await readXlsxFile(en.bytes)) as unknown as { sheet: string }[]).map((s) => s.sheet)).toEqual(['Overview', 'By region', 'By month', 'Firms commended', 'Lawyers commended']);
  });
});
