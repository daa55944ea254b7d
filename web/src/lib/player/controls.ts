/**
 * The player's control rules, pure: the two choices (picture quality, listening mode) and how they
 * are remembered, the speeds offered under a course's cap, the time-left estimate, the keyboard
 * shortcuts, and when the slowest-line mode is suggested. See docs/player.md ("Controls").
 */
import type { LevelInfo } from './abr.ts';

// The two remembered choices live in choices.ts (small: the entry reads them, early-start.ts).
export * from './choices.ts';

/** The usual speeds; a course's cap removes the faster ones (and is itself offered when odd). */
const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];

export function speedOptions(maxRate: number): number[] {
  const cap = Number.isFinite(maxRate) && maxRate >= 1 ? maxRate : 1;
  const speeds = SPEEDS.filter((speed) => speed <= cap + 1e-9);
  if (!speeds.some((speed) => Math.abs(speed - cap) < 1e-9)) speeds.push(cap);
  return speeds;
}

export type TimeLeft = { unit: 'seconds'; value: number } | { unit: 'minutes'; value: number };

/**
 * How long until the lecture counts as completed, at the current speed: what is still to be
 * covered for credit (completionRatio × duration − credited coverage) divided by the playback
 * rate. Under a minute it is said in seconds (rounded up to 5 s); otherwise in whole minutes,
 * rounded to the nearest (so a 1:15 lecture says "about 1 minute", not 2). Null when done or
 * the duration is not known.
 */
export function timeLeft(input: { duration: number; coverageSeconds: number; completionRatio: number; rate: number }): TimeLeft | null {
  const { duration, coverageSeconds, completionRatio } = input;
  if (!(duration > 0)) return null;
  const needed = Math.max(0, Math.min(duration, completionRatio * duration) - Math.max(0, coverageSeconds));
  if (needed < 0.5) return null;
  const rate = input.rate > 0 ? input.rate : 1;
  const wall = needed / rate;
  if (wall < 60) return { unit: 'seconds', value: Math.max(5, Math.ceil(wall / 5) * 5) };
  return { unit: 'minutes', value: Math.max(1, Math.round(wall / 60)) };
}

export type KeyAction = 'toggle' | 'back' | 'forward' | 'mute' | 'captions' | 'help';

/** Seconds a ← / → press moves. */
export const SEEK_STEP_SECONDS = 5;

/**
 * The shortcut for a key press, or null (then the browser does what it does). Keys typed into a
 * field, or with Ctrl/Alt/Meta held, are never taken.
 */
export function keyAction(event: { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean; target?: unknown }): KeyAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const target = event.target as { tagName?: string; isContentEditable?: boolean } | null | undefined;
  const tag = target?.tagName?.toUpperCase();
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target?.isContentEditable) return null;
  switch (event.key) {
    case ' ':
    case 'k':
    case 'K':
      // space on a focused button presses that button; the player's own buttons are handled there
      return tag === 'BUTTON' && event.key === ' ' ? null : 'toggle';
    case 'ArrowLeft':
      return 'back';
    case 'ArrowRight':
      return 'forward';
    case 'm':
    case 'M':
      return 'mute';
    case 'c':
    case 'C':
      return 'captions';
    case '?':
      return 'help';
    default:
      return null;
  }
}

/** A seek by `delta` seconds from `time`, kept inside the lecture (never past its last second). */
export function seekTarget(time: number, delta: number, duration: number): number {
  const end = duration > 0 ? Math.max(0, duration - 0.25) : Math.max(0, time + delta);
  return Math.max(0, Math.min(end, time + delta));
}

/**
 * Whether to suggest audio only: the measured line speed (bits/s) is below what the lowest video
 * rendition needs (its BANDWIDTH covers picture and sound). Null measurement: no suggestion.
 */
export function suggestAudioOnly(bandwidthBps: number | null, levels: ReadonlyArray<LevelInfo>): boolean {
  if (bandwidthBps === null || !(bandwidthBps > 0) || levels.length === 0) return false;
  const lowest = Math.min(...levels.map((level) => level.bitrate));
  return bandwidthBps < lowest;
}
