/** The pure rules of a lawyer's progress in a training class (server/classes/progress.ts). */
import { describe, expect, test } from 'vitest';
import { classPhase, deadlineOf, factsOfClass, progressOf } from '../../server/classes/progress.ts';

const items = { courses: [{ id: 'c1', title: 'A' }, { id: 'c2', title: 'B' }], sessions: [{ id: 's1', title: 'S', heldOn: '2027-06-12', minutes: 270 }] };
const none = { completions: [], attendances: [], watched: new Set<string>() };

describe('class progress', () => {
  test('the deadline is the first instant after the close date, Beijing', () => {
    expect(deadlineOf('2027-12-31').toISOString()).toBe('2027-12-31T16:00:00.000Z');
  });

  test('phase by the Beijing date', () => {
    expect(classPhase('2027-06-01', '2027-12-31', new Date('2027-05-31T15:59:59Z'))).toBe('upcoming');
    expect(classPhase('2027-06-01', '2027-12-31', new Date('2027-05-31T16:00:00Z'))).toBe('open');
    expect(classPhase('2027-06-01', '2027-12-31', new Date('2027-12-31T15:59:59Z'))).toBe('open');
    expect(classPhase('2027-06-01', '2027-12-31', new Date('2027-12-31T16:00:00Z'))).toBe('closed');
  });

  test('nothing done: not started, unless a class course was watched', () => {
    expect(progressOf('u', items, none)).toMatchObject({ done: 0, total: 3, started: false, completed: false, completedAt: null });
    expect(progressOf('u', items, { ...none, watched: new Set(['u']) })).toMatchObject({ started: true, completed: false });
  });

  test('every course and session done: completed at the last of them; other lawyers’ facts ignored', () => {
    const facts = {
      completions: [
        { userId: 'u', courseId: 'c1', completedAt: new Date('2027-07-01T00:00:00Z'), creditMinutes: 45 },
        { userId: 'u', courseId: 'c2', completedAt: new Date('2027-08-01T00:00:00Z'), creditMinutes: 90 },
        { userId: 'v', courseId: 'c1', completedAt: new Date('2027-07-01T00:00:00Z'), creditMinutes: 45 },
      ],
      attendances: [{ userId: 'u', sessionId: 's1', minutes: 270, heldOn: '2027-06-12' }],
      watched: new Set<string>(),
    };
    expect(progressOf('u', items, facts)).toMatchObject({ done: 3, total: 3, minutes: 405, completed: true, completedAt: new Date('2027-08-01T00:00:00Z') });
    expect(progressOf('v', items, facts)).toMatchObject({ done: 1, completed: false, started: true });
  });

  test('a class without items never completes', () => {
    expect(progressOf('u', { courses: [], sessions: [] }, none)).toMatchObject({ total: 0, completed: false });
  });

  test("one lawyer's facts over several classes, as one class reads them: its deadline, its courses' watching", () => {
    const lawyer = {
      userId: 'u',
      completions: [
        { userId: 'u', courseId: 'c1', completedAt: new Date('2027-12-31T15:59:59Z'), creditMinutes: 45 },
        { userId: 'u', courseId: 'c2', completedAt: new Date('2027-12-31T16:00:00Z'), creditMinutes: 90 },
      ],
      attendances: [{ userId: 'u', sessionId: 's1', minutes: 270, heldOn: '2027-06-12' }],
      watchedCourseIds: new Set(['c9']),
    };
    const facts = factsOfClass(lawyer, items, deadlineOf('2027-12-31'));
    // c2 was completed at the deadline's first instant: late for this class
    expect(facts.completions.map((c) => c.courseId)).toEqual(['c1']);
    expect(progressOf('u', items, facts)).toMatchObject({ done: 2, total: 3, completed: false, started: true });
    // watching a course of another class does not start this one
    expect(factsOfClass({ ...lawyer, completions: [], attendances: [] }, items, deadlineOf('2027-12-31')).watched.size).toBe(0);
    expect(factsOfClass({ ...lawyer, completions: [], attendances: [], watchedCourseIds: new Set(['c2']) }, items, deadlineOf('2027-12-31')).watched).toEqual(new Set(['u']));
  });
});
