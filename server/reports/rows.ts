/**
 * Pure rules of the audit report: whether a lawyer met the plan, the totals, and the CSV cells.
 * No I/O here, so unit tests pin every rule down (tests/unit/report-rows.test.ts).
 */
import { stringify } from 'csv-stringify/sync';
import { classHours } from '../playback/credit.ts';

/** What the report query answers for one lawyer (server/reports/repository.ts). */
export interface LawyerFacts {
  id: string;
  name: string;
  licenseNo: string;
  /** a disabled account: only listed when the report is asked to include them */
  disabled: boolean;
  firmId: string;
  firm: string;
  regionCode: string;
  county: boolean;
  creditMinutes: number;
  /** the largest requiredMinutes of the plans that target the firm; 0 when none does */
  requiredMinutes: number;
  /** how many plans target the firm this year */
  planCount: number;
  /** required courses (of any of those plans) not completed by the end of the training year */
  missingCourses: { id: string; title: string }[];
}

export interface ReportLawyer extends LawyerFacts {
  classHours: number;
  met: boolean;
}

export interface ReportTotals {
  lawyers: number;
  creditMinutes: number;
  met: number;
}

/**
 * A lawyer meets the year when their credit reaches the largest requirement of the plans that
 * target their firm and no required course of those plans is missing. A lawyer no plan targets
 * needs 0 minutes and so always meets it: there is nothing to fall short of.
 */
export function isMet(facts: Pick<LawyerFacts, 'creditMinutes' | 'requiredMinutes' | 'missingCourses'>): boolean {
  return facts.creditMinutes >= facts.requiredMinutes && facts.missingCourses.length === 0;
}

export function toReportLawyer(facts: LawyerFacts, minutesPerClassHour: number): ReportLawyer {
  return { ...facts, classHours: classHours(facts.creditMinutes, minutesPerClassHour), met: isMet(facts) };
}

export function totalsOf(lawyers: ReadonlyArray<Pick<ReportLawyer, 'creditMinutes' | 'met'>>): ReportTotals {
  let creditMinutes = 0;
  let met = 0;
  for (const l of lawyers) {
    creditMinutes += l.creditMinutes;
    if (l.met) met += 1;
  }
  return { lawyers: lawyers.length, creditMinutes, met };
}

// ── CSV ─────────────────────────────────────────────────────────────────────

export type CsvLanguage = 'zh-CN' | 'en';

/** Column headers; Chinese by default because the people opening the file read Chinese. */
export const CSV_HEADERS: Record<CsvLanguage, readonly string[]> = {
  'zh-CN': ['姓名', '执业证号', '律师事务所', '行政区划代码', '县域律所', '已获学分（分钟）', '学时', '要求（分钟）', '是否达标', '未完成的必修课程'],
  en: ['Name', 'Licence number', 'Law firm', 'Region code', 'County firm', 'Credit (minutes)', 'Class hours', 'Required (minutes)', 'Met', 'Required courses not completed'],
};

/** The extra last column when disabled accounts are included. */
export const CSV_DISABLED_HEADER: Record<CsvLanguage, string> = { 'zh-CN': '已停用', en: 'Disabled' };

const YES_NO: Record<CsvLanguage, [string, string]> = { 'zh-CN': ['是', '否'], en: ['yes', 'no'] };

/** The header row; the "disabled" column only when disabled accounts are included. */
export function csvHeader(language: CsvLanguage, includeDisabled = false): string[] {
  return includeDisabled ? [...CSV_HEADERS[language], CSV_DISABLED_HEADER[language]] : [...CSV_HEADERS[language]];
}

/**
 * Spreadsheet programs run a cell that starts with = + - @ (or a tab / line break, which some
 * strip first) as a formula; a lawyer's or firm's name must never do that on an auditor's
 * machine (OWASP "CSV injection"), so such text cells get a leading apostrophe.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r\n]/.test(text) ? `'${text}` : text;
}

/**
 * A 执业证号 has 17 digits; Excel turns a bare digit string that long into 1.51072E+16 and drops
 * the last digits. A leading tab (invisible in the cell) makes Excel and WPS keep it as text — the
 * usual remedy for Chinese ID-like numbers. Consumers reading the CSV by program should trim cells.
 */
export function licenceCell(licenseNo: string): string {
  return `\t${neutralizeFormula(licenseNo)}`;
}

/** One CSV record per lawyer, in csvHeader order. */
export function csvRecord(lawyer: ReportLawyer, language: CsvLanguage = 'zh-CN', includeDisabled = false): (string | number)[] {
  const [yes, no] = YES_NO[language];
  const record = [
    neutralizeFormula(lawyer.name),
    licenceCell(lawyer.licenseNo),
    neutralizeFormula(lawyer.firm),
    neutralizeFormula(lawyer.regionCode),
    lawyer.county ? yes : no,
    lawyer.creditMinutes,
    lawyer.classHours,
    lawyer.requiredMinutes,
    lawyer.met ? yes : no,
    neutralizeFormula(lawyer.missingCourses.map((c) => c.title).join('；')),
  ];
  if (includeDisabled) record.push(lawyer.disabled ? yes : no);
  return record;
}

/**
 * The file: UTF-8 with BOM and CRLF, so Excel and WPS open it as it is. csv-stringify quotes a
 * cell holding the comma, the quote or the whole CR LF, but not a lone CR or LF — and LibreOffice
 * and Excel end the row there, so "x\r=1+1" became a new row starting with a formula. Every
 * cell holding either is quoted; input rules (server/http/plain-text.ts) refuse them in names
 * and titles too, this covers what was stored before.
 */
export function csvText(records: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return stringify(records as (string | number)[][], { bom: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}

/**
 * `Content-Disposition` for the download: an ASCII fallback name for old clients and the real
 * (Chinese) name as RFC 5987 `filename*`, which every current browser prefers.
 */
export function attachmentHeader(organizationName: string, regionCode: string, year: number): string {
  const fallback = `lectern-report-${regionCode.replace(/[^0-9A-Za-z]/g, '') || 'org'}-${year}.csv`;
  const real = `${organizationName}-${year}年度学时报表.csv`.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(real)}`;
}

/** RFC 5987 value-chars: encodeURIComponent leaves a few characters that must be escaped too. */
export function encodeRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
