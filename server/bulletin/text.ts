/**
 * The words of the bulletin files (PDF and XLSX), in Chinese — the file an association sends
 * out — or English (`lang=en`). Pure.
 */
import type { Dashboard, DashboardSegment } from './schemas.ts';

export type BulletinLanguage = 'zh-CN' | 'en';

export const WORDS = {
  'zh-CN': {
    title: (period: string) => `关于${period}律师培训情况的通报`,
    intro: (from: string, to: string, generated: string) => `统计区间：${from} 至 ${to}（北京时间）。线上学时与现场培训学时合并计算。生成时间：${generated}。`,
    overview: '一、总体情况',
    countyCity: '二、县域律所与城区律所',
    young: '三、青年律师（执业不满三年）',
    regions: '四、分地区情况',
    months: '五、逐月学时',
    commendation: '六、表彰名单',
    commendedFirms: '（一）表彰律所',
    commendedLawyers: '（二）表彰律师',
    rules: (r: Dashboard['commendation']['rules']) =>
      `评选规则：律所按${FIRM_RANKING.zh[r.firmsBy]}排名，律师按${LAWYER_RANKING.zh[r.lawyersBy]}排名，各取前 ${r.top} 名；本期学时不少于 ${r.minClassHours} 学时${r.countyOnly ? '；仅县域律所及其律师' : ''}${r.minFirmLawyers > 1 ? `；律所至少 ${r.minFirmLawyers} 名律师` : ''}。`,
    noneCommended: '本期无符合规则的对象。',
    figure: '项目',
    value: '数值',
    lawyers: '律师人数',
    countyLawyers: '县域律师',
    youngLawyers: '青年律师',
    participants: '参训人数',
    participation: '参训率',
    planned: '纳入计划',
    met: '达标人数',
    compliance: '达标率',
    hoursPerLawyer: '人均学时（年度累计）',
    periodHours: '本期学时（人均）',
    periodParticipants: '本期参训人数',
    completions: '本期完成课程',
    kind: '类别',
    countyFirms: '县域律所',
    cityFirms: '城区律所',
    firms: '律所数',
    participatingFirms: '参训律所',
    region: '地区',
    month: '月份',
    online: '线上（学时）',
    inPerson: '现场（学时）',
    active: '参训律师',
    rank: '名次',
    firm: '律师事务所',
    name: '姓名',
    licenseNo: '执业证号',
    classHours: '本期学时',
    county: '县域',
    yes: '是',
    no: '否',
    issuer: (name: string, date: string) => `${name}\n${date}`,
    sheets: { overview: '总体情况', regions: '分地区', months: '逐月', firms: '表彰律所', lawyers: '表彰律师' },
  },
  en: {
    title: (period: string) => `Bulletin on lawyers' training: ${period}`,
    intro: (from: string, to: string, generated: string) => `Period: ${from} to ${to} (Beijing time). Online and in-person hours are counted together. Generated: ${generated}.`,
    overview: '1. Overview',
    countyCity: '2. County firms and city firms',
    young: '3. Young lawyers (practising under three years)',
    regions: '4. By region',
    months: '5. Month by month',
    commendation: '6. Commendation list',
    commendedFirms: '6.1 Firms commended',
    commendedLawyers: '6.2 Lawyers commended',
    rules: (r: Dashboard['commendation']['rules']) =>
      `Rules: firms ranked by ${FIRM_RANKING.en[r.firmsBy]}, lawyers by ${LAWYER_RANKING.en[r.lawyersBy]}, the first ${r.top} of each; at least ${r.minClassHours} class hours in the period${r.countyOnly ? '; county firms and their lawyers only' : ''}${r.minFirmLawyers > 1 ? `; firms with at least ${r.minFirmLawyers} lawyers` : ''}.`,
    noneCommended: 'Nobody meets the rules in this period.',
    figure: 'Figure',
    value: 'Value',
    lawyers: 'Lawyers',
    countyLawyers: 'County lawyers',
    youngLawyers: 'Young lawyers',
    participants: 'Participants',
    participation: 'Participation',
    planned: 'Planned',
    met: 'Met',
    compliance: 'Compliance',
    hoursPerLawyer: 'Class hours per lawyer (year to date)',
    periodHours: 'Class hours per lawyer (period)',
    periodParticipants: 'Participants in the period',
    completions: 'Courses completed in the period',
    kind: 'Kind',
    countyFirms: 'County firms',
    cityFirms: 'City firms',
    firms: 'Firms',
    participatingFirms: 'Firms participating',
    region: 'Region',
    month: 'Month',
    online: 'Online (class hours)',
    inPerson: 'In person (class hours)',
    active: 'Lawyers with credit',
    rank: 'Rank',
    firm: 'Law firm',
    name: 'Name',
    licenseNo: 'Licence number',
    classHours: 'Class hours in the period',
    county: 'County',
    yes: 'yes',
    no: 'no',
    issuer: (name: string, date: string) => `${name}\n${date}`,
    sheets: { overview: 'Overview', regions: 'By region', months: 'By month', firms: 'Firms commended', lawyers: 'Lawyers commended' },
  },
} as const;

