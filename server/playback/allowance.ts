/**
 * The real-time allowance, pure: how much media a lawyer may have credited right now, on the
 * database clock, however many sessions they open (docs/credit.md, "One budget per lawyer").
 *
 * Each session holds an allowance in wall-clock seconds. It grows one second per second while the
 * session is open, up to a cap, and every accepted media second spends 1/rate of it (rate: the
 * course's maxPlaybackRate). A lawyer has at most one open session (opening one closes the others,
 * under a lock on the user), so the sessions' open spans never overlap and the credited media time
 * is bounded by the wall-clock time they could have watched, times the rate, plus one tolerance:
 * a new session starts with what the previous one left, but never more than the tolerance, and
 * what it takes is taken out of the previous one (so its late heartbeats cannot spend it again).
 */

/** Slack for rounding and clock drift, carried from session to session; it never accumulates. */
export const REAL_TIME_TOLERANCE_SECONDS = 5;
/**
 * The most a session can bank: an honest player can only play what it has buffered while its
 * heartbeats cannot get through (hls.js is set to at most 180 s ahead, web/src/lib/player/abr.ts),
 * and a late heartbeat is judged by the time that passed meanwhile; 600 s is three times that.
 */
export const ALLOWANCE_CAP_SECONDS = 600;
/** A session not heard from for this long closes (its allowance stops growing at that moment). */
export const IDLE_CLOSE_SECONDS = 30 * 60;

export interface StoredAllowance {
  /** wall seconds available as of `at` */
  seconds: number;
  at: Date;
}

/** The allowance at `now`: it grows with time, up to the cap, but not past the session's close. */
export function allowanceAt(stored: StoredAllowance, now: Date, closedAt: Date | null): number {
  const until = closedAt && closedAt.getTime() < now.getTime() ? closedAt : now;
  const grown = stored.seconds + Math.max(0, (until.getTime() - stored.at.getTime()) / 1000);
  return Math.max(0, Math.min(Math.max(ALLOWANCE_CAP_SECONDS, stored.seconds), grown));
}

/** Media seconds the allowance lets through at this rate. */
export function mediaBudget(allowanceSeconds: number, maxPlaybackRate: number): number {
  return Math.max(0, allowanceSeconds) * maxPlaybackRate;
}

/** Wall seconds that accepting `mediaSeconds` spends. */
export function wallCost(mediaSeconds: number, maxPlaybackRate: number): number {
  return maxPlaybackRate > 0 ? mediaSeconds / maxPlaybackRate : mediaSeconds;
}

/** What a new session takes from the one it replaces (or the tolerance, for a first session). */
export function carriedInto(previousAvailable: number | null): number {
  if (previousAvailable === null) return REAL_TIME_TOLERANCE_SECONDS;
  return Math.max(0, Math.min(REAL_TIME_TOLERANCE_SECONDS, previousAvailable));
}

/** The moment an idle session closes, if it is idle at `now` (no heartbeat for IDLE_CLOSE_SECONDS). */
export function idleClosedAt(lastHeardAt: Date | null, openedAt: Date, now: Date): Date | null {
  const last = lastHeardAt ?? openedAt;
  const closesAt = last.getTime() + IDLE_CLOSE_SECONDS * 1000;
  return now.getTime() > closesAt ? new Date(closesAt) : null;
}

/**
 * Heartbeats a session may record in its first `openSeconds`: one every 15 s is normal, and a
 * player cuts one early at each change of rate or visibility; this allows one every 2 s on average
 * plus a burst of 120, so an honest outbox always fits while a script cannot grow the evidence
 * without bound.
 */
export function heartbeatLimit(openSeconds: number): number {
  return 120 + Math.floor(Math.max(0, openSeconds) / 2);
}
