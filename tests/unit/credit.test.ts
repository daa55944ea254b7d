import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addCoverage,
  classHours,
  evaluateHeartbeat,
  isComplete,
  normalizeIntervals,
  compactIntervals,
  subtractIntervals,
  unionIntervals,
  MAX_COVERAGE_FRAGMENTS,
  totalSeconds,
  trainingYearOf,
  trainingYearRange,
  type CourseRules,
  type Interval,
  type SessionState,
} from '../../server/playback/credit.ts';
import { judgeConfirmation, normalizeCode, openCheck, planPresenceChecks, presenceState, splitForPresence, type CheckState } from '../../server/playback/presence.ts';
import { ALLOWANCE_CAP_SECONDS, REAL_TIME_TOLERANCE_SECONDS, allowanceAt, carriedInto, wallCost } from '../../server/playback/allowance.ts';

const rules: CourseRules = { maxPlaybackRate: 1, completionRatio: 0.95, requireVisible: true };
const session = (over: Partial<SessionState> = {}): SessionState => ({ durationSeconds: 600, allowanceSeconds: 10_000, inCatalog: true, ...over });
const hb = (intervals: number[][], over: { playbackRate?: number; visible?: boolean } = {}) => ({ intervals, playbackRate: 1, visible: true, ...over });

describe('normalizeIntervals', () => {
  it('drops NaN, infinite, empty and reversed intervals, sorts and merges touching ones', () => {
    expect(normalizeIntervals([[5, 10], [NaN, 3], [0, Infinity], [3, 3], [9, 2], [0, 5], [12, 15], [15, 16]])).toEqual([
      [0, 10],
      [12, 16],
    ]);
  });
});

describe('evaluateHeartbeat', () => {
  it('accepts a normal heartbeat', () => {
    const d = evaluateHeartbeat(hb([[0, 14.8]]), session(), rules);
    expect(d.accepted).toEqual([[0, 14.8]]);
    expect(d.acceptedSeconds).toBe(14.8);
    expect(d.rejected).toEqual([]);
  });

  it('rejects what lies outside the lecture: outside_lecture', () => {
    const d = evaluateHeartbeat(hb([[-5, 10], [595, 620]]), session(), rules);
    expect(d.accepted).toEqual([[0, 10], [595, 600]]);
    expect(d.rejected).toEqual([
      { from: -5, to: 0, reason: 'outside_lecture' },
      { from: 600.5, to: 620, reason: 'outside_lecture' },
    ]);
  });

  it('rejects the whole heartbeat above the course rate: rate_too_high', () => {
    const d = evaluateHeartbeat(hb([[0, 15]], { playbackRate: 1.5 }), session(), rules);
    expect(d.acceptedSeconds).toBe(0);
    expect(d.rejected).toEqual([{ from: 0, to: 15, reason: 'rate_too_high' }]);
    expect(evaluateHeartbeat(hb([[0, 15]], { playbackRate: 1.5 }), session(), { ...rules, maxPlaybackRate: 2 }).acceptedSeconds).toBe(15);
  });

  it('rejects a hidden page only when the course requires visibility: hidden_page', () => {
    expect(evaluateHeartbeat(hb([[0, 15]], { visible: false }), session(), rules).rejected).toEqual([{ from: 0, to: 15, reason: 'hidden_page' }]);
    expect(evaluateHeartbeat(hb([[0, 15]], { visible: false }), session(), { ...rules, requireVisible: false }).acceptedSeconds).toBe(15);
  });

  it('credits nothing outside the published catalog: not_in_catalog', () => {
    expect(evaluateHeartbeat(hb([[0, 15]]), session({ inCatalog: false }), rules).rejected).toEqual([{ from: 0, to: 15, reason: 'not_in_catalog' }]);
  });

  it('credits at most the allowance: faster_than_real_time', () => {
    // 10 minutes claimed with 65 s of allowance: 65 s credited, the rest rejected
    const d = evaluateHeartbeat(hb([[0, 600]]), session({ allowanceSeconds: 65 }), rules);
    expect(d.acceptedSeconds).toBe(65);
    expect(d.rejected).toEqual([{ from: 65, to: 600, reason: 'faster_than_real_time' }]);
    // a faster allowed rate lets through more media per wall second
    expect(evaluateHeartbeat(hb([[0, 600]], { playbackRate: 2 }), session({ allowanceSeconds: 60 }), { ...rules, maxPlaybackRate: 2 }).acceptedSeconds).toBe(120);
  });
});

