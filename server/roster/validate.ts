/**
 * Pure: read a roster (licence number, name, firm, and optionally the practice start date,
 * part-time and birth year) out of a table of cells, before anything is stored, and report every
 * bad row. The table comes from CSV text (`readRosterCsv`, here) or from an XLSX sheet
 * (`server/roster/xlsx.ts`); both give cells with their line or row number in the file, so a
 * problem names the line the administrator sees in Excel/WPS or a text editor.
 *
 * Every problem carries a machine `code` and `params` (the web app words it in zh-CN or English)
 * and an English `message` (the API's 400 answer and scripts).
 */
import { parse } from 'csv-parse/sync';
import { refusedCharacter, refusedCharacterMessage } from '../http/plain-text.ts';

/**
 * One cell as a reader hands it over. `{ numeric }` is a number cell of a spreadsheet, kept as
 * the text the file stores: a 17-digit licence number does not fit a double.
 */
export type RosterCell = string | boolean | Date | { numeric: string } | null;

/** A table read from a file: the rows that are not blank, each with its line number (1-based). */
export interface RosterTable {
  format: 'csv' | 'xlsx';
  /** the sheet the rows come from (XLSX) */
  sheet?: string;
  rows: { line: number; cells: RosterCell[] }[];
}

export type RosterColumn = 'licenseNo' | 'name' | 'firm' | 'practiceStartedOn' | 'partTime' | 'birthYear';

export interface RosterRow {
  row: number; // 1-based line number in the file, the header being line 1 (or where it is)
  licenseNo: string;
  name: string;
  firm: string;
  /** 执业开始日期, YYYY-MM-DD; null when the column is absent or the cell empty */
  practiceStartedOn: string | null;
  /** 兼职; false when the column is absent or the cell empty */
  partTime: boolean;
  /** 出生年份; null when the column is absent or the cell empty */
  birthYear: number | null;
}

export type RosterProblemCode =
  // the file as a whole (row 0, or the header's line)
  | 'file_unreadable'
  | 'file_empty'
  | 'header_missing'
  | 'no_rows'
  | 'too_many_rows'
  // one row
  | 'license_format'
  | 'license_numeric'
  | 'license_duplicate'
  | 'invalid_character'
  | 'name_length'
  | 'firm_empty'
  | 'date_invalid'
  | 'part_time_invalid'
  | 'birth_year_invalid'
  // against the database (server/roster/service.ts)
  | 'firm_unknown'
  | 'firm_ambiguous'
  | 'firm_closed'
  | 'license_registered'
  | 'login_taken';

export interface RosterProblem {
  row: number;
  column?: RosterColumn;
  code: RosterProblemCode;
  /** what the web app needs to word the problem (the cell's value, the other row, …) */
  params?: Record<string, string | number>;
  /** English, for the API's 400 answer */
  message: string;
}

/** The largest roster one file may carry (a province's lawyers: about 20,000). */
export const MAX_ROSTER_ROWS = 20_000;

/** How far down the header row may be: spreadsheets often start with a title row or two. */
const HEADER_SEARCH_ROWS = 10;

const HEADERS: Record<string, RosterColumn> = {
  licenseno: 'licenseNo',
  license_no: 'licenseNo',
  licence: 'licenseNo',
  license: 'licenseNo',
  licenceno: 'licenseNo',
  执业证号: 'licenseNo',
  执业证号码: 'licenseNo',
  name: 'name',
  姓名: 'name',
  firm: 'firm',
  律师事务所: 'firm',
  律所: 'firm',
  执业机构: 'firm',
  practicestartedon: 'practiceStartedOn',
  practice_started_on: 'practiceStartedOn',
  practicestart: 'practiceStartedOn',
  执业开始日期: 'practiceStartedOn',
  执业日期: 'practiceStartedOn',
  parttime: 'partTime',
  part_time: 'partTime',
  兼职: 'partTime',
  是否兼职: 'partTime',
  birthyear: 'birthYear',
  birth_year: 'birthYear',
  出生年份: 'birthYear',
};

const REQUIRED: readonly RosterColumn[] = ['licenseNo', 'name', 'firm'];

/** 执业证号: 17 digits (region, category, year, gender, serial). */
export const LICENSE_NO = /^\d{17}$/;

/**
 * Reads CSV text into a table; a file that is not CSV is one problem instead. A row's number is
 * its record's, blank lines included, which is the row Excel or WPS shows when it opens the
 * file: a line break inside a quoted cell does not start a new row.
 */
