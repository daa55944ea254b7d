import { describe, expect, it } from 'vitest';
import { parseRoster } from '../../server/roster/validate.ts';

describe('parseRoster', () => {
  it('reads English headers, trims cells and skips blank lines', () => {
    const { rows, problems } = parseRoster('licenseNo,name,firm\n 15107202310000001 , 李明 ,三台县明理律师事务所\n\n');
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ row: 2, licenseNo: '15107202310000001', name: '李明', firm: '三台县明理律师事务所' }]);
  });

  it('reads Chinese headers in any order with a BOM', () => {
    const { rows, problems } = parseRoster('\uFEFF姓名,律师事务所,执业证号\r\n王芳,甘谷县渭水律师事务所,16205202210000002\r\n');
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ name: '王芳', licenseNo: '16205202210000002' });
  });

  it('names every bad row and column', () => {
    const { problems } = parseRoster('licenseNo,name,firm\n123,,A\n15107202310000001,甲,\n15107202310000001,乙,B\n');
    expect(problems).toEqual([
      { row: 2, column: 'licenseNo', message: expect.stringMatching(/17 digits/) },
      { row: 2, column: 'name', message: expect.any(String) },
      { row: 3, column: 'firm', message: expect.any(String) },
      { row: 4, column: 'licenseNo', message: expect.stringMatching(/row 3/) },
    ]);
  });

  it('reports broken CSV and missing columns instead of throwing', () => {
    expect(parseRoster('licenseNo,name,firm\n"unterminated,x,y\n').problems[0]!.message).toMatch(/not valid CSV/);
    expect(parseRoster('name,firm\nA,B\n').problems[0]!.message).toMatch(/missing: licenseNo/);
    expect(parseRoster('').problems[0]!.message).toMatch(/empty/);
  });
});