describe('coverage and completion', () => {
  it('is the union of accepted intervals, and completes at the ratio', () => {
    let c = addCoverage([], [[0, 300]], 600, 0.95);
    expect(c.coverageSeconds).toBe(300);
    expect(c.completed).toBe(false);
    c = addCoverage(c.intervals, [[200, 560]], 600, 0.95);
    expect(c.coverageSeconds).toBe(560);
    expect(c.completed).toBe(false);
    c = addCoverage(c.intervals, [[560, 570]], 600, 0.95);
    expect(c.coverageSeconds).toBe(570);
    expect(c.coverageRatio).toBe(0.95);
    expect(c.completed).toBe(true);
    expect(isComplete(0, 0, 0.95)).toBe(false);
  });

  it('converts minutes to 学时', () => {
    expect(classHours(90, 45)).toBe(2);
    expect(classHours(100, 45)).toBe(2.22);
    expect(classHours(100, 40)).toBe(2.5);
  });
});

describe('training year in Asia/Shanghai', () => {
  it('a calendar year turns at midnight in Shanghai, not UTC', () => {
    expect(trainingYearOf(new Date('2025-12-31T15:59:59Z'))).toBe(2025);
    expect(trainingYearOf(new Date('2025-12-31T16:00:00Z'))).toBe(2026); // 00:00 on 1 Jan in Shanghai
    expect(trainingYearRange(2026)).toEqual({ start: new Date('2025-12-31T16:00:00Z'), end: new Date('2026-12-31T16:00:00Z') });
  });

  it("Shanghai's online-training year runs April to March", () => {
    expect(trainingYearOf(new Date('2026-03-31T15:59:59Z'), 4)).toBe(2025);
    expect(trainingYearOf(new Date('2026-03-31T16:00:00Z'), 4)).toBe(2026);
    expect(trainingYearOf(new Date('2027-01-15T00:00:00Z'), 4)).toBe(2026);
    expect(trainingYearRange(2026, 4)).toEqual({ start: new Date('2026-03-31T16:00:00Z'), end: new Date('2027-03-31T16:00:00Z') });
  });

  it('every moment lies in the range of its own training year', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.integer({ min: 1, max: 12 }), (date, month) => {
        const { start, end } = trainingYearRange(trainingYearOf(date, month), month);
        return start.getTime() <= date.getTime() && date.getTime() < end.getTime();
      }),
    );
  });
});

// --- properties -----------------------------------------------------------------------------

const point = fc.double({ min: -100, max: 800, noNaN: true });
const rawInterval = fc.tuple(point, point).map(([a, b]) => [a, b] as number[]);
const rawIntervals = fc.array(rawInterval, { maxLength: 30 });
const duration = fc.double({ min: 1, max: 700, noNaN: true });

/** Splits every interval at a random inner point. */
function split(intervals: number[][], cuts: number[]): number[][] {
  return intervals.flatMap(([a, b], i) => {
    if (a === undefined || b === undefined || !(b > a)) return [[a ?? 0, b ?? 0]];
    const at = a + (b - a) * (cuts[i % Math.max(1, cuts.length)] ?? 0.5);
    return [
      [a, at],
      [at, b],
    ];
  });
}

const near = (x: number, y: number) => Math.abs(x - y) < 1e-6;
const sameIntervals = (x: Interval[], y: Interval[]) => x.length === y.length && x.every((iv, i) => near(iv[0], y[i]![0]) && near(iv[1], y[i]![1]));

