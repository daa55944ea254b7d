/** The licence numbers of a sign-in sheet (server/inperson/sign-in.ts) and the in-person year's dates. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readSignInSheet } from '../../server/inperson/sign-in.ts';
import { isCalendarDate, trainingYearDates } from '../../server/inperson/service.ts';
import { trainingYearRange } from '../../server/playback/credit.ts';
import { beijingDate } from '../../server/reports/repository.ts';
import type { RosterCell, RosterTable } from '../../server/roster/validate.ts';

const table = (rows: RosterCell[][]): RosterTable => ({ format: 'csv', rows: rows.map((cells, i) => ({ line: i + 1, cells })) });
const licence = fc.stringMatching(/^\d{17}$/);

describe('reading a sign-in sheet', () => {
  it('finds the 执业证号 column under title rows and skips blank lines and the signature block', () => {
    const sheet = readSignInSheet(table([['签到表'], ['序号', '姓名', '执业证号 *', '签名'], ['1', '李明', '15107202110000001', ''], ['2', '赵一', '', ''], ['', '', '15107202310000100', ''], ['负责人签字：', '', '', '']]));
    expect(sheet.headerRow).toBe(2);
    expect(sheet.lines).toEqual([
      { row: 3, licenseNo: '15107202110000001' },
      { row: 5, licenseNo: '15107202310000100' },
    ]);
    expect(sheet.problems).toEqual([]);
  });

  it('without a header, takes the column with the most licence numbers', () => {
    const sheet = readSignInSheet(table([['李明', '15107202110000001'], ['赵一', '15107202310000100']]));
    expect(sheet.lines.map((l) => l.licenseNo)).toEqual(['15107202110000001', '15107202310000100']);
  });

  it('names malformed, numeric and repeated licence numbers by their line', () => {
    const sheet = readSignInSheet(table([['执业证号'], ['12345'], [{ numeric: '1.5107202110000002E16' }], ['15107202110000001'], ['15107202110000001']]));
    expect(sheet.problems.map((p) => [p.row, p.code])).toEqual([
      [2, 'license_format'],
      [3, 'license_numeric'],
      [5, 'license_duplicate'],
    ]);
    expect(readSignInSheet(table([['姓名'], ['李明']])).problems[0]!.code).toBe('no_rows');
  });

  it('for any list of licence numbers: each distinct one once, in order, the repeats named', () => {
    fc.assert(
      fc.property(fc.array(licence, { maxLength: 40 }), (list) => {
        const sheet = readSignInSheet(table([['执业证号'], ...list.map((l) => [l])]));
        expect(sheet.lines.map((l) => l.licenseNo)).toEqual([...new Set(list)]);
        if (list.length === 0) expect(sheet.problems.map((p) => p.code)).toEqual(['no_rows']);
        else expect(sheet.problems.every((p) => p.code === 'license_duplicate')).toBe(true);
        expect(sheet.lines.length + sheet.problems.length).toBe(list.length || 1);
      }),
    );
  });
});

describe('in-person dates and the training year', () => {
  it('the year’s Beijing dates are the Beijing dates of its instants, for any start month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const range = trainingYearRange(year, month);
        expect(trainingYearDates(year, month)).toEqual({ from: beijingDate(range.start), to: beijingDate(range.end) });
      }),
    );
  });

  it('a date is a real calendar date', () => {
    expect(isCalendarDate('2027-06-12')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    for (const bad of ['2027-02-29', '2027-13-01', '2027-6-12', '20270612', '']) expect(isCalendarDate(bad)).toBe(false);
  });
});
