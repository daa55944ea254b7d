/**
 * Pure rules of the audit report: each lawyer's requirement for the year (the requirement rules
 * in force at their firm, where a plan covers them: server/requirements/), whether they met it,
 * the totals, and the CSV cells. No I/O here, so unit tests pin every rule down
 * (tests/unit/report-rows.test.ts, tests/unit/requirement-rules.test.ts).
 */
import { stringify } from 'csv-stringify/sync';
import { classHours } from '../playback/credit.ts';
import { isMet, targetMinutes, yearRequirement, type YearRequirement } from '../requirements/requirement.ts';
import { requiredMinutesFor, type LawyerProfile, type RequirementRules } from '../requirements/rules.ts';
import { attachmentDisposition, encodeRfc5987 } from '../http/content-disposition.ts';
import type { ReportLawyer, ReportTotals, RequirementBasis } from './schemas.ts';

/** Minutes in one 学时 where no association up to the root sets it (as creditRulesOf). */
export const DEFAULT_MINUTES_PER_CLASS_HOUR = 45;

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
  /** what the requirement rules read of the lawyer */
  profile: LawyerProfile;
  /** the requirement rules in force at the firm (inherited; the built-in ones when none is set) */
  rules: RequirementRules;
  /** minutes per 学时 in force at the firm: turns the rules' 学时 into minutes */
  minutesPerClassHour: number;
  /** online credit: lectures completed in the training year */
  creditMinutes: number;
  /**
   * in-person credit (现场培训, server/inperson): the minutes of the attendances, not removed, of
   * sessions held in the training year (Beijing dates)
   */
  inPersonMinutes: number;
  /** of creditMinutes, earned in the lawyer's required courses (the rest is elective, 选修) */
  requiredCourseCreditMinutes: number;
  /** the largest requiredMinutes of the plans that target the firm; 0 when none does */
  planRequiredMinutes: number;
  /** the largest electiveMinutes of those plans */
  planElectiveMinutes: number;
  /** how many plans target the firm this year */
  planCount: number;
  /** required courses (of any of those plans) not completed by the end of the training year */
  missingCourses: { id: string; title: string }[];
  /** every required course with whether it is done (only when asked for one lawyer) */
  requiredCourses?: { id: string; title: string; completed: boolean }[];
}

// The row and totals as the report route answers them (schemas.ts).
export type { ReportLawyer, ReportTotals, RequirementBasis } from './schemas.ts';

/** The training year a report measures, and the reported organization's minutes per 学时. */
export interface ReportYear {
  year: number;
  range: { start: Date; end: Date };
  minutesPerClassHour: number;
}

export function basisOf(requirement: YearRequirement): RequirementBasis {
  switch (requirement.kind) {
    case 'not_planned':
      return 'not_planned';
    case 'exempt':
      return requirement.reason === 'age' ? 'exempt_age' : 'exempt_new_practice';
    case 'required':
      return requirement.reason;
  }
}

/** The rules of the lawyer's firm applied to the lawyer, with the plans that cover them. */
export function requirementOf(facts: LawyerFacts, year: Pick<ReportYear, 'year' | 'range'>): YearRequirement {
  const outcome = requiredMinutesFor(facts.rules, facts.profile, year.year, year.range, facts.minutesPerClassHour);
  return yearRequirement(outcome, { planCount: facts.planCount, planRequiredMinutes: facts.planRequiredMinutes, planElectiveMinutes: facts.planElectiveMinutes });
}

export function toReportLawyer(facts: LawyerFacts, year: ReportYear): ReportLawyer {
  const requirement = requirementOf(facts, year);
  // Provincial rules count in-person and online hours together toward the year. An in-person
  // session is not one of the required (必修) courses, so its minutes are elective (选修) too.
  const inPersonMinutes = Math.max(0, facts.inPersonMinutes);
  const creditMinutes = facts.creditMinutes + inPersonMinutes;
  const electiveCreditMinutes = Math.max(0, facts.creditMinutes - facts.requiredCourseCreditMinutes) + inPersonMinutes;
  // an exempt lawyer owes no course either; a lawyer no plan covers has none to miss
  const missingCourses = requirement.kind === 'required' ? facts.missingCourses : [];
  const requiredMinutes = targetMinutes(requirement);
  return {
    id: facts.id,
    name: facts.name,
    licenseNo: facts.licenseNo,
    disabled: facts.disabled,
    firmId: facts.firmId,
    firm: facts.firm,
    regionCode: facts.regionCode,
    county: facts.county,
    creditMinutes,
    onlineMinutes: facts.creditMinutes,
    inPersonMinutes,
    classHours: classHours(creditMinutes, year.minutesPerClassHour),
    planned: requirement.kind !== 'not_planned',
    basis: basisOf(requirement),
    requiredMinutes,
    requiredClassHours: classHours(requiredMinutes, year.minutesPerClassHour),
    electiveMinutes: requirement.kind === 'required' ? requirement.electiveMinutes : 0,
    electiveCreditMinutes,
    planCount: facts.planCount,
    missingCourses,
    met: isMet(requirement, { creditMinutes, electiveCreditMinutes, missingCourses }),
  };
}