describe('properties (fast-check)', () => {
  it('coverage never exceeds the duration', () => {
    fc.assert(
      fc.property(fc.array(rawIntervals, { maxLength: 8 }), duration, (heartbeats, d) => {
        let c = addCoverage([], [], d, 0.95);
        for (const intervals of heartbeats) c = addCoverage(c.intervals, normalizeIntervals(intervals), d, 0.95);
        return c.coverageSeconds <= d + 1e-9 && totalSeconds(c.intervals) <= d + 1e-9 && c.coverageRatio <= 1;
      }),
    );
  });

  it('order, duplication and splitting of intervals never change the result', () => {
    fc.assert(
      fc.property(rawIntervals, fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.integer(), (intervals, cuts, seed) => {
        const base = normalizeIntervals(intervals);
        const shuffled = [...intervals].sort(() => ((seed = (seed * 1103515245 + 12345) | 0) & 1 ? 1 : -1));
        const duplicated = [...intervals, ...intervals.slice(0, Math.ceil(intervals.length / 2))];
        return (
          sameIntervals(normalizeIntervals(shuffled), base) &&
          sameIntervals(normalizeIntervals(duplicated), base) &&
          sameIntervals(normalizeIntervals(split(intervals, cuts)), base)
        );
      }),
    );
  });

  it('coverage of heartbeats is the same whatever order and however often they arrive', () => {
    fc.assert(
      fc.property(fc.array(rawIntervals, { maxLength: 6 }), duration, (heartbeats, d) => {
        const fold = (list: number[][][]) => list.reduce((c, iv) => addCoverage(c.intervals, normalizeIntervals(iv), d, 0.95), addCoverage([], [], d, 0.95));
        const a = fold(heartbeats);
        const b = fold([...heartbeats].reverse().concat(heartbeats));
        return near(a.coverageSeconds, b.coverageSeconds) && a.completed === b.completed;
      }),
    );
  });

  it('accepted media seconds of a session never exceed the real-time bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ intervals: rawIntervals, wait: fc.double({ min: 0, max: 60, noNaN: true }), rate: fc.constantFrom(0.5, 1, 1.25, 2) }), { maxLength: 12 }),
        duration,
        fc.constantFrom(1, 1.5, 2),
        (beats, d, maxRate) => {
          let elapsed = 0;
          let accepted = 0;
          const t0 = Date.UTC(2026, 0, 1);
          let stored = { seconds: REAL_TIME_TOLERANCE_SECONDS, at: new Date(t0) };
          for (const beat of beats) {
            elapsed += beat.wait;
            const now = new Date(t0 + elapsed * 1000);
            const allowance = allowanceAt(stored, now, null);
            const decision = evaluateHeartbeat(
              { intervals: beat.intervals, playbackRate: beat.rate, visible: true },
              { durationSeconds: d, allowanceSeconds: allowance, inCatalog: true },
              { maxPlaybackRate: maxRate, completionRatio: 0.95, requireVisible: true },
            );
            stored = { seconds: allowance - wallCost(decision.acceptedSeconds, maxRate), at: now };
            accepted += decision.acceptedSeconds;
            if (accepted > (elapsed + REAL_TIME_TOLERANCE_SECONDS) * maxRate + 1e-3) return false;
            // every accepted interval lies inside the lecture
            if (decision.accepted.some(([a, b]) => a < 0 || b > d + 1e-9 || b <= a)) return false;
          }
          return true;
        },
      ),
    );
  });

  it('accepted and rejected together account for every played second inside the heartbeat', () => {
    fc.assert(
      fc.property(rawIntervals, duration, fc.double({ min: 0, max: 1000, noNaN: true }), (intervals, d, elapsed) => {
        const decision = evaluateHeartbeat({ intervals, playbackRate: 1, visible: true }, session({ durationSeconds: d, allowanceSeconds: elapsed }), rules);
        const played = totalSeconds(normalizeIntervals(intervals));
        const rejected = decision.rejected.reduce((s, r) => s + (r.to - r.from), 0);
        // the sliver between the duration and its epsilon is neither credited nor reported
        return decision.acceptedSeconds + rejected <= played + 0.01 && decision.acceptedSeconds + rejected >= played - 0.5 - 0.01;
      }),
    );
  });
});

