import { describe, expect, it } from 'vitest';
import { courseProgress, lectureProgress, ratio, resumeAt, resumeView } from '../../server/learning/state.ts';

describe('learner state (server/learning/state.ts)', () => {
  it('shares are never above 1 and 0 for an unknown duration', () => {
    expect(ratio(30, 600)).toBe(0.05);
    expect(ratio(700, 600)).toBe(1);
    expect(ratio(10, 0)).toBe(0);
    expect(ratio(0, 600)).toBe(0);
  });

  it('resumes where the lawyer stopped, from the start near the end (the session’s rule)', () => {
    expect(resumeAt(120, 600)).toBe(120);
    expect(resumeAt(591, 600)).toBe(0);
    expect(resumeAt(0, 600)).toBe(0);
  });

  it('an unwatched course or lecture has zeros, not nulls', () => {
    expect(courseProgress(undefined)).toEqual({ lectureCount: 0, completedLectures: 0, coveredSeconds: 0, durationSeconds: 0, coverageRatio: 0, creditMinutes: 0, completed: false, lastWatchedAt: null });
    expect(lectureProgress(undefined, 600)).toEqual({ coveredSeconds: 0, coverageRatio: 0, lastPosition: 0, completed: false, creditMinutes: 0 });
    expect(resumeView(null)).toBeNull();
  });

  it('a lecture’s coverage is capped at its duration', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    expect(lectureProgress({ lectureId: 'l', coveredSeconds: 610, lastPosition: 600, completed: true, creditMinutes: 10, updatedAt: at }, 600)).toEqual({ coveredSeconds: 600, coverageRatio: 1, lastPosition: 600, completed: true, creditMinutes: 10 });
    expect(resumeView({ lectureId: 'l', lectureTitle: 'L', position: 2, durationSeconds: 600, lastPosition: 300, coveredSeconds: 150, courseId: 'c', courseTitle: 'C', watchedAt: at })).toEqual({
      courseId: 'c',
      courseTitle: 'C',
      lectureId: 'l',
      lectureTitle: 'L',
      lecturePosition: 2,
      resumeAt: 300,
      durationSeconds: 600,
      coverageRatio: 0.25,
      watchedAt: '2026-12-01T00:00:00.000Z',
    });
  });
});
