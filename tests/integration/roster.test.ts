import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray } from 'drizzle-orm';
import writeXlsxFile, { type SheetData } from 'write-excel-file/node';
import { zipSync } from 'fflate';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { auditLog, organizations, users } from '../../server/db/schema/index.ts';
import type { RosterPreview } from '../../web/src/lib/api/types.ts';

let server: TestServer;
let adminSc: TestClient;
let lawyer: TestClient;
beforeAll(async () => {
  server = await startTestServer();
  adminSc = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', 'lectern-demo');
  lawyer = createTestClient(server.baseUrl);
  await lawyer.login('lawyer', 'lectern-demo');
});
afterAll(async () => server?.close());

const userCount = async () => Number((await server.deps.db.select({ n: count() }).from(users))[0]!.n);
const auditCount = async () => Number((await server.deps.db.select({ n: count() }).from(auditLog))[0]!.n);
const xlsx = async (data: SheetData) => (await writeXlsxFile(data).toBuffer()).toString('base64');
const rosterPath = (orgId: string) => `/api/organizations/${orgId}/roster`;
/** The accounts of an import answered at once (a short roster); anything else fails the test. */
const importedNow = async (client: TestClient, orgId: string, file: { csv: string } | { xlsx: string }) => {
  const answer = await client.expectStatus(200, client.importRoster(orgId, file));
  if (answer.kind !== 'imported') throw new Error(`expected an import at once, got ${answer.kind}`);
  return { imported: answer.imported, accounts: answer.accounts.map((a) => ({ ...a, initialPassword: a.initialPassword! })) };
};
// The refused imports stay raw: their 400 body lists the problems, beyond { error, message }.