describe('presence checks', () => {
  it('plans at least one check in every 50 minutes of content, inside the lecture', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 6 * 3600, noNaN: true }), (d) => {
        const due = planPresenceChecks(d);
        if (due.length !== Math.ceil(d / 3000)) return false;
        return due.every((t, k) => t >= k * 3000 && t <= Math.min(d, (k + 1) * 3000) && t > 0 && t < d);
      }),
    );
  });

  const check = (over: Partial<CheckState> = {}): CheckState => ({ id: 'a', dueAtCoverage: 100, issuedAt: null, expiresAt: null, confirmedAt: null, heldIntervals: [], wrongAnswers: 0, ...over });

  it('holds what new coverage carries past a due moment, however late the heartbeat', () => {
    const now = new Date('2026-05-01T10:00:00Z');
    const state = presenceState([check()], now);
    expect(state.kind).toBe('clear');
    // covered [0, 90]; one heartbeat carries [80, 400]: 10 s more are credited up to the due 100 s
    const split = splitForPresence([[80, 400]], [[0, 90]], state as Exclude<typeof state, { kind: 'expired' }>);
    expect(split.issue).toBe(true);
    expect(split.credited).toEqual([[80, 100]]);
    expect(split.held).toEqual([[100, 400]]);
    // re-watching covered media neither triggers a check nor is held
    expect(splitForPresence([[0, 90]], [[0, 90]], state as Exclude<typeof state, { kind: 'expired' }>).held).toEqual([]);
  });

  it('an issued check holds everything until confirmed, expires, and a later one supersedes it', () => {
    const now = new Date('2026-05-01T10:00:00Z');
    const issued = check({ issuedAt: now, expiresAt: new Date(now.getTime() + 90_000) });
    const open = presenceState([issued], new Date(now.getTime() + 30_000));
    expect(open.kind).toBe('open');
    expect(splitForPresence([[200, 215]], [[0, 100]], open as Exclude<typeof open, { kind: 'expired' }>)).toMatchObject({ credited: [], held: [[200, 215]] });
    expect(presenceState([issued], new Date(now.getTime() + 90_000)).kind).toBe('expired');
    expect(presenceState([{ ...issued, confirmedAt: now }], new Date(now.getTime() + 999_000)).kind).toBe('clear');
    const reissued = check({ id: 'b', issuedAt: new Date(now.getTime() + 95_000), expiresAt: new Date(now.getTime() + 185_000) });
    expect(openCheck([issued, reissued])?.id).toBe('b');
  });

  it('judges a typed code: wrong, right (full-width digits forgiven), expired, superseded, too many', () => {
    const now = new Date('2026-05-01T10:00:00Z');
    const issued = check({ issuedAt: now, expiresAt: new Date(now.getTime() + 90_000) });
    const soon = new Date(now.getTime() + 10_000);
    expect(judgeConfirmation([issued], issued, '1111', '4827', soon)).toEqual({ kind: 'wrong_code', wrongAnswers: 1 });
    expect(judgeConfirmation([issued], issued, ' ４８２７ ', '4827', soon).kind).toBe('confirmed');
    expect(judgeConfirmation([issued], issued, '4827', '4827', new Date(now.getTime() + 90_000)).kind).toBe('expired');
    expect(judgeConfirmation([issued], { ...issued, wrongAnswers: 5 }, '4827', '4827', soon).kind).toBe('too_many_wrong');
    const later = check({ id: 'b', issuedAt: soon, expiresAt: new Date(soon.getTime() + 90_000) });
    expect(judgeConfirmation([issued, later], issued, '4827', '4827', soon).kind).toBe('superseded');
    expect(normalizeCode('１２ 34')).toBe('1234');
  });

  it('property: credited and held are disjoint, together what was accepted, and credit never passes the due moment', () => {
    fc.assert(
      fc.property(rawIntervals, rawIntervals, fc.double({ min: 0, max: 600, noNaN: true }), (a, c, due) => {
        const accepted = normalizeIntervals(a).map(([x, y]) => [Math.max(0, x), Math.min(600, y)] as Interval).filter(([x, y]) => y > x);
        const coverage = normalizeIntervals(c).map(([x, y]) => [Math.max(0, x), Math.min(600, y)] as Interval).filter(([x, y]) => y > x);
        const split = splitForPresence(accepted, coverage, { kind: 'clear', nextDue: check({ dueAtCoverage: due }) });
        const both = unionIntervals(split.credited, split.held);
        if (Math.abs(totalSeconds(both) - totalSeconds(accepted)) > 1e-3) return false;
        if (totalSeconds(split.credited) + totalSeconds(split.held) > totalSeconds(accepted) + 1e-3) return false;
        const after = totalSeconds(unionIntervals(coverage, split.credited));
        return after <= Math.max(due, totalSeconds(coverage)) + 1e-3;
      }),
    );
  });
});

