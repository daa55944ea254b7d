/**
 * Training classes (培训班, issue 12 item 1; docs/programme.md): the Sichuan administrator creates a
 * class of Mianyang — a course and an in-person session, Santai's firm as the target, 钱二 enrolled
 * by licence number — edits it (audited), and reads the report (JSON, CSV, XLSX); 李明 sees it on
 * /api/me/training-classes with progress and deadline and, once all of it is done by the close
 * date, gets a class certificate verified at /api/certificates/verify. Another province's
 * administrator, a lawyer and a trainer get 403 on every route. On both databases.
 */
import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, courseCompletions, lectureProgress } from '../../server/db/schema/index.ts';
import type { TrainingClassDetail } from '../../server/classes/schemas.ts';
import { classesApi, type TrainingClassBody } from '../../web/src/routes/admin/classes-api.ts';
import { inPersonApi } from '../../web/src/routes/admin/in-person-api.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { LIMING, PROGRAMME_PASSWORD, QIANER, startProgrammeFixtures, WANGFANG, ZHAOYI, type ProgrammeFixtures } from '../helpers/programme-fixtures.ts';

// 赵一 (Santai, like 李明) is enrolled through the target firm, 钱二 (Mianyang city firm) one by one

describe.each(availableBackends())('training classes on %s', (backend) => {
  // assigned in beforeAll (the fixture's accounts and clients)
  let { server, demo, adminSc, adminGs, lawyer, trainer, people, auditCount } = {} as ProgrammeFixtures;
  let sessionId: string;
  let gansuSessionId: string;
  let klass: TrainingClassDetail;
  const error = (res: { json: unknown }) => (res.json as { error: string }).error;
  const classes = (client: TestClient) => classesApi(client);
  const codeOf = async (call: Promise<unknown>) => (await errorOf(call)).code;

  const body = (): TrainingClassBody => ({
    name: '2027年县域律师示范培训班',
    organizer: '四川省律师协会',
    kind: 'demonstration',
    opensOn: '2027-06-01',
    closesOn: '2027-12-31',
    courseIds: [demo.courseId],
    sessionIds: [sessionId],
    organizationIds: [demo.santaiFirm],
    lawyers: [QIANER],
  });

  beforeAll(async () => {
    const f = await startProgrammeFixtures(backend);
    ({ server, demo, adminSc, adminGs, lawyer, trainer, people, auditCount } = f);
    sessionId = await f.recordSession(adminSc, demo.mianyang, { title: '示范班开班现场培训', heldOn: '2027-06-12', place: '绵阳市律师协会', minutes: 270 });
    gansuSessionId = await f.recordSession(adminGs, demo.gansu, { title: '甘肃现场培训', heldOn: '2027-06-12', place: '兰州', minutes: 60 });
  });
  afterAll(async () => server?.close());

  it('the Sichuan admin creates a class of Mianyang; audited', async () => {
    klass = await adminSc.expectStatus(201, classes(adminSc).create(demo.mianyang, { ...body(), name: ' 2027年县域律师示范培训班 ' }));
    expect(klass).toMatchObject({
      name: '2027年县域律师示范培训班',
      organizer: '四川省律师协会',
      kind: 'demonstration',
      organization: { id: demo.mianyang },
      courses: [{ id: demo.courseId }],
      sessions: [{ id: sessionId, minutes: 270 }],
      organizations: [{ id: demo.santaiFirm }],
      lawyers: [{ licenseNo: QIANER, name: '钱二' }],
      enrolled: 3, // 李明 and 赵一 through Santai's firm, 钱二 by licence number
    });
    expect(await auditCount('training_class.created')).toBe(1);
    expect(await classes(adminSc).list(demo.sichuan)).toEqual([expect.objectContaining({ id: klass.id, courses: 1, sessions: 1, enrolled: 3 })]);
  });

  it('scope: another province’s admin, a lawyer and a trainer get 403 on every admin route', async () => {
    for (const client of [adminGs, lawyer, trainer]) {
      expect((await errorOf(classes(client).create(demo.mianyang, body()))).status).toBe(403);
      expect((await errorOf(classes(client).list(demo.sichuan))).status).toBe(403);
      expect((await errorOf(classes(client).get(klass.id))).status).toBe(403);
      expect((await errorOf(classes(client).replace(klass.id, body()))).status).toBe(403);
      expect((await errorOf(classes(client).report(klass.id))).status).toBe(403);
      // the file downloads: raw
      expect((await client.raw('GET', `/api/training-classes/${klass.id}/report.csv`)).status).toBe(403);
      expect((await client.raw('GET', `/api/training-classes/${klass.id}/report.xlsx`)).status).toBe(403);
    }
    // an unknown class: 404 to an administrator, 403 to anyone else
    expect((await errorOf(classes(adminSc).get('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await errorOf(classes(lawyer).get('00000000-0000-4000-8000-000000000000'))).status).toBe(403);
    // the Gansu admin may make a Gansu class, with nothing of Sichuan in it
    const gansu: TrainingClassBody = { ...body(), sessionIds: [gansuSessionId], organizationIds: [demo.gansu], lawyers: [] };
    await adminGs.expectStatus(201, classes(adminGs).create(demo.gansu, gansu));
    expect(await codeOf(classes(adminGs).create(demo.gansu, { ...gansu, organizationIds: [demo.santaiFirm] }))).toBe('class_target_outside_organization');
    expect(await codeOf(classes(adminGs).create(demo.gansu, { ...gansu, lawyers: [LIMING] }))).toBe('lawyer_outside_organization');
    expect(await codeOf(classes(adminGs).create(demo.gansu, { ...gansu, sessionIds: [sessionId] }))).toBe('session_outside_organization');
    // and 李明 does not see the Gansu class
    expect(await classes(lawyer).mine()).toMatchObject({ items: [{ id: klass.id }] });
  });

  it('bad input is a clear 400', async () => {
    // well-formed bodies the server refuses: the typed client
    for (const [bad, code] of [
      [{ ...body(), opensOn: '2027-02-30' }, 'invalid_date'],
      [{ ...body(), opensOn: '2028-01-01' }, 'class_dates_reversed'],
      [{ ...body(), name: '   ' }, 'invalid_name'],
      [{ ...body(), organizer: ' ' }, 'invalid_organizer'],
      [{ ...body(), courseIds: [demo.draftCourseId] }, 'class_course_not_published'],
      [{ ...body(), courseIds: ['00000000-0000-4000-8000-000000000000'] }, 'course_unknown'],
      [{ ...body(), sessionIds: ['00000000-0000-4000-8000-000000000000'] }, 'session_unknown'],
      [{ ...body(), lawyers: ['15107209990000009'] }, 'lawyer_unknown'],
      [{ ...body(), lawyers: [WANGFANG] }, 'lawyer_outside_organization'],
    ] as const satisfies readonly (readonly [TrainingClassBody, string])[]) {
      const refused = await errorOf(classes(adminSc).create(demo.mianyang, bad));
      expect([refused.status, refused.code], JSON.stringify(bad)).toEqual([400, code]);
    }
    // malformed bodies: raw (the typed client would not send them)
    for (const bad of [{ ...body(), kind: 'weekly' }, { ...body(), extra: 1 }]) {
      const res = await adminSc.raw('POST', `/api/organizations/${demo.mianyang}/training-classes`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(error(res), JSON.stringify(bad)).toBe('invalid_request');
    }
  });

  it('李明 sees the class on /me with progress and deadline; an attendance counts', async () => {
    const before = await classes(lawyer).mine();
    expect(before.items[0]).toMatchObject({ id: klass.id, closesOn: '2027-12-31', total: 2, done: 0, completed: false, certificate: null });
    await adminSc.expectStatus(201, inPersonApi(adminSc).addAttendee(sessionId, LIMING));
    const after = await classes(lawyer).mine();
    expect(after.items[0]).toMatchObject({ done: 1, minutes: 270, classHours: 6, sessions: [{ id: sessionId, attended: true }], courses: [{ id: demo.courseId, done: false }], completed: false, certificate: null });
  });

  it('all of it done by the close date: a class certificate, verified at /verify; late is not done', async () => {
    const db = server.deps.db;
    await db.insert(courseCompletions).values([
      { userId: demo.users.lawyer, courseId: demo.courseId, completedAt: new Date('2027-09-01T02:00:00Z'), creditMinutes: 45 },
      // 赵一: the course a day after the close date (Beijing), the session not attended
      { userId: people[ZHAOYI]!, courseId: demo.courseId, completedAt: new Date('2027-12-31T16:30:00Z'), creditMinutes: 45 },
    ]);
    await db.insert(lectureProgress).values({ userId: people[ZHAOYI]!, lectureId: demo.lectureId, coveredSeconds: 600, intervals: [], creditMinutes: 45, completedAt: new Date('2027-12-31T16:30:00Z') });
    const mine = await classes(lawyer).mine();
    expect(mine.items[0]).toMatchObject({ done: 2, total: 2, minutes: 315, completed: true });
    const cert = mine.items[0]!.certificate!;
    expect(cert.serial).toMatch(/^LC-\d{4}-\d{6}$/);
    // issued once: reading again answers the same certificate
    expect((await classes(lawyer).mine()).items[0]!.certificate!.id).toBe(cert.id);
    const anonymous = createTestClient(server.baseUrl);
    expect(await anonymous.expectStatus(200, anonymous.verifyCertificate(cert.code))).toMatchObject({ valid: true, kind: 'class', holder: '李明', course: '2027年县域律师示范培训班', creditMinutes: 315, serial: cert.serial });
    // the PDF: raw (a file, its headers checked)
    const pdf = await lawyer.raw('GET', cert.pdfUrl);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.text.startsWith('%PDF')).toBe(true);
    // someone else's class certificate is 403
    const other = createTestClient(server.baseUrl);
    await other.login(QIANER, PROGRAMME_PASSWORD);
    expect((await other.raw('GET', cert.pdfUrl)).status).toBe(403);
    expect((await classes(other).mine()).items[0]).toMatchObject({ done: 0, completed: false });
  });

  it('the report: enrolled, started, completed, hours; CSV and XLSX', async () => {
    const report = await adminSc.expectStatus(200, classes(adminSc).report(klass.id));
    expect(report.totals).toEqual({ enrolled: 3, started: 2, completed: 1, minutes: 315, classHours: 7 });
    const byLicence = Object.fromEntries(report.rows.map((r) => [r.lawyer.licenseNo, r]));
    expect(byLicence[LIMING]).toMatchObject({ done: 2, total: 2, minutes: 315, started: true, completed: true });
    expect(byLicence[LIMING]!.certificateSerial).toMatch(/^LC-/);
    expect(byLicence[ZHAOYI]).toMatchObject({ done: 0, minutes: 0, started: true, completed: false, certificateSerial: null }); // watched late: started, not done
    expect(byLicence[QIANER]).toMatchObject({ done: 0, started: false, completed: false });

    const csv = await adminSc.raw('GET', `/api/training-classes/${klass.id}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain("filename*=UTF-8''");
    const records = parse(csv.text, { bom: true }) as string[][];
    expect(records[0]).toEqual(['姓名', '执业证号', '律师事务所', '已完成课程', '已参加现场培训', '完成项目', '项目总数', '学时', '分钟', '已开始', '已结业', '结业时间', '证书编号']);
    expect(records.find((r) => r[1] === LIMING)).toEqual(expect.arrayContaining(['李明', '1', '2', '7', '315', '是']));
    expect(records.at(-1)![0]).toBe('合计：报名 3 人，已开始 2 人，已结业 1 人');
    const en = parse((await adminSc.raw('GET', `/api/training-classes/${klass.id}/report.csv?lang=en`)).text, { bom: true }) as string[][];
    expect(en[0]![0]).toBe('Name');

    const xlsx = await fetch(`${server.baseUrl}/api/training-classes/${klass.id}/report.xlsx`, { headers: { cookie: adminSc.jar.header() ?? '' } });
    expect(xlsx.status).toBe(200);
    const sheets = (await readXlsxFile(Buffer.from(await xlsx.arrayBuffer()))) as unknown as { sheet: string; data: unknown[][] }[];
    const { sheet: name, data: sheet } = sheets[0]!;
    expect(name).toBe('2027年县域律师示范培训班');
    expect(sheet[0]![0]).toBe('姓名');
    const row = sheet.find((r) => r[1] === LIMING)!;
    expect(row[0]).toBe('李明');
    expect(row[8]).toBe(315);
  });

  it('an edit replaces the lists and is audited with before and after', async () => {
    const replaced = await adminSc.expectStatus(200, classes(adminSc).replace(klass.id, { ...body(), kind: 'provincial', organizationIds: [], lawyers: [LIMING] }));
    expect(replaced).toMatchObject({ kind: 'provincial', organizations: [], lawyers: [{ licenseNo: LIMING }], enrolled: 1 });
    const [entry] = await server.deps.db.select().from(auditLog).where(eq(auditLog.action, 'training_class.updated'));
    expect(entry).toMatchObject({ targetType: 'training_class', targetId: klass.id, before: { kind: 'demonstration', organizationIds: [demo.santaiFirm], organizationNames: [expect.any(String)] }, after: { kind: 'provincial', organizationIds: [], organizationNames: [], licenseNos: [LIMING] } });
    // 钱二 is no longer enrolled
    const other = createTestClient(server.baseUrl);
    await other.login(QIANER, PROGRAMME_PASSWORD);
    expect((await classes(other).mine()).items).toEqual([]);
  });

  it('saving the class as it is changes nothing and logs nothing', async () => {
    const current = await classes(adminSc).get(klass.id);
    const entries = await auditCount('training_class.updated');
    const same = { ...body(), kind: current.kind, organizationIds: [], lawyers: [LIMING] };
    const answer = await adminSc.expectStatus(200, classes(adminSc).replace(klass.id, same));
    expect(answer.updatedAt).toBe(current.updatedAt);
    expect(await auditCount('training_class.updated')).toBe(entries);
    // a real change is logged
    await adminSc.expectStatus(200, classes(adminSc).replace(klass.id, { ...same, name: '2027年县域律师示范培训班（修订）' }));
    expect(await auditCount('training_class.updated')).toBe(entries + 1);
  });

  it('two administrators editing at once: the later save is refused, not silently undoing the first', async () => {
    const loaded = await classes(adminSc).get(klass.id);
    const asLoaded = { ...body(), name: loaded.name, kind: loaded.kind, organizationIds: loaded.organizations.map((o) => o.id), lawyers: loaded.lawyers.map((l) => l.licenseNo), expectedUpdatedAt: loaded.updatedAt };
    const entries = await auditCount('training_class.updated');
    // the first editor saves a new organizer
    const first = await adminSc.expectStatus(200, classes(adminSc).replace(klass.id, { ...asLoaded, organizer: '绵阳市律师协会' }));
    expect(first.updatedAt).not.toBe(loaded.updatedAt);
    // the second, still on what it loaded, changes the deadline: refused, with a code the catalogs name
    const refused = await errorOf(classes(adminSc).replace(klass.id, { ...asLoaded, closesOn: '2027-11-30' }));
    expect([refused.status, refused.code]).toEqual([409, 'class_changed']);
    const after = await classes(adminSc).get(klass.id);
    expect(after).toMatchObject({ organizer: '绵阳市律师协会', closesOn: loaded.closesOn, updatedAt: first.updatedAt });
    expect(await auditCount('training_class.updated')).toBe(entries + 1);
    // reopened (the current updatedAt), the same change saves
    const redone = await adminSc.expectStatus(200, classes(adminSc).replace(klass.id, { ...asLoaded, organizer: after.organizer, closesOn: '2027-11-30', expectedUpdatedAt: after.updatedAt }));
    expect(redone).toMatchObject({ organizer: '绵阳市律师协会', closesOn: '2027-11-30' });
    // resending exactly what is stored is no conflict whatever it expected (nothing to save)
    await adminSc.expectStatus(200, classes(adminSc).replace(klass.id, { ...asLoaded, organizer: after.organizer, closesOn: '2027-11-30', expectedUpdatedAt: loaded.updatedAt }));
  });
});
