/**
 * The credit rules, pure: what part of a heartbeat counts, how coverage grows, when a lecture is
 * complete, and which training year a moment belongs to. No I/O, no clock: the service passes the
 * server time in, so every rule is testable and the same inputs always give the same decision.
 */
import { mediaBudget } from './allowance.ts';
export { REAL_TIME_TOLERANCE_SECONDS } from './allowance.ts';

/** A media-time interval [from, to] in seconds, from < to. */
export type Interval = [number, number];

export const REJECTION_REASONS = ['outside_lecture', 'rate_too_high', 'faster_than_real_time', 'hidden_page', 'presence_unconfirmed', 'not_in_catalog'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  from: number;
  to: number;
  reason: RejectionReason;
}

/** Media time a player may report past the probed duration (container rounding). */
export const DURATION_EPSILON_SECONDS = 0.5;
/** Coverage keeps at most this many fragments (an honest viewing has a handful: one per seek). */
export const MAX_COVERAGE_FRAGMENTS = 200;
/** Gaps this small between fragments are rounding (intervals are rounded inwards to milliseconds). */
export const MERGED_GAP_SECONDS = 0.001;
/** Rounding guard for float comparisons of media seconds. */
const EPS = 1e-6;

/** Rounds media seconds to milliseconds so answers and stored evidence stay readable and stable. */
export function roundSeconds(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Drops non-finite and empty (or reversed) intervals, sorts them and merges overlapping or
 * touching ones. The result is the canonical form: sorted, disjoint, non-touching.
 */
export function normalizeIntervals(raw: ReadonlyArray<ReadonlyArray<number>>): Interval[] {
  const clean: Interval[] = [];
  for (const pair of raw) {
    const from = pair[0];
    const to = pair[1];
    if (typeof from !== 'number' || typeof to !== 'number') continue;
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) continue;
    clean.push([from, to]);
  }
  clean.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Interval[] = [];
  for (const [from, to] of clean) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1] + EPS) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** The union of two interval sets, normalised. */
export function unionIntervals(a: ReadonlyArray<Interval>, b: ReadonlyArray<Interval>): Interval[] {
  return normalizeIntervals([...a, ...b]);
}

/** The parts of normalised `a` not in normalised `b`. */
export function subtractIntervals(a: ReadonlyArray<Interval>, b: ReadonlyArray<Interval>): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const [from, to] of a) {
    let start = from;
    while (j < b.length && b[j]![1] <= start) j++;
    let k = j;
    while (k < b.length && b[k]![0] < to) {
      const [bf, bt] = b[k]!;
      if (bf > start) out.push([start, bf]);
      start = Math.max(start, bt);
      if (start >= to) break;
      k++;
    }
    if (start < to) out.push([start, to]);
  }
  return out.filter(([x, y]) => y - x > EPS);
}

/**
 * Keeps normalised intervals small whatever a player sends: gaps of rounding size are merged, and
 * beyond MAX_COVERAGE_FRAGMENTS the shortest fragments are dropped (so a script feeding thousands of
 * 1 ms fragments loses them rather than slowing every later heartbeat; dropping never credits
 * anything that was not played).
 */
