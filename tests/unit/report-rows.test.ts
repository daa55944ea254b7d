import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { trainingYearRange } from '../../server/playback/credit.ts';
import { BUILT_IN_RULES } from '../../server/requirements/rules.ts';
import { attachmentHeader, csvHeader, csvRecord, csvText, CSV_HEADERS, encodeRfc5987, licenceCell, neutralizeFormula, toReportLawyer, totalsOf, type LawyerFacts, type ReportYear } from '../../server/reports/rows.ts';

const facts = (over: Partial<LawyerFacts> = {}): LawyerFacts => ({
  id: 'u1',
  name: '李明',
  licenseNo: '15107202110000001',
  disabled: false,
  firmId: 'f1',
  firm: '三台县明理律师事务所',
  regionCode: '510722',
  county: true,
  profile: { practiceStartedOn: null, partTime: false, birthYear: null },
  rules: BUILT_IN_RULES,
  minutesPerClassHour: 45,
  creditMinutes: 0,
  inPersonMinutes: 0,
  requiredCourseCreditMinutes: 0,
  planRequiredMinutes: 0,
  planElectiveMinutes: 0,
  planCount: 1,
  missingCourses: [],
  ...over,
});

/** The 2027 calendar year, reported with the given minutes per 学时. */
const year = (minutesPerClassHour = 45): ReportYear => ({ year: 2027, range: trainingYearRange(2027, 1), minutesPerClassHour });
const metOf = (f: LawyerFacts) => toReportLawyer(f, year()).met;

describe('met', () => {
  it('credit must reach the requirement; equal is enough', () => {
    expect(metOf(facts({ creditMinutes: 179, planRequiredMinutes: 180 }))).toBe(false);
    expect(metOf(facts({ creditMinutes: 180, planRequiredMinutes: 180 }))).toBe(true);
  });
  it('a missing required course fails the year whatever the minutes', () => {
    expect(metOf(facts({ creditMinutes: 999, planRequiredMinutes: 60, missingCourses: [{ id: 'c', title: '职业道德' }] }))).toBe(false);
  });
  it('no plan: not planned, 0 required and met null — never compliant (issue 8)', () => {
    const row = toReportLawyer(facts({ planCount: 0, creditMinutes: 999, missingCourses: [{ id: 'c', title: '职业道德' }] }), year());
    expect(row).toMatchObject({ planned: false, basis: 'not_planned', requiredMinutes: 0, met: null, missingCourses: [] });
  });
  it('the rules of the firm set the target; the plan raises it', () => {
    const rules = { annualClassHours: 40, proRating: [] };
    expect(toReportLawyer(facts({ rules, planRequiredMinutes: 600 }), year())).toMatchObject({ requiredMinutes: 1800, requiredClassHours: 40, basis: 'annual' });
    expect(toReportLawyer(facts({ rules, planRequiredMinutes: 2400 }), year())).toMatchObject({ requiredMinutes: 2400 });
    // the firm's minutes per 学时 make the rules' minutes; the report's make the 学时 shown
    expect(toReportLawyer(facts({ rules, minutesPerClassHour: 50 }), year(40))).toMatchObject({ requiredMinutes: 2000, requiredClassHours: 50 });
  });
  it('credit outside the required courses is elective', () => {
    const row = toReportLawyer(facts({ creditMinutes: 500, requiredCourseCreditMinutes: 200, planRequiredMinutes: 400, planElectiveMinutes: 300 }), year());
    expect(row).toMatchObject({ electiveCreditMinutes: 300, electiveMinutes: 300, met: true });
    expect(toReportLawyer(facts({ creditMinutes: 500, requiredCourseCreditMinutes: 201, planRequiredMinutes: 400, planElectiveMinutes: 300 }), year()).met).toBe(false);
  });
  it('学时 use the association’s minutes', () => {
    expect(toReportLawyer(facts({ creditMinutes: 195 }), year(45)).classHours).toBe(4.33);
    expect(toReportLawyer(facts({ creditMinutes: 170 }), year(40)).classHours).toBe(4.25);
  });
});

