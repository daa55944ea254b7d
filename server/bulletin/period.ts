/**
 * The period a dashboard or bulletin (通报) covers (pure): a training year (`2026`), one of its
 * quarters (`2026-Q2`: the year's months 4–6, so with a January start the calendar quarter) or a
 * calendar month (`2026-05`), in China Standard Time. A period always lies inside one training
 * year: the figures that are yearly by nature (participation, compliance) are that year's up to the
 * period's end. docs/programme.md, "Dashboard and bulletin (通报)".
 */
import { trainingYearOf, trainingYearRange } from '../playback/credit.ts';

export type PeriodKind = 'year' | 'quarter' | 'month';

export interface Period {
  /** as asked for, normalised: 2026, 2026-Q2, 2026-05 */
  id: string;
  kind: PeriodKind;
  /** the training year the period lies in (named by the calendar year it starts in) */
  year: number;
  trainingYearStartMonth: number;
  /** [start, end) as instants */
  start: Date;
  end: Date;
  /** the training year's [start, end) */
  yearStart: Date;
  yearEnd: Date;
  /** the calendar months of the period, YYYY-MM (Beijing), in order */
  months: string[];
  /** the months of the training year from its start to the period's end (the charts' axis) */
  yearToDateMonths: string[];
  label: { zh: string; en: string };
}

export const PERIOD_PATTERN = '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
/** the instant a Beijing calendar month (month 1–12, may overflow) starts */
const monthStart = (year: number, month: number) => new Date(Date.UTC(year, month - 1, 1) - SHANGHAI_OFFSET_MS);
const monthId = (at: Date) => new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);

/** YYYY-MM of every month that starts in [start, end). */
export function monthsBetween(start: Date, end: Date): string[] {
  const months: string[] = [];
  const local = new Date(start.getTime() + SHANGHAI_OFFSET_MS);
  for (let i = 0; ; i++) {
    const at = monthStart(local.getUTCFullYear(), local.getUTCMonth() + 1 + i);
    if (at.getTime() >= end.getTime()) break;
    months.push(monthId(at));
  }
  return months;
}

/** null when `text` is not a period (the route's pattern checks the shape; this, the values). */
export function parsePeriod(text: string, trainingYearStartMonth: number): Period | null {
  const match = /^(\d{4})(?:-Q([1-4])|-(\d{2}))?$/.exec(text);
  if (!match) return null;
  const y = Number(match[1]);
  if (y < 2000 || y > 2100) return null;
  const sm = trainingYearStartMonth;
  let kind: PeriodKind;
  let start: Date;
  let end: Date;
  let year: number;
  if (match[2]) {
    const q = Number(match[2]);
    kind = 'quarter';
    year = y;
    start = monthStart(y, sm + (q - 1) * 3);
    end = monthStart(y, sm + q * 3);
  } else if (match[3]) {
    const m = Number(match[3]);
    if (m < 1 || m > 12) return null;
    kind = 'month';
    start = monthStart(y, m);
    end = monthStart(y, m + 1);
    year = trainingYearOf(start, sm);
  } else {
    kind = 'year';
    year = y;
    ({ start, end } = trainingYearRange(y, sm));
  }
  const { start: yearStart, end: yearEnd } = trainingYearRange(year, sm);
  const months = monthsBetween(start, end);
  return {
    id: text,
    kind,
    year,
    trainingYearStartMonth: sm,
    start,
    end,
    yearStart,
    yearEnd,
    months,
    yearToDateMonths: monthsBetween(yearStart, end),
    label: periodLabel(kind, y, Number(match[2] ?? match[3] ?? 0), sm),
  };
}

function periodLabel(kind: PeriodKind, y: number, n: number, startMonth: number): { zh: string; en: string } {
  const yearZh = startMonth === 1 ? `${y}年度` : `${y}培训年度`;
  const yearEn = startMonth === 1 ? `${y}` : `training year ${y}`;
  switch (kind) {
    case 'year':
      return { zh: yearZh, en: yearEn };
    case 'quarter':
      return { zh: `${yearZh}第${'一二三四'[n - 1]}季度`, en: `Q${n} of ${yearEn}` };
    case 'month':
      return { zh: `${y}年${n}月`, en: `${new Date(Date.UTC(y, n - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' })} ${y}` };
  }
}

/** The period shown when none is asked for: the current training year. */
export function currentYearPeriod(now: Date, trainingYearStartMonth: number): Period {
  return parsePeriod(String(trainingYearOf(now, trainingYearStartMonth)), trainingYearStartMonth)!;
}

/** The Beijing date (YYYY-MM-DD) of an instant. */
export function beijingDay(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}
