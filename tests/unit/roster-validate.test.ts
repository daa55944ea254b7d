import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkRoster, MAX_ROSTER_ROWS, parseRoster, readRosterCsv, type RosterCell, type RosterTable } from '../../server/roster/validate.ts';
import { FirmDirectory, looseName, type OrganizationNode } from '../../server/roster/firms.ts';

const TODAY = new Date('2026-06-15T00:00:00Z');
const base = { practiceStartedOn: null, partTime: false, birthYear: null };
const sheet = (...rows: RosterCell[][]): RosterTable => ({ format: 'xlsx', sheet: 'Sheet1', rows: rows.map((cells, i) => ({ line: i + 1, cells })) });

describe('parseRoster', () => {
  it('reads English headers, trims cells and skips blank lines', () => {
    const { rows, problems } = parseRoster('licenseNo,name,firm\n 15107202310000001 , 李明 ,三台县明理律师事务所\n\n', TODAY);
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ row: 2, licenseNo: '15107202310000001', name: '李明', firm: '三台县明理律师事务所', ...base }]);
  });

  it('reads Chinese headers in any order with a BOM', () => {
    const { rows, problems } = parseRoster('\uFEFF姓名,律师事务所,执业证号\r\n王芳,甘谷县渭水律师事务所,16205202210000002\r\n', TODAY);
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ name: '王芳', licenseNo: '16205202210000002' });
  });

  it('names every bad row and column, with the line number of the file', () => {
    const { problems } = parseRoster('licenseNo,name,firm\n123,,A\n\n15107202310000001,甲,\n15107202310000001,乙,B\n', TODAY);
    expect(problems).toEqual([
      { row: 2, column: 'licenseNo', code: 'license_format', params: { value: '123' }, message: expect.stringMatching(/17 digits/) },
      { row: 2, column: 'name', code: 'name_length', message: expect.any(String) },
      // line 3 is blank: the next rows keep their own line numbers
      { row: 4, column: 'firm', code: 'firm_empty', message: expect.any(String) },
      { row: 5, column: 'licenseNo', code: 'license_duplicate', params: { value: '15107202310000001', firstRow: 4 }, message: expect.stringMatching(/row 4/) },
    ]);
  });

  it('reports broken CSV and missing columns instead of throwing', () => {
    expect(parseRoster('licenseNo,name,firm\n"unterminated,x,y\n').problems[0]).toMatchObject({ code: 'file_unreadable', message: expect.stringMatching(/not valid CSV/) });
    expect(parseRoster('name,firm\nA,B\n').problems[0]).toMatchObject({ code: 'header_missing', message: expect.stringMatching(/missing: licenseNo/) });
    expect(parseRoster('').problems[0]).toMatchObject({ code: 'file_empty', message: expect.stringMatching(/empty/) });
    expect(parseRoster('licenseNo,name,firm\n').problems[0]).toMatchObject({ code: 'no_rows' });
  });

  it('reads the optional columns: practice start date, part-time and birth year', () => {
    const csv = [
      '执业证号,姓名,律师事务所,执业开始日期,兼职,出生年份',
      '15107202310000001,甲,A,2019-07-01,是,1985',
      '15107202310000002,乙,A,2019/7/1,否,',
      '15107202310000003,丙,A,2019年7月1日,,1990',
      '15107202310000004,丁,A,20190701,兼职,1970',
    ].join('\n');
    const { rows, problems } = parseRoster(csv, TODAY);
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.practiceStartedOn, r.partTime, r.birthYear])).toEqual([
      ['2019-07-01', true, 1985],
      ['2019-07-01', false, null],
      ['2019-07-01', false, 1990],
      ['2019-07-01', true, 1970],
    ]);
  });

  it('refuses impossible dates, future starts, unknown part-time words and odd birth years', () => {
    const csv = [
      'licenseNo,name,firm,practiceStartedOn,partTime,birthYear',
      '15107202310000001,甲,A,2019-02-30,maybe,85',
      '15107202310000002,乙,A,2027-01-01,否,2020',
      '15107202310000003,丙,A,July 2019,否,1899',
    ].join('\n');
    const codes = parseRoster(csv, TODAY).problems.map((p) => `${p.row}:${p.column}:${p.code}`);
    expect(codes).toEqual([
      '2:practiceStartedOn:date_invalid',
      '2:partTime:part_time_invalid',
      '2:birthYear:birth_year_invalid',
      '3:practiceStartedOn:date_invalid',
      '3:birthYear:birth_year_invalid',
      '4:practiceStartedOn:date_invalid',
      '4:birthYear:birth_year_invalid',
    ]);
  });

  it('refuses more than MAX_ROSTER_ROWS lawyers as one problem', () => {
    const lines = ['licenseNo,name,firm', ...Array.from({ length: MAX_ROSTER_ROWS + 1 }, (_, i) => `${String(10000000000000000 + i)},甲,A`)];
    const { rows, problems } = parseRoster(lines.join('\n'), TODAY);
    expect(rows).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ row: 0, code: 'too_many_rows', params: { max: MAX_ROSTER_ROWS, rows: MAX_ROSTER_ROWS + 1 } })]);
  });

  it('every row of a file made of random cells is either a roster row or named by a problem, and nothing throws', () => {
    const cell = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^\d{17}$/), fc.constantFrom('是', '否', '2019-07-01', '1980', ''));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 6 }), { maxLength: 30 }), (cells) => {
        const table: RosterTable = { format: 'csv', rows: [{ line: 1, cells: ['licenseNo', 'name', 'firm', 'partTime', 'birthYear', 'practiceStartedOn'] }, ...cells.map((c, i) => ({ line: i + 2, cells: c }))] };
        const { rows, problems } = checkRoster(table, TODAY);
        const bad = new Set(problems.map((p) => p.row));
        for (const r of rows) {
          const clean = /^\d{17}$/.test(r.licenseNo) && r.name.length > 0 && r.firm.length > 0;
          if (!clean) expect(bad.has(r.row), `row ${r.row}`).toBe(true);
        }
        for (const p of problems) expect(p.message.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('checkRoster on spreadsheet cells', () => {
  it('finds the header below a title row and keeps spreadsheet row numbers', () => {
    const { rows, problems, headerRow } = checkRoster(sheet(['2026 年律师名册', null, null], ['执业证号', '姓名', '律师事务所'], ['15107202310000001', '甲', 'A']), TODAY);
    expect(problems).toEqual([]);
    expect(headerRow).toBe(2);
    expect(rows[0]).toMatchObject({ row: 3, licenseNo: '15107202310000001' });
  });

  it('a licence number stored as a number cell is refused with the reason (Excel keeps 15 digits)', () => {
    const { problems } = checkRoster(sheet(['执业证号', '姓名', '律师事务所'], [{ numeric: '1.51072023100000E+16' }, '甲', 'A'], [{ numeric: '15107202310000000' }, '乙', 'A']), TODAY);
    expect(problems.map((p) => [p.row, p.code])).toEqual([
      [2, 'license_numeric'],
      [3, 'license_numeric'],
    ]);
    expect(problems[0]!.message).toMatch(/15 digits/);
  });

  it('date cells, boolean part-time and numeric birth years are read as such', () => {
    const { rows, problems } = checkRoster(sheet(['licenseNo', 'name', 'firm', 'practiceStartedOn', 'partTime', 'birthYear'], ['15107202310000001', '甲', 'A', new Date(Date.UTC(2018, 8, 1)), true, { numeric: '1979' }]), TODAY);
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ practiceStartedOn: '2018-09-01', partTime: true, birthYear: 1979 });
  });

  it('readRosterCsv numbers rows as a spreadsheet does: blank lines count, a line break inside quotes does not', () => {
    const table = readRosterCsv('licenseNo,name,firm\n\n15107202310000001,"甲\n乙",A\n15107202310000002,丙,A\n');
    expect('rows' in table && table.rows.map((r) => r.line)).toEqual([1, 3, 4]);
  });
});

