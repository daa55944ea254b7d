/**
 * Pure: parse and check a roster CSV (licence number, name, firm) before anything is stored.
 * Accepts English or Chinese headers, a UTF-8 BOM (Excel/WPS), and reports every bad row.
 */
import { parse } from 'csv-parse/sync';
import { refusedCharacter, refusedCharacterMessage } from '../http/plain-text.ts';

export interface RosterRow {
  row: number; // 1-based line number in the file, the header being line 1
  licenseNo: string;
  name: string;
  firm: string;
}

export interface RosterProblem {
  row: number;
  column?: 'licenseNo' | 'name' | 'firm';
  message: string;
}

const HEADERS: Record<string, keyof Omit<RosterRow, 'row'>> = {
  licenseno: 'licenseNo',
  license_no: 'licenseNo',
  licence: 'licenseNo',
  license: 'licenseNo',
  执业证号: 'licenseNo',
  name: 'name',
  姓名: 'name',
  firm: 'firm',
  律师事务所: 'firm',
  律所: 'firm',
};

/** 执业证号: 17 digits (region, category, year, gender, serial). */
export const LICENSE_NO = /^\d{17}$/;

export function parseRoster(csv: string): { rows: RosterRow[]; problems: RosterProblem[] } {
  let records: string[][];
  try {
    records = parse(csv, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    return { rows: [], problems: [{ row: line ?? 0, message: `The file is not valid CSV: ${(err as Error).message}` }] };
  }
  if (records.length === 0) return { rows: [], problems: [{ row: 0, message: 'The file is empty.' }] };
  const header = records[0]!.map((h) => HEADERS[h.toLowerCase().replace(/\s+/g, '')]);
  const missing = (['licenseNo', 'name', 'firm'] as const).filter((c) => !header.includes(c));
  if (missing.length) {
    return { rows: [], problems: [{ row: 1, message: `The header row must name the columns licenseNo (执业证号), name (姓名) and firm (律师事务所); missing: ${missing.join(', ')}.` }] };
  }
  const rows: RosterRow[] = [];
  const problems: RosterProblem[] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((record, i) => {
    const row = i + 2;
    const value = (c: keyof Omit<RosterRow, 'row'>) => record[header.indexOf(c)] ?? '';
    const r: RosterRow = { row, licenseNo: value('licenseNo'), name: value('name'), firm: value('firm') };
    if (!LICENSE_NO.test(r.licenseNo)) problems.push({ row, column: 'licenseNo', message: `Licence number "${r.licenseNo}" must be 17 digits.` });
    else if (seen.has(r.licenseNo)) problems.push({ row, column: 'licenseNo', message: `Licence number ${r.licenseNo} already appears on row ${seen.get(r.licenseNo)}.` });
    else seen.set(r.licenseNo, row);
    // Names end up in the audit CSV and on certificates: the same text rule as every name the API takes.
    const badName = refusedCharacter(r.name, 'line');
    const badFirm = refusedCharacter(r.firm, 'line');
    if (badName) problems.push({ row, column: 'name', message: refusedCharacterMessage('The name', badName) });
    else if (r.name.length === 0 || r.name.length > 50) problems.push({ row, column: 'name', message: 'Name must be 1 to 50 characters.' });
    if (badFirm) problems.push({ row, column: 'firm', message: refusedCharacterMessage('The firm', badFirm) });
    else if (r.firm.length === 0) problems.push({ row, column: 'firm', message: 'Firm is empty.' });
    rows.push(r);
  });
  if (rows.length === 0) problems.push({ row: 1, message: 'The file has a header but no lawyers.' });
  if (rows.length > 5000) problems.push({ row: 0, message: 'At most 5,000 lawyers per file; split the roster.' });
  return { rows, problems };
}
