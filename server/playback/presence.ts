/**
 * Presence checks, pure. When a course asks for them, each session gets random due moments in
 * media time that the player is never told about: at least one in every 50 minutes of content.
 * When accepted playback reaches a due moment the server asks for a confirmation; if none comes
 * before the check expires, credit pauses until a later check is confirmed.
 */

/** One check per this many seconds of content, at least. */
export const PRESENCE_WINDOW_SECONDS = 50 * 60;
/** Time the lawyer has to answer a check. */
export const PRESENCE_ANSWER_SECONDS = 90;

/**
 * Due moments for a lecture of `durationSeconds`: one at a random moment in each 50-minute window
 * (the last window may be shorter), kept away from the window's edges so that a check is not due
 * in the first seconds of playing or after the end.
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

export interface CheckState {
  id: string;
  dueAtMedia: number;
  issuedAt: Date | null;
  expiresAt: Date | null;
  confirmedAt: Date | null;
}

export type PresenceStep =
  /** nothing to do */
  | { kind: 'none' }
  /** an issued check is still open: repeat it in the answer so a lost answer does not lose the prompt */
  | { kind: 'outstanding'; check: CheckState }
  /** issue this planned check now */
  | { kind: 'issue'; check: CheckState }
  /** an issued check expired unanswered: block credit and issue a fresh check right away */
  | { kind: 'expired'; check: CheckState };

/**
 * What happens to presence before a heartbeat is judged, at server time `now`. An issued,
 * unanswered check that is past its expiry blocks the session (the caller then issues a new check).
 */
export function presenceBeforeHeartbeat(checks: ReadonlyArray<CheckState>, now: Date): PresenceStep {
  const open = openCheck(checks);
  if (!open) return { kind: 'none' };
  if (open.expiresAt && open.expiresAt.getTime() <= now.getTime()) return { kind: 'expired', check: open };
  return { kind: 'outstanding', check: open };
}

/** After a heartbeat's intervals were accepted up to media time `reachedMedia`: a planned check now due. */
export function presenceAfterAccepted(checks: ReadonlyArray<CheckState>, reachedMedia: number | null): CheckState | null {
  if (reachedMedia === null || openCheck(checks)) return null;
  const due = checks.filter((c) => c.issuedAt === null && c.dueAtMedia <= reachedMedia).sort((a, b) => a.dueAtMedia - b.dueAtMedia);
  return due[0] ?? null;
}

/** The issued check that is neither confirmed nor superseded (the latest issued one). */
export function openCheck(checks: ReadonlyArray<CheckState>): CheckState | null {
  let latest: CheckState | null = null;
  for (const c of checks) {
    if (!c.issuedAt) continue;
    if (!latest || c.issuedAt.getTime() > latest.issuedAt!.getTime()) latest = c;
  }
  return latest && !latest.confirmedAt ? latest : null;
}
