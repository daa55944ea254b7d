/**
 * Pure: the licence numbers of a sign-in sheet (签到表). The table comes from the roster's readers
 * (server/roster/validate.ts readRosterCsv, server/roster/xlsx.ts readRosterXlsx: csv-parse and
 * read-excel-file), so CSV and XLSX arrive as the same cells with their line numbers.
 *
 * The licence column is the one whose header (in the first 10 rows) reads 执业证号 / licenseNo;
 * a sheet without such a header is read from the column holding the most 17-digit values. Rows
 * whose licence cell is empty (blank lines, the signature block at the bottom) are skipped.
 */
import { LICENSE_NO, textOf, type RosterCell, type RosterTable } from '../roster/validate.ts';
import type { SignInSheetProblem } from './schemas.ts';

/** A sign-in sheet of a session: a hall of a few thousand at most. */
export const MAX_SHEET_ROWS = 5000;

const HEADER_SEARCH_ROWS = 10;
const LICENCE_HEADERS = new Set(['licenseno', 'license_no', 'licence', 'license', 'licenceno', 'licence_no', '执业证号', '执业证号码', '律师执业证号']);

// A problem's shape and codes are the routes' (server/inperson/schemas.ts).
export type { SheetProblemCode } from './schemas.ts';
export type SheetProblem = SignInSheetProblem;

export interface SheetLine {
  row: number;
  licenseNo: string;
}

export interface ReadSheet {
  /** line of the header row; 0 when the column was found by its values */
  headerRow: number;
  lines: SheetLine[];
  problems: SheetProblem[];
}

const normal = (cell: RosterCell) => textOf(cell).toLowerCase().replace(/[\s*＊()（）:：]+/g, '');

/** The licence numbers of the sheet with their lines, and every problem found without the database. */
export function readSignInSheet(table: RosterTable): ReadSheet {
  const problems: SheetProblem[] = [];
  let headerRow = 0;
  let column = -1;
  let start = 0;
  for (let i = 0; i < Math.min(HEADER_SEARCH_ROWS, table.rows.length); i++) {
    const at = table.rows[i]!.cells.findIndex((c) => LICENCE_HEADERS.has(normal(c)));
    if (at >= 0) {
      column = at;
      headerRow = table.rows[i]!.line;
      start = i + 1;
      break;
    }
  }
  if (column < 0) column = mostLicences(table);
  if (column < 0) return { headerRow: 0, lines: [], problems: [{ row: 0, code: 'no_rows', message: 'The sheet has no column of licence numbers (执业证号): name the column 执业证号 or licenseNo.' }] };

  const lines: SheetLine[] = [];
  const seen = new Map<string, number>();
  const rows = table.rows.slice(start).filter((r) => textOf(r.cells[column] ?? null) !== '');
  if (rows.length > MAX_SHEET_ROWS) return { headerRow, lines: [], problems: [{ row: 0, code: 'too_many_rows', message: `A sign-in sheet may list at most ${MAX_SHEET_ROWS} lawyers; this one lists ${rows.length}.` }] };
  for (const r of rows) {
    const cell = r.cells[column] ?? null;
    const value = textOf(cell);
    if (!LICENSE_NO.test(value)) {
      if (typeof cell === 'object' && cell !== null && 'numeric' in cell) {
        problems.push({ row: r.line, code: 'license_numeric', value, message: `Licence number ${value} is stored as a number, so its last digits may be lost; format the column as text and type it again.` });
      } else {
        problems.push({ row: r.line, code: 'license_format', value, message: `"${value}" is not a licence number (17 digits).` });
      }
      continue;
    }
    const first = seen.get(value);
    if (first !== undefined) {
      problems.push({ row: r.line, code: 'license_duplicate', value, message: `Licence number ${value} is already on row ${first}.` });
      continue;
    }
    seen.set(value, r.line);
    lines.push({ row: r.line, licenseNo: value });
  }
  if (lines.length === 0 && problems.length === 0) problems.push({ row: 0, code: 'no_rows', message: 'The sheet lists no licence numbers.' });
  return { headerRow, lines, problems };
}

/** The column with the most 17-digit values; -1 when no column has one. */
function mostLicences(table: RosterTable): number {
  const counts: number[] = [];
  for (const r of table.rows) {
    r.cells.forEach((c, i) => {
      if (LICENSE_NO.test(textOf(c))) counts[i] = (counts[i] ?? 0) + 1;
    });
  }
  let best = -1;
  counts.forEach((n, i) => {
    if (n > 0 && (best < 0 || n > counts[best]!)) best = i;
  });
  return best;
}
