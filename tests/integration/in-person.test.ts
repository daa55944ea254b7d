/**
 * In-person hours (现场培训, issue 12 item 2; docs/programme.md): the Sichuan administrator records
 * a session, adds 李明 by form and others from a sign-in sheet (CSV and XLSX, previewed, all or
 * nothing), corrects with a reason (audited, kept beside the original), and the minutes join the
 * online credit in /api/me/requirement, the report, its CSV and the evidence page. On both
 * databases.
 */
import { parse } from 'csv-parse/sync';
import { and, count, eq } from 'drizzle-orm';
import writeXlsxFile from 'write-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, inPersonAttendances, inPersonCorrections, lectureProgress } from '../../server/db/schema/index.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, settle, type TestClient } from '../helpers/http.ts';
import { LIMING, startProgrammeFixtures, WANGFANG, type ProgrammeFixtures } from '../helpers/programme-fixtures.ts';
import { inPersonApi } from '../../web/src/routes/admin/in-person-api.ts';
import { evidenceApi } from '../../web/src/routes/evidence/evidence-api.ts';
import type { InPersonSession, InPersonSessionDetail, SignInSheetPreview } from '../../web/src/lib/api/types.ts';

// 赵一 (15107202310000100, Santai) and 钱二 (15107202310000101, Mianyang city firm): programme-fixtures.ts
const YEAR = 2027;
const UNKNOWN = '15107209990000009';

type Session = InPersonSession;
type Detail = InPersonSessionDetail;
type Preview = SignInSheetPreview;
const inPerson = (client: TestClient) => inPersonApi(client);
/** status and machine code of a refused typed call */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, error: error.code };
};