describe('roster import', () => {
  it('one bad row → nothing imported, and the row is named', async () => {
    const before = await userCount();
    const csv = [
      '\uFEFF执业证号,姓名,律师事务所', // Chinese headers and a BOM, as Excel/WPS save them
      '15107202310000011,周一,三台县明理律师事务所',
      '1510720231000001X,吴二,三台县明理律师事务所', // bad licence on line 3
      '15107202310000013,郑三,三台县明理律师事务所',
    ].join('\r\n');
    const res = await adminSc.raw('POST', rosterPath(server.demo!.sichuan), { csv });
    expect(res.status).toBe(400);
    const body = res.json as { error: string; message: string; problems: { row: number; column?: string; message: string }[] };
    expect(body.error).toBe('roster_invalid');
    expect(body.problems).toEqual([{ row: 3, column: 'licenseNo', message: expect.stringMatching(/17 digits/) }]);
    expect(body.message).toMatch(/row 3/);
    expect(await userCount()).toBe(before);
  });

  it('a firm outside the organization, a duplicate and an already registered licence are all reported', async () => {
    const before = await userCount();
    const csv = [
      'licenseNo,name,firm',
      '15107202310000021,甲,甘谷县渭水律师事务所', // a Gansu firm: not in Sichuan
      '15107202110000001,乙,三台县明理律师事务所', // the demo lawyer's licence
      '15107202310000023,丙,三台县明理律师事务所',
      '15107202310000023,丁,三台县明理律师事务所', // duplicate of row 4
    ].join('\n');
    const res = await adminSc.raw('POST', rosterPath(server.demo!.sichuan), { csv });
    expect(res.status).toBe(400);
    const problems = (res.json as { problems: { row: number; message: string }[] }).problems;
    expect(problems.map((p) => p.row)).toEqual([2, 3, 5]);
    expect(problems[0]!.message).toMatch(/^No firm named "甘谷县渭水律师事务所" under 中华全国律师协会 › 四川省律师协会\./);
    expect(await userCount()).toBe(before);
  });

  it('a good roster imports every lawyer, who can then log in with the one-time password', async () => {
    const before = await userCount();
    const csv = 'licenseNo,name,firm\n15107202310000031,钱四,三台县明理律师事务所\n15107032310000032,孙五,绵阳涪城正衡律师事务所\n';
    const body = await importedNow(adminSc, server.demo!.sichuan, { csv });
    expect(body.imported).toBe(2);
    expect(await userCount()).toBe(before + 2);
    const newcomer = createTestClient(server.baseUrl);
    await newcomer.login(body.accounts[0]!.login, body.accounts[0]!.initialPassword);
    expect((await newcomer.me()).name).toBe('钱四');
  });

  it('a header without the needed columns is refused', async () => {
    const res = await adminSc.raw('POST', rosterPath(server.demo!.sichuan), { csv: 'a,b,c\n1,2,3\n' });
    expect(res.status).toBe(400);
    expect((res.json as { problems: { row: number }[] }).problems[0]!.row).toBe(1);
  });

  it('an XLSX workbook (title row, instructions sheet first) imports, and the optional columns are stored', async () => {
    const before = await userCount();
    const workbook = await writeXlsxFile([
      { sheet: '填写说明', data: [['请在“名单”表中填写']] },
      {
        sheet: '名单',
        data: [
          ['2026 年律师名册', null, null, null, null, null],
          ['执业证号', '姓名', '律师事务所', '执业开始日期', '兼职', '出生年份'],
          ['15107202310000041', '冯六', '三台县明理律师事务所', { value: new Date(Date.UTC(2019, 6, 1)), type: Date, format: 'yyyy-mm-dd' }, '是', { value: 1985, type: Number }],
          ['15107202310000042', '陈七', '绵阳涪城正衡律师事务所', '2021/3/15', '否', null],
          ['15107202310000043', '褚八', '三台县明理律师事务所', null, null, null],
        ],
      },
    ]).toBuffer();
    const body = await importedNow(adminSc, server.demo!.sichuan, { xlsx: workbook.toString('base64') });
    expect(body.imported).toBe(3);
    expect(body.accounts.map((a) => a.login)).toEqual(['15107202310000041', '15107202310000042', '15107202310000043']);
    expect(await userCount()).toBe(before + 3);
    const stored = await server.deps.db
      .select({ licenseNo: users.licenseNo, organizationId: users.organizationId, practiceStartedOn: users.practiceStartedOn, partTime: users.partTime, birthYear: users.birthYear, mustChange: users.passwordChangeRequired })
      .from(users)
      .where(inArray(users.licenseNo, ['15107202310000041', '15107202310000042', '15107202310000043']))
      .orderBy(users.licenseNo);
    expect(stored).toEqual([
      { licenseNo: '15107202310000041', organizationId: server.demo!.santaiFirm, practiceStartedOn: '2019-07-01', partTime: true, birthYear: 1985, mustChange: true },
      { licenseNo: '15107202310000042', organizationId: server.demo!.mianyangCityFirm, practiceStartedOn: '2021-03-15', partTime: false, birthYear: null, mustChange: true },
      { licenseNo: '15107202310000043', organizationId: server.demo!.santaiFirm, practiceStartedOn: null, partTime: false, birthYear: null, mustChange: true },
    ]);
    const newcomer = createTestClient(server.baseUrl);
    await newcomer.login(body.accounts[2]!.login, body.accounts[2]!.initialPassword);
    expect((await newcomer.me()).passwordChangeRequired).toBe(true);
  });

  it('a bad XLSX roster names every bad row by its spreadsheet row and stores nothing', async () => {
    const [before, auditBefore] = [await userCount(), await auditCount()];
    const file = await xlsx([
      ['执业证号', '姓名', '律师事务所', '执业开始日期'],
      ['15107202310000051', '蒋九', '三台县明理律师事务所', '2019-07-01'],
      [{ value: 15107202310000052, type: Number }, '沈十', '三台县明理律师事务所', null], // a number cell
      ['15107202310000053', '', '某某律师事务所', '2019-02-30'],
    ]);
    const res = await adminSc.raw('POST', rosterPath(server.demo!.sichuan), { xlsx: file });
    expect(res.status, res.text).toBe(400);
    const problems = (res.json as { problems: { row: number; column: string; message: string }[] }).problems;
    expect(problems.map((p) => `${p.row}:${p.column}`)).toEqual(['3:licenseNo', '4:name', '4:firm', '4:practiceStartedOn']);
    expect(problems[0]!.message).toMatch(/stored as a number/);
    expect([await userCount(), await auditCount()]).toEqual([before, auditBefore]);
  });

  it('a file that is not a workbook, or would unpack to too much, is one problem; both or neither source is a 400', async () => {
    const notZip = await adminSc.raw('POST', rosterPath(server.demo!.sichuan), { xlsx: Buffer.from('licenseNo,name,firm\n').toString('base64') });
    expect(notZip.status).toBe(400);
    expect((notZip.json as { problems: { row: number; message: string }[] }).problems).toEqual([{ row: 0, message: expect.stringMatching(/not an XLSX workbook/) }]);
    // 80 MB of zeros compress to about 80 kB: refused before it is unpacked
    const bomb = Buffer.from(zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(80 * 1024 * 1024) }, { level: 1 }));
    const bombed = await adminSc.expectStatus(200, adminSc.previewRoster(server.demo!.sichuan, { xlsx: bomb.toString('base64') }));
    expect(bombed.problems).toEqual([expect.objectContaining({ code: 'file_unreadable', message: expect.stringMatching(/unpack to 80 MB/) })]);
    // malformed bodies: raw
    for (const body of [{}, { csv: 'licenseNo,name,firm\n', xlsx: 'AAAA' }]) {
      const res = await adminSc.raw('POST', rosterPath(server.demo!.sichuan), body);
      expect(res.status).toBe(400);
      expect((res.json as { error: string }).error).toBe('roster_source');
    }
  });
});

