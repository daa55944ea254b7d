import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IntervalTracker, mergeIntervals, totalLength } from '../../web/src/lib/player/intervals.ts';

/** Plays from `from` to `to` with timeupdates every 250 ms of wall clock at `rate`. */
function playThrough(tracker: IntervalTracker, from: number, to: number, startMs: number, rate = 1): number {
  let now = startMs;
  tracker.play(from, now);
  for (let t = from; t < to; ) {
    now += 250;
    t = Math.min(to, t + 0.25 * rate);
    tracker.progress(t, now, rate);
  }
  return now;
}

describe('IntervalTracker', () => {
  it('reports continuous playback as one interval', () => {
    const tracker = new IntervalTracker();
    playThrough(tracker, 0, 10, 0);
    expect(tracker.drain()).toEqual([[0, 10]]);
  });

  it('cuts the open interval at drain and continues from there, without overlap', () => {
    const tracker = new IntervalTracker();
    let now = playThrough(tracker, 0, 5, 0);
    expect(tracker.drain()).toEqual([[0, 5]]);
    tracker.progress(5.25, (now += 250), 1);
    tracker.progress(5.5, (now += 250), 1);
    expect(tracker.drain()).toEqual([[5, 5.5]]);
    expect(tracker.drain()).toEqual([]);
  });

  it('a seek closes the interval: the skipped part is never reported', () => {
    const tracker = new IntervalTracker();
    const now = playThrough(tracker, 0, 4, 0);
    tracker.stop(); // 'seeking'
    playThrough(tracker, 20, 22, now + 100);
    expect(tracker.drain()).toEqual([
      [0, 4],
      [20, 22],
    ]);
  });

  it('a jump forward seen only through timeupdate (no seeking event) starts a new interval', () => {
    const tracker = new IntervalTracker();
    let now = playThrough(tracker, 0, 3, 0);
    tracker.progress(60, (now += 250), 1);
    tracker.progress(60.25, (now += 250), 1);
    expect(tracker.drain()).toEqual([
      [0, 3],
      [60, 60.25],
    ]);
  });

  it('going backwards starts a new interval', () => {
    const tracker = new IntervalTracker();
    let now = playThrough(tracker, 10, 12, 0);
    tracker.progress(2, (now += 250), 1);
    tracker.progress(2.25, (now += 250), 1);
    expect(tracker.drain()).toEqual([
      [10, 12],
      [2, 2.25],
    ]);
  });

  it('records nothing while not playing, and nothing for a tiny interval', () => {
    const tracker = new IntervalTracker();
    tracker.progress(5, 1000, 1);
    expect(tracker.drain()).toEqual([]);
    tracker.play(5, 2000);
    tracker.progress(5.01, 2010, 1);
    tracker.stop();
    expect(tracker.drain()).toEqual([]);
  });

  it('accepts faster progression at a faster rate, but not beyond what the clock allows', () => {
    const tracker = new IntervalTracker();
    playThrough(tracker, 0, 10, 0, 2);
    expect(tracker.drain()).toEqual([[0, 10]]);
    // 10 s of media in 1 s of wall clock at rate 1 is a jump, not playback.
    tracker.play(0, 0);
    tracker.progress(10, 1000, 1);
    expect(tracker.drain()).toEqual([]);
  });

  it('never reports more media time than was played (random play/seek/pause sequences)', () => {
    type Step = { kind: 'play'; at: number } | { kind: 'advance'; ms: number } | { kind: 'stop' } | { kind: 'drain' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('play' as const), at: fc.double({ min: 0, max: 600, noNaN: true }) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2000 }) }),
      fc.record({ kind: fc.constant('stop' as const) }),
      fc.record({ kind: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps: Step[]) => {
        const tracker = new IntervalTracker();
        let now = 0;
        let t = 0;
        let playing = false;
        let played = 0;
        const reported: [number, number][] = [];
        for (const s of steps) {
          if (s.kind === 'play') {
            t = s.at;
            playing = true;
            tracker.play(t, now);
          } else if (s.kind === 'advance') {
            now += s.ms;
            if (playing) {
              t += s.ms / 1000;
              played += s.ms / 1000;
              tracker.progress(t, now, 1);
            }
          } else if (s.kind === 'stop') {
            playing = false;
            tracker.stop();
          } else reported.push(...tracker.drain());
        }
        reported.push(...tracker.drain());
        for (const [a, b] of reported) expect(b).toBeGreaterThan(a);
        expect(totalLength(reported)).toBeLessThanOrEqual(played + 0.01);
      }),
    );
  });
});

describe('mergeIntervals', () => {
  it('merges overlapping and touching intervals and drops empty ones', () => {
    expect(
      mergeIntervals([
        [5, 8],
        [0, 2],
        [2, 3],
        [7, 9],
        [4, 4],
      ]),
    ).toEqual([
      [0, 3],
      [5, 9],
    ]);
  });
});
