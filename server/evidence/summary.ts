/**
 * Pure readings of stored evidence for the evidence page (docs/audit.md, "The evidence page"): how a
 * playback session ended, what became of each presence check, and which device a user agent names.
 * No I/O and no clock: the service passes the rows and the server time in.
 */
import Bowser from 'bowser';
import { DEVICE_PLATFORMS, type DevicePlatform } from './schemas.ts';

export { DEVICE_PLATFORMS, type DevicePlatform };

/** How a session ended, as far as the server can know it. */
export type SessionEnd =
  /** the lawyer opened another session (one lecture at a time): closed at that moment */
  | { kind: 'replaced'; at: Date; replacedBy: { sessionId: string; lectureTitle: string } | null }
  /** closed for a reason other than a newer session */
  | { kind: 'closed'; at: Date; reason: string }
  /**
   * Never closed: a player does not say goodbye (the tab is closed, the line drops, the phone
   * sleeps), so the last heartbeat is the last moment the server knows the lawyer was watching.
   */
  | { kind: 'last_heartbeat'; at: Date }
  | { kind: 'no_heartbeat' };

export interface SessionEndFacts {
  closedAt: Date | null;
  closedReason: string | null;
  lastHeartbeatAt: Date | null;
  /** the session opened at the moment this one was closed as replaced, when there is one */
  replacedBy: { sessionId: string; lectureTitle: string } | null;
}

export function sessionEnd(facts: SessionEndFacts): SessionEnd {
  if (facts.closedAt) {
    if (facts.closedReason === 'replaced') return { kind: 'replaced', at: facts.closedAt, replacedBy: facts.replacedBy };
    return { kind: 'closed', at: facts.closedAt, reason: facts.closedReason ?? 'unknown' };
  }
  return facts.lastHeartbeatAt ? { kind: 'last_heartbeat', at: facts.lastHeartbeatAt } : { kind: 'no_heartbeat' };
}

export interface CheckRow {
  id: string;
  dueAtMedia: number;
  issuedAt: Date | null;
  expiresAt: Date | null;
  confirmedAt: Date | null;
  /** wrong codes typed for it */
  wrongAnswers: number;
  /** media held under it: credited when it was confirmed, lost when it expired */
  heldSeconds: number;
}

export type CheckState =
  | { kind: 'confirmed'; confirmedAt: Date }
  /** shown and not confirmed before it expired, or followed by a newer check: what it held was lost, and credit paused after it */
  | { kind: 'expired'; expiresAt: Date }
  | { kind: 'open'; expiresAt: Date }
  /** planned, but accepted playback never reached its moment */
  | { kind: 'not_reached' };

/**
 * The state of each check of one session at server time `now`, in the order given. An issued check
 * that a later issued check followed without being confirmed is expired even if its own expiry time
 * is later: the server issues a new check only after the previous one lapsed (server/playback/presence.ts).
 * Checks belong to the lawyer and lecture; each is shown with the session that issued it (or planned it).
 */
export function checkStates(checks: readonly CheckRow[], now: Date): CheckState[] {
  const latestIssued = Math.max(-Infinity, ...checks.filter((c) => c.issuedAt).map((c) => c.issuedAt!.getTime()));
  return checks.map((c): CheckState => {
    if (c.confirmedAt) return { kind: 'confirmed', confirmedAt: c.confirmedAt };
    if (!c.issuedAt) return { kind: 'not_reached' };
    const expiresAt = c.expiresAt ?? c.issuedAt;
    const superseded = c.issuedAt.getTime() < latestIssued;
    return superseded || expiresAt.getTime() <= now.getTime() ? { kind: 'expired', expiresAt } : { kind: 'open', expiresAt };
  });
}


export interface Device {
  /** browser and system with their major versions, e.g. "WeChat 8 · Android 12"; '' when nothing is recognised */
  label: string;
  platform: DevicePlatform;
}

/**
 * A short name for the device a user agent string describes (bowser's parser). The raw string is
 * always shown beside it: a user agent is what the browser claims, so the label is a reading aid,
 * never evidence of its own.
 */
export function deviceOf(userAgent: string | null): Device {
  if (!userAgent || !userAgent.trim()) return { label: '', platform: 'unknown' };
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, shortVersion(parsed.browser.version)].filter(Boolean).join(' ');
  // Windows names itself "NT 10.0"; bowser's version name ("10") is what people call it.
  const osVersion = parsed.os.name === 'Windows' ? (parsed.os.versionName ?? '') : shortVersion(parsed.os.version);
  const os = [parsed.os.name, osVersion].filter(Boolean).join(' ');
  const type = parsed.platform.type as string | undefined;
  const platform: DevicePlatform = (DEVICE_PLATFORMS as readonly string[]).includes(type ?? '') ? (type as DevicePlatform) : 'unknown';
  return { label: [browser, os].filter(Boolean).join(' · '), platform };
}

/** "124.0.0.0" → "124"; "8.0.28.2240" → "8"; "17.4" → "17.4": major and minor, without a ".0", enough to tell devices apart. */
function shortVersion(version: string | undefined): string {
  if (!version) return '';
  const parts = version.split(/[._]/).filter(Boolean);
  const kept = parts.slice(0, 2);
  while (kept.length > 1 && /^0+$/.test(kept[kept.length - 1]!)) kept.pop();
  return kept.join('.');
}