describe('in-person hours (现场培训) join the year', () => {
  it('online and in-person minutes together make the credit; the CSV shows both', () => {
    const row = toReportLawyer(facts({ creditMinutes: 900, inPersonMinutes: 900, planRequiredMinutes: 1800 }), year());
    expect(row).toMatchObject({ creditMinutes: 1800, onlineMinutes: 900, inPersonMinutes: 900, classHours: 40, met: true });
    expect(toReportLawyer(facts({ creditMinutes: 900, inPersonMinutes: 899, planRequiredMinutes: 1800 }), year()).met).toBe(false);
    const zh = csvRecord(row);
    const header = CSV_HEADERS['zh-CN'];
    expect(zh[header.indexOf('已获（分钟）')]).toBe(1800);
    expect(zh[header.indexOf('其中线上（分钟）')]).toBe(900);
    expect(zh[header.indexOf('其中现场培训（分钟）')]).toBe(900);
    expect(csvRecord(row, 'en')[CSV_HEADERS.en.indexOf('Of which in person (minutes)')]).toBe(900);
  });

  it('for any facts: credit = online + in-person, in-person counts as elective, and more in-person minutes never undo “met”', () => {
    const anyFacts = fc.record({
      creditMinutes: fc.nat(5000),
      inPersonMinutes: fc.nat(5000),
      requiredShare: fc.double({ min: 0, max: 1, noNaN: true }),
      planRequiredMinutes: fc.nat(5000),
      planElectiveMinutes: fc.nat(2000),
      extra: fc.integer({ min: 1, max: 2000 }),
    });
    fc.assert(
      fc.property(anyFacts, (f): void => {
        const base = facts({ creditMinutes: f.creditMinutes, inPersonMinutes: f.inPersonMinutes, requiredCourseCreditMinutes: Math.floor(f.creditMinutes * f.requiredShare), planRequiredMinutes: f.planRequiredMinutes, planElectiveMinutes: f.planElectiveMinutes });
        const row = toReportLawyer(base, year());
        expect(row.creditMinutes).toBe(row.onlineMinutes + row.inPersonMinutes);
        expect(row.onlineMinutes).toBe(f.creditMinutes);
        expect(row.inPersonMinutes).toBe(f.inPersonMinutes);
        expect(row.electiveCreditMinutes).toBe(f.creditMinutes - base.requiredCourseCreditMinutes + f.inPersonMinutes);
        // the same credit online or in person meets the year alike when no elective minimum applies
        if (f.planElectiveMinutes === 0) {
          const online = toReportLawyer(facts({ ...base, creditMinutes: f.creditMinutes + f.inPersonMinutes, inPersonMinutes: 0, requiredCourseCreditMinutes: 0 }), year());
          expect(online.met).toBe(row.met);
        }
        const more = toReportLawyer({ ...base, inPersonMinutes: f.inPersonMinutes + f.extra }, year());
        if (row.met === true) expect(more.met).toBe(true);
        const t = totalsOf([row, more]);
        expect(t.creditMinutes).toBe(t.onlineMinutes + t.inPersonMinutes);
      }),
    );
  });
});

describe('totals', () => {
  it('sum minutes, count the planned and the planned who met, for any rows', () => {
    const row = fc.oneof(fc.record({ creditMinutes: fc.nat(100_000), planned: fc.constant(true), met: fc.boolean() }), fc.record({ creditMinutes: fc.nat(100_000), planned: fc.constant(false), met: fc.constant(null) }));
    fc.assert(
      fc.property(fc.array(row), (rows): void => {
        const t = totalsOf(rows);
        expect(t.lawyers).toBe(rows.length);
        expect(t.creditMinutes).toBe(rows.reduce((s, r) => s + r.creditMinutes, 0));
        expect(t.planned).toBe(rows.filter((r) => r.planned).length);
        expect(t.met).toBe(rows.filter((r) => r.planned && r.met === true).length);
        expect(t.met).toBeLessThanOrEqual(t.planned);
      }),
    );
  });
});

