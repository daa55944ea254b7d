/**
 * The demo's training year, simulated (pure apart from the certificate codes it is handed): which
 * lectures each lawyer watched, in which playback sessions, and every heartbeat of them. Each
 * heartbeat is judged by the real credit rules (server/playback/credit.ts, the same steps as
 * PlaybackService's judge), so coverage, completion, credit, course completions and the answers
 * stored with the evidence are exactly what the server would have recorded had the lawyer
 * really watched: the seed writes evidence, not totals.
 */
import { lectureCreditMinutes } from '../catalog/credit-minutes.ts';
import { addCoverage, evaluateHeartbeat, REAL_TIME_TOLERANCE_SECONDS, type CourseRules, type Interval, type Rejection } from '../playback/credit.ts';
import type { HeartbeatAnswer } from '../playback/service.ts';
import { Random } from './random.ts';

/** The player's heartbeat period (server/playback/service.ts HEARTBEAT_SECONDS). */
const HEARTBEAT_SECONDS = 15;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3600_000;

export interface SimLecture {
  key: string;
  course: string;
  durationSeconds: number;
  creditMinutesOverride: number | null;
}

export interface SimCourse {
  key: string;
  /** lecture keys in position order */
  lectures: string[];
  rules: CourseRules;
}

/** Watching a lecture from where the player resumes up to `share` of it (1: to the end). */
export interface View {
  lecture: string;
  share: number;
  /** watch the lecture in two sessions, stopping at this share of it the first time */
  splitAt?: number;
}

export interface Learner {
  key: string;
  views: View[];
  /** the window the sessions must fit in (epoch ms) */
  from: number;
  to: number;
  officeIp: string;
  homeIp: string;
  desktopAgent: string;
  phoneAgent: string;
}

export interface SimHeartbeat {
  seq: number;
  receivedAt: number;
  payload: { seq: number; intervals: Interval[]; playbackRate: number; visible: boolean; position: number };
  accepted: Interval[];
  rejected: Rejection[];
  response: HeartbeatAnswer;
}

export interface SimSession {
  learner: string;
  lecture: string;
  openedAt: number;
  closedAt: number | null;
  closedReason: 'replaced' | null;
  ip: string;
  userAgent: string;
  acceptedSeconds: number;
  lastPosition: number;
  /** as playback_sessions.version: one per heartbeat written, one for the close */
  version: number;
  heartbeats: SimHeartbeat[];
}

export interface SimProgress {
  learner: string;
  lecture: string;
  intervals: Interval[];
  coveredSeconds: number;
  lastPosition: number;
  completedAt: number | null;
  creditMinutes: number;
  updatedAt: number;
}

export interface SimCompletion {
  learner: string;
  course: string;
  completedAt: number;
  creditMinutes: number;
  certificateCode: string;
}

export interface SimResult {
  sessions: SimSession[];
  progress: SimProgress[];
  completions: SimCompletion[];
}

const ms3 = (x: number) => Math.round(x * 1000) / 1000;

interface Segment {
  lecture: string;
  from: number;
  to: number;
}

/** The media each session of the learner plays, in order: a split view is two sessions, the second resuming where the first stopped. */
function segmentsOf(views: readonly View[], lectures: ReadonlyMap<string, SimLecture>): Segment[] {
  const reached = new Map<string, number>();
  const out: Segment[] = [];
  for (const view of views) {
    const lecture = lectures.get(view.lecture)!;
    const duration = lecture.durationSeconds;
    const from = reached.get(view.lecture) ?? 0;
    const to = ms3(Math.min(duration, view.share >= 1 ? duration : duration * view.share));
    if (to <= from + 1) continue;
    if (view.splitAt !== undefined) {
      const split = ms3(from + (to - from) * view.splitAt);
      out.push({ lecture: view.lecture, from, to: split }, { lecture: view.lecture, from: split, to });
    } else {
      out.push({ lecture: view.lecture, from, to });
    }
    reached.set(view.lecture, to);
  }
  return out;
}

type Slot = 'evening' | 'lunch' | 'office';

/**
 * Start times for sessions of the given wall lengths inside [from, to]: spread over the window,
 * moved to an evening, a lunch break or office hours (China time), one after another with a pause
 * in between. Sessions that no longer fit before `to` are dropped (a demo seeded early in the year
 * shows less progress, as a real one would).
 */