describe('FirmDirectory', () => {
  const org = (id: string, parentId: string | null, name: string, kind: OrganizationNode['kind'], closedAt: Date | null = null): OrganizationNode => ({ id, parentId, name, kind, closedAt });
  const tree = [
    org('sc', 'cn', '四川省律师协会', 'province'),
    org('my', 'sc', '绵阳市律师协会', 'city'),
    org('cd', 'sc', '成都市律师协会', 'city'),
    org('f1', 'my', '三台县明理律师事务所', 'firm'),
    org('f2', 'my', '正衡律师事务所', 'firm'),
    org('f3', 'cd', '正衡律师事务所', 'firm'),
    org('f4', 'cd', '已关闭律师事务所', 'firm', new Date()),
  ];
  const directory = new FirmDirectory('sc', tree, false);

  it('finds a firm with its path from the importing organization', () => {
    expect(directory.lookup('三台县明理律师事务所')).toEqual({ kind: 'found', firm: { id: 'f1', name: '三台县明理律师事务所', path: ['四川省律师协会', '绵阳市律师协会', '三台县明理律师事务所'] } });
  });

  it('refuses a name two firms share, and a closed firm', () => {
    const found = directory.lookup('正衡律师事务所');
    expect(found.kind === 'ambiguous' && found.firms.map((f) => f.id)).toEqual(['f2', 'f3']);
    expect(directory.lookup('已关闭律师事务所').kind).toBe('closed');
    expect(new FirmDirectory('sc', tree, true).lookup('三台县明理律师事务所').kind).toBe('closed');
  });

  it('an unknown name suggests the firm spelled the same but for width, spaces or brackets', () => {
    expect(directory.lookup('三台县 明理律师事务所')).toEqual({ kind: 'unknown', suggestion: expect.objectContaining({ id: 'f1' }) });
    expect(directory.lookup('某某律师事务所')).toEqual({ kind: 'unknown', suggestion: null });
    expect(looseName('ＡＢ（成都）律所')).toBe(looseName('ab成都律所'));
  });
});
