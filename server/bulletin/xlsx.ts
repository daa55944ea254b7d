/**
 * The bulletin as a workbook (write-excel-file): one sheet each for the overview (with county vs
 * city firms and young lawyers), the regions, the months and the two commendation lists. Numbers
 * are numbers (sums and charts work in Excel and WPS); text cells that could start a formula are
 * neutralised as in the report's CSV (server/reports/rows.ts).
 */
import writeXlsxFile from 'write-excel-file/node';
import type { SheetData } from 'write-excel-file/node';
import { neutralizeFormula } from '../reports/rows.ts';
import type { Dashboard, DashboardSegment } from './schemas.ts';
import { beijingDate, hours, lastDayOf, WORDS, type BulletinLanguage } from './text.ts';

type Cell = SheetData[number][number];
const s = (value: string): Cell => ({ value: neutralizeFormula(value), type: String });
const n = (value: number | null): Cell => (value === null ? null : { value, type: Number });
const h = (value: string): Cell => ({ value, type: String, fontWeight: 'bold' });
/** a share as a percentage with one decimal (the cell holds 0.4567, Excel shows 45.7%) */
const pct = (value: number | null): Cell => (value === null ? null : { value, type: Number, format: '0.0%' });

export async function renderBulletinXlsx(d: Dashboard, lang: BulletinLanguage = 'zh-CN'): Promise<Buffer> {
  const w = WORDS[lang];
  const label = lang === 'zh-CN' ? d.period.label.zh : d.period.label.en;
  const segmentHeader = [w.lawyers, w.participants, w.participation, w.planned, w.met, w.compliance, w.hoursPerLawyer, w.periodHours, w.periodParticipants, w.completions].map(h);
  const segment = (x: DashboardSegment): Cell[] => [n(x.lawyers), n(x.participants), pct(x.participation), n(x.planned), n(x.met), pct(x.compliance), n(x.classHoursPerLawyer), n(x.periodClassHoursPerLawyer), n(x.periodParticipants), n(x.completions)];
  const t = d.total;

  const overview: SheetData = [
    [s(d.organization.name)],
    [s(w.title(label))],
    [s(w.intro(beijingDate(d.period.from, lang), lastDayOf(d.period.to, lang), beijingDate(d.generatedAt, lang)))],
    [],
    [h(w.kind), h(w.firms), h(w.participatingFirms), ...segmentHeader],
    [s(label), n(t.firms.county + t.firms.city), n(t.firms.countyParticipating + t.firms.cityParticipating), ...segment(t.all)],
    [s(w.countyFirms), n(t.firms.county), n(t.firms.countyParticipating), ...segment(t.countyFirms)],
    [s(w.cityFirms), n(t.firms.city), n(t.firms.cityParticipating), ...segment(t.cityFirms)],
    [s(w.youngLawyers), null, null, ...segment(t.young)],
  ];
  const regionRows = (groups: Dashboard['cities']): SheetData =>
    groups.map((g) => [s(g.name), s(g.regionCode), n(g.countyFirms.lawyers), n(g.young.lawyers), n(g.firms.county), n(g.firms.city), ...segment(g.all)]);
  const regions: SheetData = [
    [h(w.region), h('GB/T 2260'), h(w.countyLawyers), h(w.youngLawyers), h(w.countyFirms), h(w.cityFirms), ...segmentHeader],
    ...regionRows(d.provinces),
    ...(d.provinces.length > 0 && d.cities.length > 0 ? [[] as Cell[]] : []),
    ...regionRows(d.cities),
  ];
  const months: SheetData = [
    [h(w.month), h(w.online), h(w.inPerson), h(w.active), h(w.completions)],
    ...t.months.map((m) => [s(m.month), n(hours(m.onlineMinutes, d.minutesPerClassHour)), n(hours(m.inPersonMinutes, d.minutesPerClassHour)), n(m.activeLawyers), n(m.completions)]),
  ];
  const firms: SheetData = [
    [s(w.rules(d.commendation.rules))],
    [h(w.rank), h(w.firm), h('GB/T 2260'), h(w.county), h(w.lawyers), h(w.classHours), h(w.periodHours), h(w.completions), h(w.compliance)],
    ...d.commendation.firms.map((f) => [n(f.rank), s(f.name), s(f.regionCode), s(f.county ? w.yes : w.no), n(f.lawyers), n(f.classHours), n(f.classHoursPerLawyer), n(f.completions), pct(f.compliance)]),
  ];
  const lawyers: SheetData = [
    [s(w.rules(d.commendation.rules))],
    [h(w.rank), h(w.name), h(w.licenseNo), h(w.firm), h(w.county), h(w.classHours), h(w.completions)],
    // the licence number as text: 17 digits would lose their last ones as a number
    ...d.commendation.lawyers.map((l) => [n(l.rank), s(l.name), s(l.licenseNo), s(l.firm), s(l.county ? w.yes : w.no), n(l.classHours), n(l.completions)]),
  ];
  const wide = (first: number, count: number) => [{ width: first }, ...Array.from({ length: count }, () => ({ width: 14 }))];
  const blob = writeXlsxFile([
    { data: overview, sheet: w.sheets.overview, columns: wide(24, 12) },
    { data: regions, sheet: w.sheets.regions, columns: wide(28, 15), stickyRowsCount: 1 },
    { data: months, sheet: w.sheets.months, columns: wide(12, 4), stickyRowsCount: 1 },
    { data: firms, sheet: w.sheets.firms, columns: [{ width: 8 }, { width: 34 }, ...Array.from({ length: 7 }, () => ({ width: 14 }))] },
    { data: lawyers, sheet: w.sheets.lawyers, columns: [{ width: 8 }, { width: 14 }, { width: 22 }, { width: 34 }, { width: 8 }, { width: 14 }, { width: 14 }] },
  ]);
  return blob.toBuffer();
}