describe('CSV cells', () => {
  it('formula-looking text gets an apostrophe; other text is untouched', () => {
    for (const evil of ['=1+1', '+86', '-2', '@SUM(A1)', '\tx', '\rx', '\nx']) expect(neutralizeFormula(evil)).toBe(`'${evil}`);
    for (const fine of ['李明', 'a=b', '', "'quoted"]) expect(neutralizeFormula(fine)).toBe(fine);
    fc.assert(fc.property(fc.string(), (s) => !/^[=+\-@\t\r\n]/.test(neutralizeFormula(s))));
  });

  it('licence numbers carry a leading tab so spreadsheets keep all 17 digits', () => {
    expect(licenceCell('15107202110000001')).toBe('\t15107202110000001');
  });

  it('one record per lawyer, in header order, in both languages', () => {
    const row = toReportLawyer(facts({ creditMinutes: 90, planRequiredMinutes: 180, missingCourses: [{ id: 'a', title: '甲' }, { id: 'b', title: '乙' }] }), year());
    const zh = csvRecord(row);
    expect(zh).toHaveLength(CSV_HEADERS['zh-CN'].length);
    expect(zh).toEqual(['李明', '\t15107202110000001', '三台县明理律师事务所', '510722', '是', 90, 2, 90, 0, 180, 4, 0, 90, '全年', '否', '甲；乙']);
    expect(csvRecord(row, 'en').slice(-3)).toEqual(['full year', 'no', '甲；乙']);
    expect(CSV_HEADERS.en).toHaveLength(CSV_HEADERS['zh-CN'].length);
  });

  it('a lawyer no plan covers is 未纳入计划 / not planned, never 是 (issue 8)', () => {
    const row = toReportLawyer(facts({ planCount: 0, creditMinutes: 300 }), year());
    expect(csvRecord(row).slice(-3)).toEqual(['未纳入计划', '未纳入计划', '']);
    expect(csvRecord(row, 'en').slice(-3)).toEqual(['not planned', 'not planned', '']);
  });

  it('one credit vocabulary: 学时 and minutes, never 学分 (issue 8)', () => {
    for (const language of ['zh-CN', 'en'] as const) expect(csvHeader(language, true).join(',')).not.toMatch(/学分|credit points/i);
    expect(CSV_HEADERS['zh-CN']).toEqual(expect.arrayContaining(['已获（分钟）', '已获学时', '要求（分钟）', '要求学时']));
  });

  it('a last 已停用 / Disabled column only when disabled accounts are included', () => {
    const active = toReportLawyer(facts(), year());
    const gone = toReportLawyer(facts({ disabled: true }), year());
    expect(csvHeader('zh-CN')).toEqual([...CSV_HEADERS['zh-CN']]);
    expect(csvRecord(gone)).toHaveLength(CSV_HEADERS['zh-CN'].length);
    expect(csvHeader('zh-CN', true).at(-1)).toBe('已停用');
    expect(csvHeader('en', true).at(-1)).toBe('Disabled');
    expect(csvRecord(gone, 'zh-CN', true)).toHaveLength(csvHeader('zh-CN', true).length);
    expect(csvRecord(gone, 'zh-CN', true).at(-1)).toBe('是');
    expect(csvRecord(active, 'en', true).at(-1)).toBe('no');
  });

  // LibreOffice and Excel end a row at an unquoted CR or LF on its own, not only at CR LF: read
  // the file back the way they do.
  const asSpreadsheet = (csv: string) => parse(csv, { bom: true, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true }) as string[][];

  it('a name with a carriage return or line feed stays one cell of its row (issue 7, finding 4)', () => {
    const row = toReportLawyer(facts({ name: '李明\r=1+1', firm: '明理所\n@SUM(A1)', missingCourses: [{ id: 'a', title: '职业道德\r\n-1' }] }), year());
    const csv = csvText([csvHeader('zh-CN'), csvRecord(row)]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const cells = asSpreadsheet(csv);
    expect(cells).toHaveLength(2);
    expect(cells[1]).toEqual(csvRecord(row).map(String));
    expect(cells[1]![0]).toBe('李明\r=1+1');
  });

  it('no generated text makes a new row, a shifted cell or a cell that starts a formula', () => {
    const risky = fc.constantFrom('\r', '\n', '\r\n', '\t', '=', '+', '-', '@', '"', ',', ';', "'", ' ', '\u0000', '\u2028');
    const text = fc.string({ unit: fc.oneof(risky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 });
    const lawyer = fc.record({ name: text, firm: text, regionCode: text, licenseNo: text, titles: fc.array(text, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(lawyer, { maxLength: 4 }), fc.constantFrom<'zh-CN' | 'en'>('zh-CN', 'en'), fc.boolean(), (lawyers, language, includeDisabled): void => {
        const rows = lawyers.map((l) => toReportLawyer(facts({ ...l, missingCourses: l.titles.map((title, i) => ({ id: String(i), title })) }), year()));
        const records = [csvHeader(language, includeDisabled), ...rows.map((r) => csvRecord(r, language, includeDisabled))];
        const parsed = asSpreadsheet(csvText(records));
        expect(parsed).toEqual(records.map((r) => r.map(String)));
        for (const cells of parsed.slice(1)) {
          for (const [column, cell] of cells.entries()) {
            // the licence's leading tab is deliberate (it keeps 17 digits as text); what follows it is checked
            const shown = column === 1 ? cell.slice(1) : cell;
            expect(shown).not.toMatch(/^[=+\-@\t\r\n]/);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('Content-Disposition: ASCII fallback plus the Chinese name in RFC 5987 form', () => {
    const header = attachmentHeader('四川省律师协会', '510000', 2027);
    expect(header).toBe(`attachment; filename="lectern-report-510000-2027.csv"; filename*=UTF-8''${encodeURIComponent('四川省律师协会-2027年度学时报表.csv')}`);
    expect(encodeRfc5987("a'b(c)*")).toBe('a%27b%28c%29%2A');
    expect(attachmentHeader('a/b"c', 'x', 2027)).toContain(encodeRfc5987('a_b_c-2027年度学时报表.csv'));
  });
});

describe('report page view (web/src/routes/admin/report-view.ts)', async () => {
  const { firmBars, nextOrder, viewRows } = await import('../../web/src/routes/admin/report-view.ts');
  const rows = [
    { firmId: 'a', firm: '甲所', creditMinutes: 30, met: false },
    { firmId: 'b', firm: '乙所', creditMinutes: 90, met: true },
    { firmId: 'a', firm: '甲所', creditMinutes: 90, met: true },
    { firmId: 'c', firm: '丙所', creditMinutes: 0, met: false },
    { firmId: 'c', firm: '丙所', creditMinutes: 10, met: false },
    { firmId: 'd', firm: '丁所', creditMinutes: 50, met: null },
    { firmId: 'b', firm: '乙所', creditMinutes: 5, met: null },
  ];

  it('sorts by credit stably, filters the not met, keeps the server order otherwise', () => {
    expect(viewRows(rows, { order: 'list', onlyUnmet: false })).toEqual(rows);
    expect(viewRows(rows, { order: 'creditDesc', onlyUnmet: false }).map((r) => r.creditMinutes)).toEqual([90, 90, 50, 30, 10, 5, 0]);
    expect(viewRows(rows, { order: 'creditDesc', onlyUnmet: false })[0]).toBe(rows[1]);
    // "only not met" keeps those a plan covers who fell short: not the not planned
    expect(viewRows(rows, { order: 'creditAsc', onlyUnmet: true }).map((r) => r.creditMinutes)).toEqual([0, 10, 30]);
    expect(nextOrder('list')).toBe('creditDesc');
    expect(nextOrder(nextOrder(nextOrder('list')))).toBe('list');
  });

  it('per firm: met, not met and not planned apart; the most not met first, cut to the limit', () => {
    expect(firmBars(rows)).toEqual([
      { firmId: 'c', firm: '丙所', met: 0, unmet: 2, notPlanned: 0 },
      { firmId: 'a', firm: '甲所', met: 1, unmet: 1, notPlanned: 0 },
      { firmId: 'b', firm: '乙所', met: 1, unmet: 0, notPlanned: 1 },
      { firmId: 'd', firm: '丁所', met: 0, unmet: 0, notPlanned: 1 },
    ]);
    expect(firmBars(rows, 1)).toHaveLength(1);
  });
});
