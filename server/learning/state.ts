/**
 * Pure: a lawyer's own state as the catalog shows it (docs/web.md, "Learner state"). Coverage
 * shares are rounded to 4 digits and never above 1; the resume point follows the player's rule
 * (the session's `resumeAt`): from the start when the last position is near the end.
 */
import { RESUME_RESTART_SECONDS } from '../playback/service.ts';
import type { CourseProgressRow, LectureProgressRow, ResumeRow } from './repository.ts';
import type { CourseProgress, LectureProgress, Resume } from './schemas.ts';

export type { CourseProgress, LectureProgress, Resume };

export function ratio(covered: number, duration: number): number {
  if (!(duration > 0) || !(covered > 0)) return 0;
  return Math.min(1, Math.round((covered / duration) * 10_000) / 10_000);
}

/** The session's rule (server/playback/service.ts): near the end, start again from 0. */
export function resumeAt(lastPosition: number, durationSeconds: number): number {
  if (!(lastPosition > 0)) return 0;
  return lastPosition >= durationSeconds - RESUME_RESTART_SECONDS ? 0 : lastPosition;
}

export function courseProgress(row: CourseProgressRow | undefined): CourseProgress {
  if (!row) return { lectureCount: 0, completedLectures: 0, coveredSeconds: 0, durationSeconds: 0, coverageRatio: 0, creditMinutes: 0, completed: false, lastWatchedAt: null };
  return {
    lectureCount: row.lectureCount,
    completedLectures: row.completedLectures,
    coveredSeconds: Math.round(row.coveredSeconds * 10) / 10,
    durationSeconds: row.durationSeconds,
    // the share really covered: a course completes at each lecture's completionRatio, so a
    // completed course may show 95 %; `completed` is the mark
    coverageRatio: ratio(row.coveredSeconds, row.durationSeconds),
    creditMinutes: row.creditMinutes,
    completed: row.completed,
    lastWatchedAt: row.lastWatchedAt ? row.lastWatchedAt.toISOString() : null,
  };
}

export function lectureProgress(row: LectureProgressRow | undefined, durationSeconds: number | null): LectureProgress {
  if (!row) return { coveredSeconds: 0, coverageRatio: 0, lastPosition: 0, completed: false, creditMinutes: 0 };
  const covered = Math.min(row.coveredSeconds, durationSeconds ?? row.coveredSeconds);
  return {
    coveredSeconds: Math.round(covered * 10) / 10,
    coverageRatio: ratio(covered, durationSeconds ?? 0),
    lastPosition: row.lastPosition,
    completed: row.completed,
    creditMinutes: row.creditMinutes,
  };
}

export function resumeView(row: ResumeRow | null): Resume | null {
  if (!row) return null;
  return {
    courseId: row.courseId,
    courseTitle: row.courseTitle,
    lectureId: row.lectureId,
    lectureTitle: row.lectureTitle,
    lecturePosition: row.position,
    resumeAt: resumeAt(row.lastPosition, row.durationSeconds),
    durationSeconds: row.durationSeconds,
    coverageRatio: ratio(Math.min(row.coveredSeconds, row.durationSeconds), row.durationSeconds),
    watchedAt: row.watchedAt.toISOString(),
  };
}
