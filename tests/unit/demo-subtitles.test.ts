/** The demo's subtitles (server/demo/subtitles.ts): the slides' words, timed to the slides, never past the end. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLIDES_ZH } from '../../server/demo/media.ts';
import { demoCues } from '../../server/demo/subtitles.ts';
import { renderVtt, parseSubtitleText } from '../../server/subtitles/parse.ts';

describe('demo subtitles', () => {
  it('say every line of the ten slides of the 10-minute recording, a minute a slide', () => {
    const cues = demoCues(600);
    expect(cues.map((c) => c.text)).toEqual(SLIDES_ZH.flat().map((line) => line.replace(/^·\s*/, '')));
    expect(cues[4]).toMatchObject({ start: 60, text: '一、接受委托' });
    expect(cues.at(-1)!.end).toBe(600);
  });

  it('any length: ordered, within the recording, and a file the subtitle checks accept', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 3600, noNaN: true }), fc.integer({ min: 5, max: 120 }), (duration, slideSeconds) => {
        const cues = demoCues(duration, slideSeconds);
        expect(cues.length).toBeGreaterThan(0);
        for (let i = 0; i < cues.length; i++) {
          expect(cues[i]!.end).toBeGreaterThan(cues[i]!.start);
          expect(cues[i]!.end).toBeLessThanOrEqual(duration + 0.001);
          if (i > 0) expect(cues[i]!.start).toBeGreaterThanOrEqual(cues[i - 1]!.end - 0.001);
        }
        expect(parseSubtitleText(renderVtt(cues), 'vtt', { durationSeconds: duration }).cues).toHaveLength(cues.length);
      }),
      { numRuns: 100 },
    );
  });
});