describe('one allowance per lawyer', () => {
  it('property: however many sessions are opened, accepted media never exceeds the wall time they were open × rate + one tolerance', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ openFor: fc.double({ min: 0, max: 900, noNaN: true }), claim: fc.double({ min: 0, max: 2000, noNaN: true }), late: fc.double({ min: 0, max: 2000, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom(1, 1.5, 2),
        (sessions, rate) => {
          const t0 = Date.UTC(2026, 0, 1);
          let clock = 0;
          let accepted = 0;
          let previous: { stored: { seconds: number; at: Date }; closedAt: Date } | null = null;
          const closed: { stored: { seconds: number; at: Date }; closedAt: Date }[] = [];
          for (const s of sessions) {
            const openedAt = new Date(t0 + clock * 1000);
            const available = previous ? allowanceAt(previous.stored, openedAt, previous.closedAt) : null;
            const carried = carriedInto(available);
            if (previous) previous.stored = { seconds: available! - carried, at: previous.closedAt };
            // the claim arrives right when it is sent: at the session's end
            clock += s.openFor;
            const closedAt = new Date(t0 + clock * 1000);
            const allowance = allowanceAt({ seconds: carried, at: openedAt }, closedAt, null);
            const take = Math.min(s.claim, allowance * rate);
            accepted += take;
            const current = { stored: { seconds: allowance - take / rate, at: closedAt }, closedAt };
            // and a late heartbeat of an earlier, closed session tries to spend what it has left
            const old = closed[closed.length - 1];
            if (old) {
              const left = allowanceAt(old.stored, closedAt, old.closedAt);
              const lateTake = Math.min(s.late, left * rate);
              accepted += lateTake;
              old.stored = { seconds: left - lateTake / rate, at: old.closedAt };
            }
            if (previous) closed.push(previous);
            previous = current;
            if (accepted > (clock + REAL_TIME_TOLERANCE_SECONDS) * rate + 1e-3) return false;
          }
          return true;
        },
      ),
    );
  });

  it('an idle session banks at most the cap', () => {
    const at = new Date('2026-05-01T10:00:00Z');
    expect(allowanceAt({ seconds: 5, at }, new Date(at.getTime() + 5 * 3600_000), null)).toBe(ALLOWANCE_CAP_SECONDS);
    expect(allowanceAt({ seconds: 5, at }, new Date(at.getTime() + 3600_000), new Date(at.getTime() + 60_000))).toBe(65);
  });
});

describe('compact coverage', () => {
  it('property: never more than the cap of fragments, never anything that was not in the input', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 0.01, noNaN: true })), { maxLength: 600 }), (raw) => {
        const input = normalizeIntervals(raw.map(([a, l]) => [a, a + l]));
        const compact = compactIntervals(input, 50);
        if (compact.length > 50) return false;
        // whatever a merge adds is a gap of at most a millisecond per fragment
        const added = totalSeconds(subtractIntervals(compact, input));
        return added <= 0.001 * input.length + 1e-6;
      }),
    );
    expect(MAX_COVERAGE_FRAGMENTS).toBe(200);
  });

  it('subtracts intervals', () => {
    expect(subtractIntervals([[0, 10], [20, 30]], [[5, 25]])).toEqual([[0, 5], [25, 30]]);
    expect(subtractIntervals([[0, 10]], [])).toEqual([[0, 10]]);
    expect(subtractIntervals([[0, 10]], [[0, 10]])).toEqual([]);
  });
});
