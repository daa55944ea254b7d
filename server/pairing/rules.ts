/**
 * Pure rules of pairing (结对帮扶, docs/programme.md "Pairing"): who counts as a young lawyer and
 * what day it is in Beijing. No imports from the server: unit-tested on their own.
 */

/** A young lawyer has practised for less than this many years (DESIGN.md: "practising under 3 years"). */
export const YOUNG_LAWYER_YEARS = 3;

/** The Beijing calendar date (YYYY-MM-DD) of an instant: pair dates are Beijing dates. */
export function beijingToday(now: Date): string {
  return new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** The date `years` years after a YYYY-MM-DD date (29 February → 1 March in a common year). */
export function addYears(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/**
 * Young on `on`: the lawyer's practice start date (执业开始日期, users.practice_started_on) is
 * known and `on` falls before its third anniversary. Unknown start: not young (the roster did
 * not say, so the pair is refused rather than guessed).
 */
export function isYoungLawyer(practiceStartedOn: string | null, on: string): boolean {
  if (!practiceStartedOn) return false;
  return on < addYears(practiceStartedOn, YOUNG_LAWYER_YEARS);
}
