/**
 * Pure helpers of the evidence page: times in China Standard Time whatever the reader's own time
 * zone (an auditor in another province, a printed page filed away), seconds, shares and the
 * training-year links. No DOM and no state, so unit tests run them in Node.
 */

const shanghaiParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function parts(ms: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of shanghaiParts.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** "2026-05-01 10:00:20", Asia/Shanghai. */
export function shanghaiTime(iso: string): string {
  const p = parts(Date.parse(iso));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "2026-05-01", Asia/Shanghai; `exclusive` gives the last day of a half-open range [from, to). */
export function shanghaiDate(iso: string, exclusive = false): string {
  const p = parts(Date.parse(iso) - (exclusive ? 1 : 0));
  return `${p.year}-${p.month}-${p.day}`;
}

/** The time of day alone when `iso` falls on the same Shanghai day as `sameDayAs`, else the full time. */
export function shanghaiTimeAfter(iso: string, sameDayAs: string): string {
  return shanghaiDate(iso) === shanghaiDate(sameDayAs) ? shanghaiTime(iso).slice(11) : shanghaiTime(iso);
}

/** Media seconds to one decimal, without a trailing ".0": 7 → "7", 20.033 → "20", 4.96 → "5", 0.25 → "0.3". */
export function seconds(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

/** 0.9984 → "99.8%"; whole shares without decimals: 1 → "100%". */
export function percent(ratio: number): string {
  const value = Math.round(ratio * 1000) / 10;
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

/** 学时 for minutes at the association's minutes per 学时, to two decimals (as the server rounds). */
export function classHours(minutes: number, minutesPerClassHour: number): number {
  return minutesPerClassHour > 0 ? Math.round((minutes / minutesPerClassHour) * 100) / 100 : 0;
}

/** The evidence page of a lawyer and year. */
export function evidenceHref(userId: string, year: number): string {
  return `/admin/lawyers/${encodeURIComponent(userId)}/evidence?year=${year}`;
}

/** The year asked for in the query string, when it is one the server takes (2000–2100); else null (the server's default). */
export function requestedYear(query: URLSearchParams): number | null {
  const raw = query.get('year');
  if (raw === null || !/^\d{4}$/.test(raw)) return null;
  const year = Number(raw);
  return year >= 2000 && year <= 2100 ? year : null;
}

/** The name of the saved xAPI file: ASCII, so every system keeps it. */
export function xapiFilename(organizationId: string, year: number): string {
  return `lectern-xapi-${organizationId.slice(0, 8)}-${year}.json`;
}