export function readRosterCsv(csv: string): RosterTable | RosterProblem {
  let records: string[][];
  try {
    records = parse(csv, { bom: true, skip_empty_lines: false, trim: true, relax_column_count: true }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 0;
    return { row: line, code: 'file_unreadable', params: { format: 'csv' }, message: `The file is not valid CSV: ${(err as Error).message}` };
  }
  return { format: 'csv', rows: records.map((cells, i) => ({ line: i + 1, cells })).filter((r) => !r.cells.every((c) => c === '')) };
}

/** CSV text straight to rows and problems (the tests' and scripts' shortcut). */
export function parseRoster(csv: string, today = new Date()): { rows: RosterRow[]; problems: RosterProblem[] } {
  const table = readRosterCsv(csv);
  return 'code' in table ? { rows: [], problems: [table] } : checkRoster(table, today);
}

export interface CheckedRoster {
  rows: RosterRow[];
  problems: RosterProblem[];
  /** the line of the header row (0 when none was found) */
  headerRow: number;
  /** the optional columns the header names */
  optionalColumns: RosterColumn[];
}

/**
 * Finds the header row, then checks every row below it. Every problem of every row is reported
 * (not just the first), sorted by row, so the administrator fixes the whole file in one go.
 * `today` bounds the dates and years (a practice cannot start in the future).
 */
export function checkRoster(table: RosterTable, today = new Date()): CheckedRoster {
  const none = (problem: RosterProblem): CheckedRoster => ({ rows: [], problems: [problem], headerRow: 0, optionalColumns: [] });
  if (table.rows.length === 0) return none({ row: 0, code: 'file_empty', message: 'The file is empty.' });

  const headerAt = headerIndex(table);
  if (headerAt < 0) {
    const first = table.rows[0]!;
    const missing = REQUIRED.filter((c) => !columnsOf(first.cells).includes(c));
    return none({
      row: first.line,
      code: 'header_missing',
      params: { missing: missing.join(', ') },
      message: `The header row must name the columns licenseNo (执业证号), name (姓名) and firm (律师事务所); missing: ${missing.join(', ')}.`,
    });
  }
  const header = table.rows[headerAt]!;
  const columns = columnsOf(header.cells);
  const indexOf = (c: RosterColumn) => columns.indexOf(c);
  const optionalColumns = (['practiceStartedOn', 'partTime', 'birthYear'] as const).filter((c) => indexOf(c) >= 0);
  const body = table.rows.slice(headerAt + 1).filter((r) => !r.cells.every(isBlank));

  if (body.length === 0) return { rows: [], problems: [{ row: header.line, code: 'no_rows', message: 'The file has a header but no lawyers.' }], headerRow: header.line, optionalColumns };
  if (body.length > MAX_ROSTER_ROWS) {
    return {
      rows: [],
      problems: [{ row: 0, code: 'too_many_rows', params: { max: MAX_ROSTER_ROWS, rows: body.length }, message: `At most ${MAX_ROSTER_ROWS.toLocaleString('en')} lawyers per file (this one has ${body.length.toLocaleString('en')}); split the roster.` }],
      headerRow: header.line,
      optionalColumns,
    };
  }

  const rows: RosterRow[] = [];
  const problems: RosterProblem[] = [];
  const seen = new Map<string, number>();
  for (const { line: row, cells } of body) {
    const cell = (c: RosterColumn): RosterCell => (indexOf(c) >= 0 ? (cells[indexOf(c)] ?? null) : null);
    const problem = (column: RosterColumn, code: RosterProblemCode, message: string, params?: RosterProblem['params']) =>
      problems.push({ row, column, code, message, ...(params ? { params } : {}) });

    const rawLicense = cell('licenseNo');
    const licenseNo = textOf(rawLicense);
    if (rawLicense !== null && typeof rawLicense === 'object' && 'numeric' in rawLicense) {
      problem('licenseNo', 'license_numeric', `Licence number ${licenseNo} is stored as a number; Excel and WPS keep only 15 digits of a number, so the last ones may be lost. Format the column as text and type the licence numbers again.`, { value: licenseNo });
    } else if (!LICENSE_NO.test(licenseNo)) {
      problem('licenseNo', 'license_format', `Licence number "${licenseNo}" must be 17 digits.`, { value: licenseNo });
    } else if (seen.has(licenseNo)) {
      problem('licenseNo', 'license_duplicate', `Licence number ${licenseNo} already appears on row ${seen.get(licenseNo)}.`, { value: licenseNo, firstRow: seen.get(licenseNo)! });
    } else {
      seen.set(licenseNo, row);
    }

    // Names end up in the audit CSV and on certificates: the same text rule as every name the API takes.
    const name = textOf(cell('name'));
    const badName = refusedCharacter(name, 'line');
    if (badName) problem('name', 'invalid_character', refusedCharacterMessage('The name', badName), { character: badName.label, position: badName.index + 1 });
    else if (name.length === 0 || [...name].length > 50) problem('name', 'name_length', 'Name must be 1 to 50 characters.');

    const firm = textOf(cell('firm'));
    const badFirm = refusedCharacter(firm, 'line');
    if (badFirm) problem('firm', 'invalid_character', refusedCharacterMessage('The firm', badFirm), { character: badFirm.label, position: badFirm.index + 1 });
    else if (firm.length === 0) problem('firm', 'firm_empty', 'Firm is empty.');

    const started = dateOf(cell('practiceStartedOn'));
    let practiceStartedOn: string | null = null;
    if (started.kind === 'bad' || (started.kind === 'date' && !plausibleStart(started.value, today))) {
      const value = started.kind === 'bad' ? started.text : started.value;
      problem('practiceStartedOn', 'date_invalid', `Practice start date "${value}" is not a date between 1950-01-01 and today; write it as YYYY-MM-DD (e.g. 2019-07-01) or leave it empty.`, { value });
    } else if (started.kind === 'date') {
      practiceStartedOn = started.value;
    }

    const partTimeCell = cell('partTime');
    const partTime = partTimeOf(partTimeCell);
    if (partTime === undefined) problem('partTime', 'part_time_invalid', `Part-time "${textOf(partTimeCell)}" must be 是 or 否 (yes or no), or empty for no.`, { value: textOf(partTimeCell) });

    const yearText = textOf(cell('birthYear'));
    let birthYear: number | null = null;
    if (yearText !== '') {
      const year = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
      if (!(year >= 1900 && year <= today.getUTCFullYear() - 16)) {
        problem('birthYear', 'birth_year_invalid', `Birth year "${yearText}" must be a four-digit year between 1900 and ${today.getUTCFullYear() - 16}, or empty.`, { value: yearText, max: today.getUTCFullYear() - 16 });
      } else {
        birthYear = year;
      }
    }

    rows.push({ row, licenseNo, name, firm, practiceStartedOn, partTime: partTime ?? false, birthYear });
  }
  return { rows, problems, headerRow: header.line, optionalColumns };
}

/**
 * Where the header is: the first row (of the first few) that names the three needed columns;
 * -1 when there is none.
 */
export function headerIndex(table: RosterTable): number {
  return table.rows.slice(0, HEADER_SEARCH_ROWS).findIndex((r) => REQUIRED.every((c) => columnsOf(r.cells).includes(c)));
}

function columnsOf(cells: RosterCell[]): (RosterColumn | undefined)[] {
  return cells.map((c) => HEADERS[textOf(c).toLowerCase().replace(/[\s*＊()（）]+/g, '')]);
}

function isBlank(cell: RosterCell): boolean {
  return cell === null || (typeof cell === 'string' && cell.trim() === '');
}

/** A cell as the text a person sees, trimmed. Dates as YYYY-MM-DD. */
export function textOf(cell: RosterCell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell.trim();
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return cell.numeric.trim();
}

type DateCell = { kind: 'empty' } | { kind: 'date'; value: string } | { kind: 'bad'; text: string };

/**
 * A practice start date: a spreadsheet date cell (a day without time zone, handed over as UTC
 * midnight), or text as people type it in China: 2019-07-01, 2019/7/1, 2019.7.1, 2019年7月1日,
 * 20190701.
 */
function dateOf(cell: RosterCell): DateCell {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? { kind: 'bad', text: '' } : { kind: 'date', value: cell.toISOString().slice(0, 10) };
  const text = textOf(cell);
  if (text === '') return { kind: 'empty' };
  const m = /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$/.exec(text);
  if (!m) return { kind: 'bad', text };
  const [y, mo, d] = [Number(m[1]), Number(m[2] ?? m[4]), Number(m[3] ?? m[5])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return { kind: 'bad', text };
  return { kind: 'date', value: date.toISOString().slice(0, 10) };
}

function plausibleStart(isoDate: string, today: Date): boolean {
  return isoDate >= '1950-01-01' && isoDate <= today.toISOString().slice(0, 10);
}

const YES = new Set(['是', '兼职', 'yes', 'y', 'true', '1', '√']);
const NO = new Set(['否', '专职', 'no', 'n', 'false', '0', '']);

/** 是/否 and the ways spreadsheets write it; undefined for anything else. */
function partTimeOf(cell: RosterCell): boolean | undefined {
  if (typeof cell === 'boolean') return cell;
  const text = textOf(cell).toLowerCase();
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  return undefined;
}
