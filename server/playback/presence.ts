/**
 * Presence checks, pure (docs/credit.md, "Presence that needs a person"). When a course asks for
 * them, each lawyer gets, per lecture, random due moments that the player is never told about: at
 * least one in every 50 minutes of content, measured in the lecture's covered seconds (so
 * re-watching, seeking or opening new sessions neither triggers nor escapes one). When new coverage
 * would pass a due moment, what lies beyond it is held and a check is issued: a code drawn in an
 * image, typed back by the person. Confirmed in time, the held media is credited; unanswered, it is
 * dropped, and everything stays held under a fresh check until one is confirmed.
 */
import { subtractIntervals, takeSeconds, totalSeconds, unionIntervals, compactIntervals, type Interval } from './credit.ts';

/** One check per this many seconds of content, at least. */
export const PRESENCE_WINDOW_SECONDS = 50 * 60;
/** Time the lawyer has to answer a check. */
export const PRESENCE_ANSWER_SECONDS = 90;
/** Wrong codes allowed per check (a 4-digit code: at most 5 guesses in 10,000). */
export const PRESENCE_MAX_WRONG_ANSWERS = 5;
/** Digits in the code drawn in the check's image. */
export const PRESENCE_CODE_DIGITS = 4;

/**
 * Due moments, in covered seconds, for a lecture of `durationSeconds`: one at a random point in
 * each 50-minute window (the last window may be shorter), kept away from the window's edges.
 */
export function planPresenceChecks(durationSeconds: number, random: () => number = Math.random): number[] {
  if (!(durationSeconds > 0)) return [];
  const windows = Math.ceil(durationSeconds / PRESENCE_WINDOW_SECONDS);
  const due: number[] = [];
  for (let k = 0; k < windows; k++) {
    const start = k * PRESENCE_WINDOW_SECONDS;
    const end = Math.min(durationSeconds, start + PRESENCE_WINDOW_SECONDS);
    const length = end - start;
    const at = start + length * (0.1 + 0.8 * random());
    due.push(Math.round(at * 1000) / 1000);
  }
  return due;
}

/** A fresh code: digits only, easy to type on a phone. */
export function presenceCode(random: () => number = Math.random): string {
  let code = '';
  for (let i = 0; i < PRESENCE_CODE_DIGITS; i++) code += String(Math.min(9, Math.floor(random() * 10)));
  return code;
}

export interface CheckState {
  id: string;
  /** covered seconds of the lecture at which the check is due */
  dueAtCoverage: number;
  issuedAt: Date | null;
  expiresAt: Date | null;
  confirmedAt: Date | null;
  heldIntervals: Interval[];
  wrongAnswers: number;
}

export type PresenceState =
  /** no issued check is waiting: credit flows, up to the next planned due moment (if any) */
  | { kind: 'clear'; nextDue: CheckState | null }
  /** an issued check waits for its code: new media is held under it */
  | { kind: 'open'; check: CheckState }
  /** an issued check expired unanswered: its held media is lost and a fresh check must be issued */
  | { kind: 'expired'; check: CheckState };

/** Where presence stands at server time `now`. */
export function presenceState(checks: ReadonlyArray<CheckState>, now: Date): PresenceState {
  const open = openCheck(checks);
  if (open) return open.expiresAt && open.expiresAt.getTime() <= now.getTime() ? { kind: 'expired', check: open } : { kind: 'open', check: open };
  const planned = checks.filter((c) => c.issuedAt === null).sort((a, b) => a.dueAtCoverage - b.dueAtCoverage);
  return { kind: 'clear', nextDue: planned[0] ?? null };
}

/** The latest issued check, if it is not confirmed (an earlier unconfirmed one was superseded). */
export function openCheck(checks: ReadonlyArray<CheckState>): CheckState | null {
  let latest: CheckState | null = null;
  for (const c of checks) {
    if (!c.issuedAt) continue;
    if (!latest || c.issuedAt.getTime() > latest.issuedAt!.getTime()) latest = c;
  }
  return latest && !latest.confirmedAt ? latest : null;
}

export interface PresenceSplit {
  /** credited now */
  credited: Interval[];
  /** held under `check` until it is confirmed */
  held: Interval[];
  /** the check the held media waits for: the open one, or `issue` (a planned one now due) */
  check: CheckState | null;
  /** true when `check` is a planned check that this heartbeat makes due (the caller issues it) */
  issue: boolean;
}

/**
 * Splits what the real-time rules accepted into what is credited now and what waits for a check.
 * `coverage` is the lecture's coverage before this heartbeat. While a check is open, everything
 * is held. Otherwise new coverage is credited up to the next due moment and the rest is held under
 * that check, which is then issued: so no single heartbeat, however late, carries media past a due
 * moment into credit.
 */
export function splitForPresence(accepted: ReadonlyArray<Interval>, coverage: ReadonlyArray<Interval>, state: Exclude<PresenceState, { kind: 'expired' }>): PresenceSplit {
  if (state.kind === 'open') return { credited: [], held: [...accepted], check: state.check, issue: false };
  const due = state.nextDue;
  if (!due) return { credited: [...accepted], held: [], check: null, issue: false };
  const fresh = subtractIntervals(accepted, coverage);
  const room = due.dueAtCoverage - totalSeconds(coverage);
  const { tail } = takeSeconds(fresh, Math.max(0, room));
  if (totalSeconds(tail) <= 1e-6) return { credited: [...accepted], held: [], check: null, issue: false };
  return { credited: subtractIntervals(accepted, tail), held: tail, check: due, issue: true };
}

/** The check's held media after this heartbeat (kept compact like coverage). */
export function holdMore(check: CheckState, held: ReadonlyArray<Interval>): Interval[] {
  return compactIntervals(unionIntervals(check.heldIntervals, held));
}

export type ConfirmOutcome =
  | { kind: 'confirmed'; check: CheckState }
  | { kind: 'already_confirmed' }
  | { kind: 'expired' }
  | { kind: 'superseded' }
  | { kind: 'wrong_code'; wrongAnswers: number }
  | { kind: 'too_many_wrong' };

/** Judges a typed code against a check, at server time `now`. */
export function judgeConfirmation(checks: ReadonlyArray<CheckState>, check: CheckState, code: string, expected: string, now: Date): ConfirmOutcome {
  if (check.confirmedAt) return { kind: 'already_confirmed' };
  const open = openCheck(checks);
  if (!open || open.id !== check.id) return { kind: 'superseded' };
  if (check.expiresAt && check.expiresAt.getTime() <= now.getTime()) return { kind: 'expired' };
  if (check.wrongAnswers >= PRESENCE_MAX_WRONG_ANSWERS) return { kind: 'too_many_wrong' };
  if (normalizeCode(code) !== expected) return { kind: 'wrong_code', wrongAnswers: check.wrongAnswers + 1 };
  return { kind: 'confirmed', check };
}

/** What a person may type for a code: spaces and full-width digits (an IME's) are forgiven. */
export function normalizeCode(typed: string): string {
  return typed.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\s+/g, '');
}
