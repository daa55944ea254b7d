/**
 * Pure: one lawyer's progress in a training class (docs/programme.md, "Training classes"). Done =
 * every course of the class completed before the deadline (the day after the close date, Beijing)
 * and every in-person session of it attended (not removed). No I/O: tests/unit/class-progress.test.ts.
 */
import type { ClassFacts, ClassItems, LawyerFacts } from './repository.ts';

export interface LawyerProgress {
  coursesDone: number;
  sessionsAttended: number;
  /** courses + sessions of the class */
  total: number;
  done: number;
  /** minutes of the class's items this lawyer was credited (course completions + attendances) */
  minutes: number;
  started: boolean;
  completed: boolean;
  /** when the last item was done (a session: its date, 00:00 Beijing) — null until complete */
  completedAt: Date | null;
  doneCourseIds: string[];
  attendedSessionIds: string[];
}

/** The first instant after the close date, Beijing time: completions before it count. */
export function deadlineOf(closesOn: string): Date {
  const d = new Date(`${closesOn}T00:00:00+08:00`);
  return new Date(d.getTime() + 24 * 3600 * 1000);
}

/** 'upcoming' before the open date, 'open' through the close date, 'closed' after (Beijing dates). */
export function classPhase(opensOn: string, closesOn: string, now: Date): 'upcoming' | 'open' | 'closed' {
  const today = new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  if (today < opensOn) return 'upcoming';
  return today > closesOn ? 'closed' : 'open';
}

export function progressOf(userId: string, items: Pick<ClassItems, 'courses' | 'sessions'>, facts: ClassFacts): LawyerProgress {
  const courseIds = new Set(items.courses.map((c) => c.id));
  const sessionIds = new Set(items.sessions.map((s) => s.id));
  const completions = facts.completions.filter((c) => c.userId === userId && courseIds.has(c.courseId));
  const attendances = facts.attendances.filter((a) => a.userId === userId && sessionIds.has(a.sessionId));
  const doneCourseIds = [...new Set(completions.map((c) => c.courseId))];
  const attendedSessionIds = [...new Set(attendances.map((a) => a.sessionId))];
  const total = courseIds.size + sessionIds.size;
  const done = doneCourseIds.length + attendedSessionIds.length;
  const minutes = completions.reduce((s, c) => s + c.creditMinutes, 0) + attendances.reduce((s, a) => s + a.minutes, 0);
  const completed = total > 0 && done === total;
  const times = [...completions.map((c) => c.completedAt.getTime()), ...attendances.map((a) => new Date(`${a.heldOn}T00:00:00+08:00`).getTime())];
  return {
    coursesDone: doneCourseIds.length,
    sessionsAttended: attendedSessionIds.length,
    total,
    done,
    minutes,
    started: done > 0 || facts.watched.has(userId),
    completed,
    completedAt: completed && times.length ? new Date(Math.max(...times)) : null,
    doneCourseIds,
    attendedSessionIds,
  };
}

/** One lawyer's facts as one class reads them: completions before its deadline, watching of its courses. */
export function factsOfClass(facts: LawyerFacts, items: Pick<ClassItems, 'courses'>, deadline: Date): ClassFacts {
  const watched = items.courses.some((c) => facts.watchedCourseIds.has(c.id));
  return {
    completions: facts.completions.filter((c) => c.completedAt.getTime() < deadline.getTime()),
    attendances: facts.attendances,
    watched: new Set(watched ? [facts.userId] : []),
  };
}
