/**
 * Which media time was really played. The player feeds it the <video>/<audio> events; it keeps
 * the intervals [from, to] that advanced at normal progression while playing. A seek, a pause,
 * a stall or a jump closes the current interval, so skipping ahead never creates credit: the
 * server only ever sees what was on screen. Pure (no DOM): times come in as numbers.
 */
import type { MediaInterval } from '../api/types.ts';

/** Shorter intervals are noise (a timeupdate right before a seek) and are not reported. */
export const MIN_INTERVAL_SECONDS = 0.05;
/** Slack on top of wall-clock × rate when deciding whether a timeupdate is normal progression. */
const STEP_SLACK_SECONDS = 0.75;

interface Open {
  from: number;
  to: number;
  /** wall clock (ms) of the last accepted progression */
  at: number;
}

export class IntervalTracker {
  private open: Open | null = null;
  private closed: MediaInterval[] = [];

  /** Playback (re)started at media time `t` (the 'playing' event). */
  play(t: number, nowMs: number): void {
    this.close();
    this.open = { from: t, to: t, at: nowMs };
  }

  /**
   * Media time moved to `t` (the 'timeupdate' event). It extends the open interval when it moved
   * forward by no more than the wall-clock time since the last update allows at `rate`;
   * anything else (a jump, going backwards) closes the interval and starts a new one at `t`.
   */
  progress(t: number, nowMs: number, rate: number): void {
    const open = this.open;
    if (!open || !Number.isFinite(t)) return;
    const step = t - open.to;
    const allowed = (Math.max(0, nowMs - open.at) / 1000) * Math.max(rate, 0) + STEP_SLACK_SECONDS;
    if (step >= 0 && step <= allowed) {
      open.to = t;
      open.at = nowMs;
      return;
    }
    this.close();
    this.open = { from: t, to: t, at: nowMs };
  }

  /** Playback stopped being normal here: 'seeking', 'pause', 'waiting', 'ended', hidden page. */
  stop(): void {
    this.close();
  }

  get playing(): boolean {
    return this.open !== null;
  }

  /**
   * Everything played since the last call, in order; the open interval is cut at its current
   * end and keeps running from there, so consecutive heartbeats never overlap.
   */
  drain(): MediaInterval[] {
    const out = this.closed;
    this.closed = [];
    const open = this.open;
    if (open && open.to - open.from >= MIN_INTERVAL_SECONDS) {
      out.push([round(open.from), round(open.to)]);
      open.from = open.to;
    }
    return out;
  }

  /** Seconds waiting in drain(), for the "not yet reported" figure on screen. */
  pendingSeconds(): number {
    let total = 0;
    for (const [from, to] of this.closed) total += to - from;
    if (this.open) total += this.open.to - this.open.from;
    return total;
  }

  private close(): void {
    const open = this.open;
    this.open = null;
    if (open && open.to - open.from >= MIN_INTERVAL_SECONDS) this.closed.push([round(open.from), round(open.to)]);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Merges overlapping or touching intervals (for the coverage shown while heartbeats are queued). */
export function mergeIntervals(intervals: ReadonlyArray<MediaInterval>): MediaInterval[] {
  const sorted = intervals.filter(([a, b]) => b > a).map(([a, b]) => [a, b] as MediaInterval).sort((x, y) => x[0] - y[0]);
  const out: MediaInterval[] = [];
  for (const [from, to] of sorted) {
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

export function totalLength(intervals: ReadonlyArray<MediaInterval>): number {
  return intervals.reduce((sum, [a, b]) => sum + Math.max(0, b - a), 0);
}