export function compactIntervals(intervals: ReadonlyArray<Interval>, maxFragments = MAX_COVERAGE_FRAGMENTS): Interval[] {
  const merged: Interval[] = [];
  for (const [from, to] of intervals) {
    const last = merged[merged.length - 1];
    if (last && from - last[1] <= MERGED_GAP_SECONDS + EPS) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  if (merged.length <= maxFragments) return merged;
  const keep = merged
    .map((interval, index) => ({ interval, index, length: interval[1] - interval[0] }))
    .sort((x, y) => y.length - x.length || x.index - y.index)
    .slice(0, maxFragments)
    .sort((x, y) => x.index - y.index);
  return keep.map((k) => k.interval);
}

/** Total length of normalised intervals. */
export function totalSeconds(intervals: ReadonlyArray<Interval>): number {
  let sum = 0;
  for (const [from, to] of intervals) sum += to - from;
  return sum;
}

/** The parts of normalised `intervals` inside [lo, hi], and the parts outside. */
export function clipIntervals(intervals: ReadonlyArray<Interval>, lo: number, hi: number): { inside: Interval[]; outside: Interval[] } {
  const inside: Interval[] = [];
  const outside: Interval[] = [];
  for (const [from, to] of intervals) {
    if (from < lo) outside.push([from, Math.min(to, lo)]);
    if (to > hi) outside.push([Math.max(from, hi), to]);
    const a = Math.max(from, lo);
    const b = Math.min(to, hi);
    if (b > a) inside.push([a, b]);
  }
  return { inside, outside };
}

/** Splits normalised intervals after `budget` seconds (in media-time order): the head fits, the tail does not. */
export function takeSeconds(intervals: ReadonlyArray<Interval>, budget: number): { head: Interval[]; tail: Interval[] } {
  const head: Interval[] = [];
  const tail: Interval[] = [];
  let left = Math.max(0, budget);
  for (const [from, to] of intervals) {
    const length = to - from;
    if (left >= length - EPS) {
      head.push([from, to]);
      left -= length;
    } else if (left > EPS) {
      head.push([from, from + left]);
      tail.push([from + left, to]);
      left = 0;
    } else {
      tail.push([from, to]);
    }
  }
  return { head, tail };
}

export interface CourseRules {
  /** highest playback rate that still earns credit (default 1.0) */
  maxPlaybackRate: number;
  /** share of the duration that completes a lecture (default 0.95) */
  completionRatio: number;
  /** the page must be visible while playing */
  requireVisible: boolean;
}

export interface HeartbeatInput {
  intervals: ReadonlyArray<ReadonlyArray<number>>;
  playbackRate: number;
  visible: boolean;
}

export interface SessionState {
  /** lecture duration in seconds */
  durationSeconds: number;
  /** wall-clock seconds of watching the lawyer still has (allowance.ts), on the database clock */
  allowanceSeconds: number;
  /** the course is in the published catalog and the session is not a preview */
  inCatalog: boolean;
}

export interface HeartbeatDecision {
  /** accepted intervals, normalised */
  accepted: Interval[];
  acceptedSeconds: number;
  rejected: Rejection[];
}

/**
 * Decides what of one heartbeat is credited. In order:
 *  (a) the part outside [0, duration] is `outside_lecture`;
 *  (b) a rate above the course's maximum rejects the whole heartbeat: `rate_too_high`;
 *  (d) a hidden page, when the course requires visibility: `hidden_page`;
 *  (e) a preview or a course outside the published catalog: `not_in_catalog`;
 *  (c) accepted media never exceeds the lawyer's allowance × the allowed rate (allowance.ts: the
 *      wall-clock time they could have watched, on the database clock, however many sessions they
 *      opened); the excess (the latest media time first) is `faster_than_real_time`.
 * Presence checks are applied after this, to what was accepted (presence.ts).
 */
export function evaluateHeartbeat(input: HeartbeatInput, session: SessionState, rules: CourseRules): HeartbeatDecision {
  const rejected: Rejection[] = [];
  const reject = (intervals: ReadonlyArray<Interval>, reason: RejectionReason) => {
    for (const [from, to] of intervals) rejected.push({ from: roundSeconds(from), to: roundSeconds(to), reason });
  };
  const played = normalizeIntervals(input.intervals);
  const { inside, outside } = clipIntervals(played, 0, session.durationSeconds + DURATION_EPSILON_SECONDS);
  reject(outside, 'outside_lecture');
  // Media time up to the epsilon counts, but never beyond the duration itself.
  let candidates = clipIntervals(inside, 0, session.durationSeconds).inside;

  const wholeReason: RejectionReason | null =
    !(input.playbackRate <= rules.maxPlaybackRate + EPS)
      ? 'rate_too_high'
      : rules.requireVisible && !input.visible
        ? 'hidden_page'
        : !session.inCatalog
          ? 'not_in_catalog'
          : null;
  if (wholeReason) {
    reject(inside, wholeReason);
    return { accepted: [], acceptedSeconds: 0, rejected };
  }

  const { head, tail } = takeSeconds(candidates, mediaBudget(session.allowanceSeconds, rules.maxPlaybackRate));
  reject(tail, 'faster_than_real_time');
  // Rounded inwards to milliseconds: rounding never credits a sliver that was not played.
  candidates = head.map(([a, b]) => [Math.ceil(a * 1000 - 1e-6) / 1000 || 0, Math.floor(b * 1000 + 1e-6) / 1000] as Interval).filter(([a, b]) => b > a);
  return { accepted: candidates, acceptedSeconds: roundSeconds(totalSeconds(candidates)), rejected };
}


export interface Coverage {
  intervals: Interval[];
  coverageSeconds: number;
  coverageRatio: number;
  completed: boolean;
}

/** Coverage after adding accepted intervals: the union over all sessions, inside the lecture. */
export function addCoverage(previous: ReadonlyArray<Interval>, accepted: ReadonlyArray<Interval>, durationSeconds: number, completionRatio: number): Coverage {
  const intervals = compactIntervals(clipIntervals(unionIntervals(previous, accepted), 0, durationSeconds).inside);
  const coverageSeconds = Math.min(durationSeconds, totalSeconds(intervals));
  return {
    intervals,
    coverageSeconds: Math.min(durationSeconds, roundSeconds(coverageSeconds)),
    coverageRatio: durationSeconds > 0 ? Math.round((coverageSeconds / durationSeconds) * 10_000) / 10_000 : 0,
    completed: isComplete(coverageSeconds, durationSeconds, completionRatio),
  };
}

export function isComplete(coverageSeconds: number, durationSeconds: number, completionRatio: number): boolean {
  return durationSeconds > 0 && coverageSeconds + 1e-3 >= completionRatio * durationSeconds;
}

/** 学时 (class hours) for minutes, to two decimals. */
export function classHours(minutes: number, minutesPerClassHour: number): number {
  if (!(minutesPerClassHour > 0)) return 0;
  return Math.round((minutes / minutesPerClassHour) * 100) / 100;
}

/** China Standard Time: UTC+8 all year (no daylight saving since 1991). */
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/**
 * The training year a moment belongs to, in Asia/Shanghai. A year is named by the calendar year it
 * starts in: with startMonth 4, 2026 runs from 1 April 2026 to 31 March 2027.
 */
export function trainingYearOf(date: Date, startMonth = 1): number {
  const local = new Date(date.getTime() + SHANGHAI_OFFSET_MS);
  const year = local.getUTCFullYear();
  return local.getUTCMonth() + 1 >= startMonth ? year : year - 1;
}

/** [start, end) of a training year as UTC instants. */
export function trainingYearRange(year: number, startMonth = 1): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(year, startMonth - 1, 1) - SHANGHAI_OFFSET_MS),
    end: new Date(Date.UTC(year + 1, startMonth - 1, 1) - SHANGHAI_OFFSET_MS),
  };
}

/** The calendar year in Shanghai (for certificate serials). */
export function shanghaiYear(date: Date): number {
  return new Date(date.getTime() + SHANGHAI_OFFSET_MS).getUTCFullYear();
}