export function totalsOf(lawyers: ReadonlyArray<Pick<ReportLawyer, 'creditMinutes' | 'met' | 'planned'> & Partial<Pick<ReportLawyer, 'onlineMinutes' | 'inPersonMinutes'>>>): ReportTotals {
  let creditMinutes = 0;
  let onlineMinutes = 0;
  let inPersonMinutes = 0;
  let met = 0;
  let planned = 0;
  for (const l of lawyers) {
    creditMinutes += l.creditMinutes;
    inPersonMinutes += l.inPersonMinutes ?? 0;
    onlineMinutes += l.onlineMinutes ?? l.creditMinutes - (l.inPersonMinutes ?? 0);
    if (l.planned) planned += 1;
    if (l.planned && l.met === true) met += 1;
  }
  return { lawyers: lawyers.length, creditMinutes, onlineMinutes, inPersonMinutes, met, planned };
}

// ── CSV ─────────────────────────────────────────────────────────────────────

export type CsvLanguage = 'zh-CN' | 'en';

/** Column headers; Chinese by default because the people opening the file read Chinese. */
export const CSV_HEADERS: Record<CsvLanguage, readonly string[]> = {
  'zh-CN': ['姓名', '执业证号', '律师事务所', '行政区划代码', '县域律所', '已获（分钟）', '已获学时', '其中线上（分钟）', '其中现场培训（分钟）', '要求（分钟）', '要求学时', '选修要求（分钟）', '已获选修（分钟）', '要求依据', '是否达标', '未完成的必修课程'],
  en: ['Name', 'Licence number', 'Law firm', 'Region code', 'County firm', 'Credit (minutes)', 'Credit (class hours)', 'Of which online (minutes)', 'Of which in person (minutes)', 'Required (minutes)', 'Required (class hours)', 'Elective required (minutes)', 'Elective credit (minutes)', 'Requirement basis', 'Met', 'Required courses not completed'],
};

/** The 要求依据 cell: why the lawyer owes what they owe. */
export const CSV_BASIS: Record<CsvLanguage, Record<RequirementBasis, string>> = {
  'zh-CN': {
    not_planned: '未纳入计划',
    annual: '全年',
    pro_rated: '按当年执业月数折算',
    part_time: '兼职律师',
    exempt_new_practice: '免修（当年执业月数不足）',
    exempt_age: '免修（已达免修年龄）',
  },
  en: {
    not_planned: 'not planned',
    annual: 'full year',
    pro_rated: 'pro-rated by months practised',
    part_time: 'part-time',
    exempt_new_practice: 'exempt (too few months practised)',
    exempt_age: 'exempt (age)',
  },
};

/** The extra last column when disabled accounts are included. */
export const CSV_DISABLED_HEADER: Record<CsvLanguage, string> = { 'zh-CN': '已停用', en: 'Disabled' };

const YES_NO: Record<CsvLanguage, [string, string]> = { 'zh-CN': ['是', '否'], en: ['yes', 'no'] };

/** The 是否达标 cell: a lawyer no plan covers is its own state, never yes. */
export function metCell(lawyer: Pick<ReportLawyer, 'planned' | 'met'>, language: CsvLanguage): string {
  const [yes, no] = YES_NO[language];
  if (!lawyer.planned || lawyer.met === null) return CSV_BASIS[language].not_planned;
  return lawyer.met ? yes : no;
}

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
    lawyer.onlineMinutes,
    lawyer.inPersonMinutes,
    lawyer.requiredMinutes,
    lawyer.requiredClassHours,
    lawyer.electiveMinutes,
    lawyer.electiveCreditMinutes,
    CSV_BASIS[language][lawyer.basis],
    metCell(lawyer, language),
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
  return attachmentDisposition(real, fallback);
}

export { encodeRfc5987 };