function schedule(rng: Random, lengths: readonly number[], from: number, to: number): { start: number; slot: Slot }[] {
  if (lengths.length === 0 || to - from < MINUTE_MS * 30) return [];
  const picks = lengths.map(() => {
    const t = from + rng.next() * (to - from);
    const slot = rng.weighted<Slot>([['evening', 55], ['lunch', 20], ['office', 25]]);
    const dayStart = Math.floor((t + SHANGHAI_MS) / DAY_MS) * DAY_MS - SHANGHAI_MS;
    const [h0, h1] = slot === 'evening' ? [19, 22.5] : slot === 'lunch' ? [12, 13.5] : [9, 17];
    const snapped = dayStart + (h0 + rng.next() * (h1 - h0)) * 3600_000;
    return snapped >= from && snapped <= to ? { start: Math.round(snapped), slot } : { start: Math.round(t), slot: 'evening' as Slot };
  });
  picks.sort((a, b) => a.start - b.start);
  const out: { start: number; slot: Slot }[] = [];
  let free = from;
  for (let i = 0; i < lengths.length; i++) {
    const pick = picks[i]!;
    const start = Math.max(pick.start, free);
    if (start + lengths[i]! > to) break;
    out.push({ start, slot: pick.slot });
    free = start + lengths[i]! + rng.int(3, 40) * MINUTE_MS;
  }
  return out;
}

interface LectureState {
  intervals: Interval[];
  coveredSeconds: number;
  lastPosition: number;
  completedAt: number | null;
  creditMinutes: number;
  updatedAt: number;
}

/**
 * One learner's year. `newCode` makes a certificate's verification code (the CSPRNG in the seed:
 * codes are what anyone may check a certificate with, so they are never predictable).
 */