export const FIRM_RANKING = {
  zh: { class_hours_per_lawyer: '人均学时', class_hours: '学时总数', completions: '完成课程数', compliance: '达标率' },
  en: { class_hours_per_lawyer: 'class hours per lawyer', class_hours: 'total class hours', completions: 'courses completed', compliance: 'compliance' },
} as const;
export const LAWYER_RANKING = { zh: { class_hours: '学时', completions: '完成课程数' }, en: { class_hours: 'class hours', completions: 'courses completed' } } as const;

export const percent = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
export const hours = (minutes: number, perHour: number): number => Math.round((minutes / perHour) * 10) / 10;

/** A Beijing date, 2026年5月1日 / 2026-05-01. */
export function beijingDate(iso: string, lang: BulletinLanguage): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return lang === 'zh-CN' ? `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日` : d.toISOString().slice(0, 10);
}

/** The last day of [from, to), as a Beijing date. */
export const lastDayOf = (to: string, lang: BulletinLanguage) => beijingDate(new Date(new Date(to).getTime() - 1).toISOString(), lang);

/** The overview rows: [label, value] of one segment. */
export function overviewRows(s: DashboardSegment, all: Dashboard['total'], lang: BulletinLanguage): [string, string][] {
  const w = WORDS[lang];
  return [
    [w.lawyers, String(s.lawyers)],
    [w.countyLawyers, String(all.countyFirms.lawyers)],
    [w.youngLawyers, String(all.young.lawyers)],
    [w.participants, String(s.participants)],
    [w.participation, percent(s.participation)],
    [w.planned, String(s.planned)],
    [w.met, String(s.met)],
    [w.compliance, percent(s.compliance)],
    [w.hoursPerLawyer, String(s.classHoursPerLawyer)],
    [w.periodHours, String(s.periodClassHoursPerLawyer)],
    [w.periodParticipants, String(s.periodParticipants)],
    [w.completions, String(s.completions)],
  ];
}

/** The columns of a segment compared (county / city / young, or one region): header and cells. */
export function segmentHeader(lang: BulletinLanguage): string[] {
  const w = WORDS[lang];
  return [w.lawyers, w.participation, w.compliance, w.hoursPerLawyer, w.periodHours, w.completions];
}
export function segmentCells(s: DashboardSegment): string[] {
  return [String(s.lawyers), percent(s.participation), percent(s.compliance), String(s.classHoursPerLawyer), String(s.periodClassHoursPerLawyer), String(s.completions)];
}

/** The file name: 四川省律师协会-2026年度第二季度通报.pdf, and an ASCII fallback. */
export function bulletinFileName(d: Dashboard, extension: 'pdf' | 'xlsx'): { real: string; fallback: string } {
  const real = `${d.organization.name}-${d.period.label.zh}通报.${extension}`.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
  const fallback = `lectern-bulletin-${d.organization.regionCode.replace(/[^0-9A-Za-z]/g, '') || 'org'}-${d.period.id}.${extension}`;
  return { real, fallback };
}