describe('roster preview', () => {
  it('lists the rows, every bad row with its reason, unknown firms with the tree path, duplicates and registered licences; stores nothing', async () => {
    const [before, auditBefore] = [await userCount(), await auditCount()];
    const file = await xlsx([
      ['执业证号', '姓名', '律师事务所', '兼职'],
      ['15107202310000061', '韩一', '三台县明理律师事务所', '是'],
      ['15107202310000062', '杨二', '三台县 明理律师事务所', '否'], // a space too many: suggested
      ['15107202310000063', '朱三', '涪城新开律师事务所', null], // not created yet
      ['15107202310000063', '秦四', '涪城新开律师事务所', null], // duplicate in the file
      ['15107202110000001', '尤五', '三台县明理律师事务所', null], // the demo lawyer's licence
      ['15107202310000066', '许六', '甘谷县渭水律师事务所', '也许'], // Gansu: not under Sichuan; bad part-time
    ]);
    const preview: RosterPreview = await adminSc.expectStatus(200, adminSc.previewRoster(server.demo!.sichuan, { xlsx: file }));
    expect(preview).toMatchObject({ format: 'xlsx', headerRow: 1, optionalColumns: ['partTime'], total: 6, valid: 1, background: false });
    expect(preview.organization).toEqual({ id: server.demo!.sichuan, name: '四川省律师协会', path: ['中华全国律师协会', '四川省律师协会'] });
    expect(preview.firms).toEqual([{ id: server.demo!.santaiFirm, name: '三台县明理律师事务所', path: ['四川省律师协会', '绵阳市律师协会', '三台县明理律师事务所'], rows: 2 }]);
    expect(preview.unknownFirms).toEqual([
      { name: '三台县 明理律师事务所', rows: [3], suggestion: { id: server.demo!.santaiFirm, name: '三台县明理律师事务所', path: ['四川省律师协会', '绵阳市律师协会', '三台县明理律师事务所'] } },
      { name: '涪城新开律师事务所', rows: [4, 5], suggestion: null },
      { name: '甘谷县渭水律师事务所', rows: [7], suggestion: null },
    ]);
    expect(preview.problems.map((p) => `${p.row}:${p.column}:${p.code}`)).toEqual([
      '3:firm:firm_unknown',
      '4:firm:firm_unknown',
      '5:licenseNo:license_duplicate',
      '5:firm:firm_unknown',
      '6:licenseNo:license_registered',
      '7:firm:firm_unknown',
      '7:partTime:part_time_invalid',
    ]);
    expect(preview.problems[0]!.params).toEqual({ value: '三台县 明理律师事务所', path: '中华全国律师协会 › 四川省律师协会', suggestion: '三台县明理律师事务所' });
    expect(preview.rows.map((r) => [r.row, r.bad])).toEqual([
      [2, false],
      [3, true],
      [4, true],
      [5, true],
      [6, true],
      [7, true],
    ]);
    expect(preview.rows[0]).toMatchObject({ licenseNo: '15107202310000061', name: '韩一', partTime: true });
    expect([await userCount(), await auditCount()]).toEqual([before, auditBefore]);
  });

  it('a firm name two cities share is refused as ambiguous, naming both places; a closed firm takes no lawyers', async () => {
    const db = server.deps.db;
    const [chengdu] = await db.insert(organizations).values({ kind: 'city', name: '成都市律师协会', regionCode: '510100', parentId: server.demo!.sichuan }).returning();
    await db.insert(organizations).values({ kind: 'firm', name: '绵阳涪城正衡律师事务所', regionCode: '510104', parentId: chengdu!.id });
    const [closed] = await db.insert(organizations).values({ kind: 'firm', name: '已注销律师事务所', regionCode: '510104', parentId: chengdu!.id, closedAt: new Date() }).returning();
    const csv = 'licenseNo,name,firm\n15107202310000071,吕一,绵阳涪城正衡律师事务所\n15107202310000072,施二,已注销律师事务所\n';
    const preview = await adminSc.previewRoster(server.demo!.sichuan, { csv });
    expect(preview.problems.map((p) => [p.row, p.code])).toEqual([
      [2, 'firm_ambiguous'],
      [3, 'firm_closed'],
    ]);
    expect(preview.problems[0]!.message).toContain('四川省律师协会 › 绵阳市律师协会 › 绵阳涪城正衡律师事务所');
    expect(preview.problems[0]!.message).toContain('四川省律师协会 › 成都市律师协会 › 绵阳涪城正衡律师事务所');
    // From the city association the name is unique again.
    const fromMianyang = await adminSc.previewRoster(server.demo!.mianyang, { csv: 'licenseNo,name,firm\n15107202310000071,吕一,绵阳涪城正衡律师事务所\n' });
    expect(fromMianyang.problems).toEqual([]);
    await db.delete(organizations).where(eq(organizations.id, closed!.id));
  });

  it('403 outside the caller’s subtree and for a lawyer, on the preview and the import; nothing stored', async () => {
    const before = await userCount();
    const csv = 'licenseNo,name,firm\n16205202310000081,何一,甘谷县渭水律师事务所\n';
    expect((await errorOf(adminSc.importRoster(server.demo!.gansu, { csv }))).status).toBe(403);
    expect((await errorOf(adminSc.previewRoster(server.demo!.gansu, { csv }))).status).toBe(403);
    expect((await errorOf(adminSc.importRoster(server.demo!.ganguFirm, { csv }))).status).toBe(403);
    expect((await errorOf(adminSc.importRoster('00000000-0000-4000-8000-000000000000', { csv }))).status).toBe(403);
    expect((await errorOf(lawyer.importRoster(server.demo!.santaiFirm, { csv }))).status).toBe(403);
    expect((await errorOf(lawyer.previewRoster(server.demo!.santaiFirm, { csv }))).status).toBe(403);
    expect((await errorOf(createTestClient(server.baseUrl).previewRoster(server.demo!.sichuan, { csv }))).status).toBe(401);
    expect(await userCount()).toBe(before);
  });
});