export function simulateLearner(
  seed: number,
  learner: Learner,
  lectures: ReadonlyMap<string, SimLecture>,
  courses: ReadonlyMap<string, SimCourse>,
  newCode: () => string,
): SimResult {
  const rng = Random.derive(seed, 'sessions', learner.key);
  const segments = segmentsOf(learner.views, lectures);
  const startups = segments.map(() => rng.int(1500, 6000));
  const lengths = segments.map((s, i) => Math.ceil((s.to - s.from) * 1000 + startups[i]! + 3000));
  const slots = schedule(rng, lengths, learner.from, learner.to);

  const state = new Map<string, LectureState>();
  const completions: SimCompletion[] = [];
  const sessions: SimSession[] = [];

  slots.forEach(({ start, slot }, i) => {
    const segment = segments[i]!;
    const lecture = lectures.get(segment.lecture)!;
    const course = courses.get(lecture.course)!;
    const duration = lecture.durationSeconds;
    const onPhone = slot !== 'office' && rng.chance(0.6);
    const session: SimSession = {
      learner: learner.key,
      lecture: lecture.key,
      openedAt: start,
      closedAt: null,
      closedReason: null,
      ip: slot === 'office' ? learner.officeIp : learner.homeIp,
      userAgent: onPhone ? learner.phoneAgent : learner.desktopAgent,
      acceptedSeconds: 0,
      lastPosition: 0,
      version: 0,
      heartbeats: [],
    };
    const previous = sessions[sessions.length - 1];
    if (previous) {
      // opening a session closes the learner's other open one, at that moment
      previous.closedAt = start;
      previous.closedReason = 'replaced';
      previous.version += 1;
    }
    sessions.push(session);
    const progress = state.get(lecture.key) ?? { intervals: [], coveredSeconds: 0, lastPosition: 0, completedAt: null, creditMinutes: 0, updatedAt: start };
    state.set(lecture.key, progress);

    // media boundaries every ~15 s of playing (the player's timer drifts a little), the last at the stop
    const boundaries = [segment.from];
    for (let p = segment.from + HEARTBEAT_SECONDS; p < segment.to - 1; p += HEARTBEAT_SECONDS) boundaries.push(ms3(p + rng.between(-0.4, 0.4)));
    boundaries.push(segment.to);
    const hidden = boundaries.length > 4 && rng.chance(0.07) ? rng.int(1, boundaries.length - 3) : -1;
    const playStart = start + startups[i]!;

    for (let seq = 0; seq < boundaries.length - 1; seq++) {
      const [a, b] = [boundaries[seq]!, boundaries[seq + 1]!];
      const receivedAt = Math.round(playStart + (b - segment.from) * 1000 + rng.int(80, 1200));
      const payload = { seq, intervals: [[a, b]] as Interval[], playbackRate: 1, visible: seq !== hidden, position: b };
      const decision = evaluateHeartbeat(
        payload,
        // the same allowance a live session has: the tolerance plus the time it has been open, less what it spent
        { durationSeconds: duration, allowanceSeconds: REAL_TIME_TOLERANCE_SECONDS + (receivedAt - session.openedAt) / 1000 - session.acceptedSeconds / course.rules.maxPlaybackRate, inCatalog: true },
        course.rules,
      );
      const coverage = addCoverage(progress.intervals, decision.accepted, duration, course.rules.completionRatio);
      const newlyCompleted = coverage.completed && progress.completedAt === null;
      const lectureCredit = lectureCreditMinutes({ creditMinutesOverride: lecture.creditMinutesOverride, durationSeconds: duration });
      const response: HeartbeatAnswer = {
        acceptedSeconds: decision.acceptedSeconds,
        rejected: decision.rejected,
        coverageSeconds: coverage.coverageSeconds,
        coverageRatio: coverage.coverageRatio,
        completed: progress.completedAt !== null || coverage.completed,
        creditMinutes: newlyCompleted ? lectureCredit : progress.completedAt !== null ? progress.creditMinutes : 0,
      };
      if (newlyCompleted) {
        // the lecture that completes the course completes it once, with its certificate
        const done = course.lectures.filter((key) => key !== lecture.key && state.get(key)?.completedAt != null);
        if (done.length + 1 >= course.lectures.length) {
          const creditMinutes = done.reduce((sum, key) => sum + state.get(key)!.creditMinutes, 0) + lectureCredit;
          const certificateCode = newCode();
          completions.push({ learner: learner.key, course: course.key, completedAt: receivedAt, creditMinutes, certificateCode });
          response.certificateCode = certificateCode;
        }
        progress.completedAt = receivedAt;
        progress.creditMinutes = lectureCredit;
      }
      const position = Math.min(Math.max(0, b), duration);
      progress.intervals = coverage.intervals;
      progress.coveredSeconds = coverage.coverageSeconds;
      progress.lastPosition = position;
      progress.updatedAt = receivedAt;
      session.acceptedSeconds = ms3(session.acceptedSeconds + decision.acceptedSeconds);
      session.lastPosition = position;
      session.version += 1;
      session.heartbeats.push({ seq, receivedAt, payload, accepted: decision.accepted, rejected: decision.rejected, response });
    }
  });

  const progress = [...state].map(([lecture, s]) => ({ learner: learner.key, lecture, ...s }));
  return { sessions, progress, completions };
}

export type Engagement = 'none' | 'light' | 'medium' | 'full';

/**
 * What a lawyer of this engagement watches this year, in order: required courses first for
 * the keen, whole courses one after another, and now and then a lecture left half-watched.
 */
export function planViews(rng: Random, engagement: Engagement, courses: readonly { key: string; lectures: string[]; required: boolean }[]): View[] {
  if (engagement === 'none') return [];
  const required = rng.shuffle(courses.filter((c) => c.required));
  const electives = rng.shuffle(courses.filter((c) => !c.required));
  const requiredFirst = engagement === 'full' || rng.chance(0.6);
  const order = requiredFirst ? [...required, ...electives] : rng.shuffle([...required, ...electives]);
  const sequence = order.flatMap((c) => c.lectures);
  const requiredLectures = required.reduce((n, c) => n + c.lectures.length, 0);
  const complete =
    engagement === 'light' ? rng.int(1, 2) : engagement === 'medium' ? rng.int(3, 5) : requiredLectures + (rng.chance(0.3) ? 5 : 4);
  const views: View[] = sequence.slice(0, complete).map((lecture) => (rng.chance(0.22) ? { lecture, share: 1, splitAt: rng.between(0.2, 0.8) } : { lecture, share: 1 }));
  const next = sequence[complete];
  if (next && rng.chance(engagement === 'full' ? 0.25 : 0.4)) views.push({ lecture: next, share: rng.between(0.1, 0.8) });
  return views;
}
