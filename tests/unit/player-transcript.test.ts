/** The transcript's pure helpers (web/src/lib/player/transcript.ts): cue at a time, caption line, search, ?t=. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captionAt, cuesMatching, lastCueBefore, startTimeParam, type TranscriptCue } from '../../web/src/lib/player/transcript.ts';

const cues: TranscriptCue[] = [
  { start: 1, end: 4, text: '各位律师' },
  { start: 3, end: 6, text: 'Overlap' },
  { start: 10, end: 12, text: '合同解除的法定事由' },
];

describe('transcript helpers', () => {
  it('finds the last cue that has started', () => {
    expect(lastCueBefore(cues, 0)).toBe(-1);
    expect(lastCueBefore(cues, 1)).toBe(0);
    expect(lastCueBefore(cues, 8)).toBe(1);
    expect(lastCueBefore(cues, 99)).toBe(2);
    expect(lastCueBefore([], 5)).toBe(-1);
  });

  it('agrees with a linear scan', () => {
    const sorted = fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 40 }).map((starts) => starts.sort((a, b) => a - b).map((s) => ({ start: s / 10, end: s / 10 + 1, text: 'x' })));
    fc.assert(
      fc.property(sorted, fc.integer({ min: -10, max: 1100 }), (list, time) => {
        let expected = -1;
        list.forEach((cue, i) => {
          if (cue.start <= time) expected = i;
        });
        expect(lastCueBefore(list, time)).toBe(expected);
      }),
    );
  });

  it('shows the cues running now, overlapping ones together, nothing between cues', () => {
    expect(captionAt(cues, 2)).toBe('各位律师');
    expect(captionAt(cues, 3.5)).toBe('各位律师\nOverlap');
    expect(captionAt(cues, 8)).toBe('');
  });

  it('searches case-insensitively by substring', () => {
    expect(cuesMatching(cues, '法定')).toEqual([2]);
    expect(cuesMatching(cues, ' overlap ')).toEqual([1]);
    expect(cuesMatching(cues, '  ')).toEqual([]);
  });

  it('reads ?t= as seconds, ignoring anything else', () => {
    expect(startTimeParam('?t=14')).toBe(14);
    expect(startTimeParam('?x=1&t=2.5')).toBe(2.5);
    expect(startTimeParam('?t=-3')).toBeNull();
    expect(startTimeParam('?t=abc')).toBeNull();
    expect(startTimeParam('')).toBeNull();
  });
});
