/**
 * Pure: the transcript's cues against the playing time (docs/subtitles.md, "Player"). The panel
 * highlights the last cue that has started (so a pause between two cues keeps the place); the
 * caption line shows only a cue that is on screen now.
 */
// One cue of GET /api/lectures/:id/transcript: its route schema's (server/subtitles/schemas.ts), type-only.
import type { Cue } from '../../../../server/subtitles/schemas.ts';

export type TranscriptCue = Cue;

/** The index of the last cue that started at or before `time` (-1 before the first). Cues are in start order. */
export function lastCueBefore(cues: readonly TranscriptCue[], time: number): number {
  let lo = 0;
  let hi = cues.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid]!.start <= time + 1e-6) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The text on screen at `time`: every cue running then (cues may overlap), or '' between cues. */
export function captionAt(cues: readonly TranscriptCue[], time: number): string {
  const last = lastCueBefore(cues, time);
  const showing: string[] = [];
  // overlapping cues started earlier may still run; a few steps back is enough in practice
  for (let i = last; i >= 0 && i > last - 8; i--) {
    const cue = cues[i]!;
    if (time < cue.end) showing.unshift(cue.text);
  }
  return showing.join('\n');
}

/** The indices of the cues whose text contains `query` (case-insensitive; a substring, right for Chinese). */
export function cuesMatching(cues: readonly TranscriptCue[], query: string): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const found: number[] = [];
  cues.forEach((cue, i) => {
    if (cue.text.toLowerCase().includes(q)) found.push(i);
  });
  return found;
}

/** `?t=` of a lecture link: whole seconds from the start, or null when absent or not a time. */
export function startTimeParam(search: string): number | null {
  const value = new URLSearchParams(search).get('t');
  if (value === null || !/^\d{1,6}(?:\.\d+)?$/.test(value)) return null;
  return Number(value);
}