describe.each(availableBackends())('in-person hours on %s', (backend) => {
  // assigned in beforeAll (the fixture's accounts and clients)
  let { server, demo, adminSc, adminGs, lawyer, trainer, people: colleagues, auditCount } = {} as ProgrammeFixtures;
  let session: Session;

  const attendanceCount = async () => Number((await server.deps.db.select({ n: count() }).from(inPersonAttendances))[0]!.n);
  const xlsx = async (rows: (string | null)[][]) => (await writeXlsxFile(rows.map((r) => r.map((value) => (value === null ? null : { value, type: String })))).toBuffer()).toString('base64');

  beforeAll(async () => {
    ({ server, demo, adminSc, adminGs, lawyer, trainer, people: colleagues, auditCount } = await startProgrammeFixtures(backend));
    const db = server.deps.db;
    // 李明's online credit of 2027: 900 minutes (20 学时)
    await db.insert(lectureProgress).values({ userId: demo.users.lawyer, lectureId: demo.lectureId, creditMinutes: 900, completedAt: new Date('2027-05-01T02:00:00Z'), coveredSeconds: 3500, intervals: [] });
  });
  afterAll(async () => server?.close());

  it('the Sichuan admin records a session of Mianyang; audited', async () => {
    session = await adminSc.expectStatus(201, inPerson(adminSc).create(demo.mianyang, { title: ' 县域律师现场培训 ', heldOn: '2027-06-12', place: '绵阳市律师协会会议室', minutes: 360 }));
    expect(session).toMatchObject({ title: '县域律师现场培训', heldOn: '2027-06-12', minutes: 360, classHours: 8, attendees: 0, organization: { id: demo.mianyang } });
    expect(await auditCount('in_person.session_created')).toBe(1);
  });

  it('scope: another province’s admin, a lawyer and a trainer get 403 on every route', async () => {
    const body = { title: 'x', heldOn: '2027-06-12', place: 'y', minutes: 60 };
    for (const client of [adminGs, lawyer, trainer]) {
      const api = inPerson(client);
      expect((await errorOf(api.create(demo.mianyang, body))).status).toBe(403);
      expect((await errorOf(api.list(demo.sichuan, YEAR))).status).toBe(403);
      expect((await errorOf(api.session(session.id))).status).toBe(403);
      expect((await errorOf(api.addAttendee(session.id, LIMING))).status).toBe(403);
      expect((await errorOf(api.previewSheet(session.id, { csv: `执业证号\n${LIMING}\n` }))).status).toBe(403);
      expect((await errorOf(api.importSheet(session.id, { csv: `执业证号\n${LIMING}\n` }))).status).toBe(403);
      expect((await errorOf(api.correctSessionMinutes(session.id, 300, 'r'))).status).toBe(403);
    }
    // the Gansu admin may record a Gansu session, and not add a Sichuan lawyer to it
    const gansu = await adminGs.expectStatus(201, inPerson(adminGs).create(demo.gansu, body));
    expect(await refusal(inPerson(adminGs).addAttendee(gansu.id, LIMING))).toEqual({ status: 400, error: 'lawyer_outside_organization' });
  });

  it('bad input is a clear 400', async () => {
    const base = { title: 't', heldOn: '2027-06-12', place: 'p', minutes: 60 };
    // well-formed bodies the server refuses: the typed client
    for (const [bad, code] of [
      [{ ...base, heldOn: '2027-02-30' }, 'invalid_date'],
      [{ ...base, heldOn: '1999-12-31' }, 'invalid_date'],
      [{ ...base, title: '   ' }, 'invalid_title'],
    ] as const) {
      const refused = await errorOf(inPerson(adminSc).create(demo.mianyang, bad));
      expect([refused.status, refused.code], JSON.stringify(bad)).toEqual([400, code]);
    }
    // malformed bodies: raw (the typed client would not send them)
    for (const bad of [{ ...base, minutes: 0 }, { ...base, extra: 1 }]) {
      const res = await adminSc.raw('POST', `/api/organizations/${demo.mianyang}/in-person-sessions`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((res.json as { error: string }).error).toBe('invalid_request');
    }
    expect((await errorOf(inPerson(adminSc).addAttendee(session.id, UNKNOWN))).code).toBe('lawyer_unknown');
    expect((await errorOf(inPerson(adminSc).addAttendee(session.id, 'trainer'))).code).toBe('not_a_lawyer');
  });

  it('adds 李明 by login; a second time is 409 already_attending', async () => {
    const added = await adminSc.expectStatus(201, inPerson(adminSc).addAttendee(session.id, 'lawyer'));
    expect(added).toMatchObject({ lawyer: { licenseNo: LIMING, name: '李明' }, minutes: 360, source: 'form', recordedBy: { name: '陈主任' } });
    expect(await refusal(inPerson(adminSc).addAttendee(session.id, LIMING))).toEqual({ status: 409, error: 'already_attending' });
    expect(await auditCount('in_person.attendance_added')).toBe(1);
  });

  it('a sign-in sheet is previewed, naming every line it cannot take, and then refused whole', async () => {
    const csv = ['绵阳市律协现场培训签到表', '序号,姓名,执业证号,签名', `1,赵一,15107202310000100,`, `2,李明,${LIMING},`, `3,王芳,${WANGFANG},`, `4,某人,${UNKNOWN},`, `5,钱二,15107202310000101,`, `6,赵一,15107202310000100,`, '7,某,12345,'].join('\r\n');
    const p = await adminSc.expectStatus(200, inPerson(adminSc).previewSheet(session.id, { csv }));
    expect(p.matched.map((m) => [m.row, m.name])).toEqual([
      [3, '赵一'],
      [7, '钱二'],
    ]);
    expect(p.problems.map((x) => [x.row, x.code])).toEqual([
      [4, 'already_attending'],
      [5, 'outside_organization'],
      [6, 'license_unknown'],
      [8, 'license_duplicate'],
      [9, 'license_format'],
    ]);
    const before = [await attendanceCount(), await auditCount('in_person.sheet_imported')];
    // raw: the refusal's body names the problems, beyond { error, message }
    const refused = await adminSc.raw('POST', `/api/in-person-sessions/${session.id}/sign-in-sheet`, { csv });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'sign_in_sheet_invalid' });
    expect((refused.json as Preview).problems).toHaveLength(5);
    expect([await attendanceCount(), await auditCount('in_person.sheet_imported')]).toEqual(before);
  });

  it('a good XLSX sheet records everyone on it, in one audited import', async () => {
    const file = await xlsx([['签到表', null], ['姓名', '执业证号'], ['赵一', '15107202310000100'], ['钱二', '15107202310000101']]);
    expect(await inPerson(adminSc).previewSheet(session.id, { xlsx: file })).toMatchObject({ total: 2, problems: [] });
    expect(await adminSc.expectStatus(200, inPerson(adminSc).importSheet(session.id, { xlsx: file }))).toMatchObject({ added: 2, session: { attendees: 3 } });
    expect(await auditCount('in_person.sheet_imported')).toBe(1);
    const list = await inPerson(adminSc).list(demo.sichuan, YEAR);
    expect(list.find((s) => s.id === session.id)).toMatchObject({ attendees: 3 });
  });

  it('a correction needs a reason; with one it is audited and the original stays visible', async () => {
    const detail = await inPerson(adminSc).session(session.id);
    const qian = detail.attendances.find((a) => a.lawyer.licenseNo === '15107202310000101')!;
    const zhao = detail.attendances.find((a) => a.lawyer.licenseNo === '15107202310000100')!;
    for (const reason of ['', '   ']) {
      const refused = await refusal(inPerson(adminSc).removeAttendance(qian.id, reason));
      expect(refused.status).toBe(400);
      expect(['correction_reason_required', 'invalid_request']).toContain(refused.error);
    }
    // malformed bodies: raw
    expect((await adminSc.raw('POST', `/api/in-person-attendances/${qian.id}/removal`, {})).status).toBe(400);
    expect((await adminSc.raw('PATCH', `/api/in-person-sessions/${session.id}`, { minutes: 300 })).status).toBe(400);
    expect(Number((await server.deps.db.select({ n: count() }).from(inPersonCorrections))[0]!.n)).toBe(0);

    await adminSc.expectStatus(200, inPerson(adminSc).removeAttendance(qian.id, '签到表误录，本人未到场'));
    const after: Detail = await adminSc.expectStatus(200, inPerson(adminSc).correctAttendanceMinutes(zhao.id, 180, '只参加了上午半天'));
    expect(after.attendees).toBe(2);
    expect(after.attendances.find((a) => a.id === qian.id)).toMatchObject({ minutes: 0, removedAt: expect.any(String) });
    expect(after.attendances.find((a) => a.id === zhao.id)).toMatchObject({ minutes: 180, ownMinutes: 180 });
    expect(after.corrections).toEqual([
      expect.objectContaining({ kind: 'attendance_removed', minutesBefore: 360, minutesAfter: null, reason: '签到表误录，本人未到场', correctedBy: expect.objectContaining({ name: '陈主任' }) }),
      expect.objectContaining({ kind: 'attendance_minutes', minutesBefore: 360, minutesAfter: 180, reason: '只参加了上午半天' }),
    ]);
    expect(await auditCount('in_person.attendance_removed')).toBe(1);
    expect(await auditCount('in_person.attendance_minutes_corrected')).toBe(1);
    // removed twice: 409; re-adding the lawyer makes a new attendance, the removed one stays
    expect((await errorOf(inPerson(adminSc).removeAttendance(qian.id, 'again'))).status).toBe(409);
    // corrections are append-only in the database itself
    await expect(server.deps.db.update(inPersonCorrections).set({ reason: 'edited' })).rejects.toThrow();
    await expect(server.deps.db.delete(inPersonCorrections).where(and(eq(inPersonCorrections.sessionId, session.id)))).rejects.toThrow();
  });

  it('the session’s minutes are corrected with a reason; an attendance with its own minutes keeps them', async () => {
    const d = await adminSc.expectStatus(200, inPerson(adminSc).correctSessionMinutes(session.id, 315, '下午提前 45 分钟结束'));
    expect(d.minutes).toBe(315);
    expect(d.attendances.find((a) => a.lawyer.licenseNo === LIMING)!.minutes).toBe(315);
    expect(d.attendances.find((a) => a.lawyer.licenseNo === '15107202310000100')!.minutes).toBe(180);
    expect(d.corrections.at(-1)).toMatchObject({ kind: 'session_minutes', minutesBefore: 360, minutesAfter: 315 });
    expect(await auditCount('in_person.session_minutes_corrected')).toBe(1);
  });

  it('two administrators adding the same lawyer at once: one attendance, one 409', async () => {
    const other = await inPerson(adminSc).create(demo.santaiFirm, { title: '所内培训', heldOn: '2027-09-01', place: '三台', minutes: 90 });
    const second = createTestClient(server.baseUrl);
    await second.login('admin-sc', 'lectern-demo');
    const admins = [adminSc, second];
    const outcomes = await Promise.all(admins.map((c) => settle(inPerson(c).addAttendee(other.id, '15107202310000100'))));
    // each client made one request: its lastStatus is that answer's
    expect(outcomes.map((o, i) => (o.ok ? admins[i]!.lastStatus : o.status)).sort()).toEqual([201, 409]);
    const rows = await server.deps.db.select().from(inPersonAttendances).where(eq(inPersonAttendances.sessionId, other.id));
    expect(rows).toHaveLength(1);
  });

  it('a refused correction changes nothing and logs nothing', async () => {
    const before = [Number((await server.deps.db.select({ n: count() }).from(inPersonCorrections))[0]!.n), Number((await server.deps.db.select({ n: count() }).from(auditLog))[0]!.n)];
    expect(await refusal(inPerson(adminSc).correctSessionMinutes(session.id, 315, '重复提交'))).toEqual({ status: 400, error: 'correction_unchanged' });
    const after = [Number((await server.deps.db.select({ n: count() }).from(inPersonCorrections))[0]!.n), Number((await server.deps.db.select({ n: count() }).from(auditLog))[0]!.n)];
    expect(after).toEqual(before);
  });

  it('李明’s year: online + in-person in /api/me/requirement, the report, the CSV and the evidence', async () => {
    const mine = await lawyer.myRequirement(YEAR);
    expect(mine).toMatchObject({ creditMinutes: 900 + 315, onlineMinutes: 900, inPersonMinutes: 315, inPersonClassHours: 7 });
    // a session of another year does not count in 2027
    const other = await inPerson(adminSc).create(demo.mianyang, { title: '2026 培训', heldOn: '2026-12-31', place: '绵阳', minutes: 120 });
    await adminSc.expectStatus(201, inPerson(adminSc).addAttendee(other.id, LIMING));
    expect((await lawyer.myRequirement(YEAR)).inPersonMinutes).toBe(315);
    expect((await lawyer.myRequirement(2026)).inPersonMinutes).toBe(120);

    const report = await adminSc.report(demo.sichuan, YEAR);
    expect(report.lawyers.find((l) => l.licenseNo === LIMING)).toMatchObject({ creditMinutes: 1215, onlineMinutes: 900, inPersonMinutes: 315 });
    expect(report.lawyers.find((l) => l.licenseNo === '15107202310000101')).toMatchObject({ creditMinutes: 0, inPersonMinutes: 0 });
    // 赵一: 180 corrected minutes of the hall session and 90 of the firm's own
    expect(report.totals).toMatchObject({ creditMinutes: 1215 + 180 + 90, onlineMinutes: 900, inPersonMinutes: 315 + 180 + 90 });

    const csv = await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/report.csv?year=${YEAR}`);
    const records = parse(csv.text, { bom: true, columns: true, trim: true }) as Record<string, string>[];
    expect(records.find((r) => r['执业证号'] === LIMING)).toMatchObject({ '已获（分钟）': '1215', '其中线上（分钟）': '900', '其中现场培训（分钟）': '315' });

    const evidence = await evidenceApi(adminSc).lawyer(demo.users.lawyer, YEAR);
    expect(evidence).toMatchObject({ creditMinutes: 900, inPersonMinutes: 315, totalCreditMinutes: 1215 });
    expect(evidence.inPerson).toEqual([
      expect.objectContaining({
        session: expect.objectContaining({ title: '县域律师现场培训', heldOn: '2027-06-12', place: '绵阳市律师协会会议室' }),
        minutes: 315,
        recordedBy: expect.objectContaining({ name: '陈主任' }),
        corrections: [expect.objectContaining({ kind: 'session_minutes', reason: '下午提前 45 分钟结束' })],
      }),
    ]);
    // another lawyer's corrections are not in 李明's evidence; 赵一's are in theirs
    const zhao = await evidenceApi(adminSc).lawyer(colleagues['15107202310000100']!, YEAR);
    expect(zhao.inPerson[0]!.minutes).toBe(180);
    expect(zhao.inPerson[0]!.corrections.map((c) => c.kind)).toEqual(['attendance_minutes', 'session_minutes']);
  });
});
