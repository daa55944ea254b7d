/** TypeBox shapes of the learner's state, added to the catalog's answers and GET /api/me/progress. */
import { Type, type Static } from 'typebox';

export const CourseProgressSchema = Type.Object(
  {
    lectureCount: Type.Integer({ description: 'lectures that count toward completion (not failed)' }),
    completedLectures: Type.Integer(),
    coveredSeconds: Type.Number({ description: 'covered media time of the ready lectures' }),
    durationSeconds: Type.Number(),
    coverageRatio: Type.Number({ minimum: 0, maximum: 1, description: 'coveredSeconds / durationSeconds' }),
    creditMinutes: Type.Integer({ description: 'minutes credited for this course’s lectures' }),
    completed: Type.Boolean(),
    lastWatchedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'the caller’s own progress on the course' },
);

export const LectureProgressSchema = Type.Object(
  {
    coveredSeconds: Type.Number(),
    coverageRatio: Type.Number({ minimum: 0, maximum: 1 }),
    lastPosition: Type.Number(),
    completed: Type.Boolean(),
    creditMinutes: Type.Integer(),
  },
  { description: 'the caller’s own progress on the lecture' },
);

export const ResumeSchema = Type.Object(
  {
    courseId: Type.String(),
    courseTitle: Type.String(),
    lectureId: Type.String(),
    lectureTitle: Type.String(),
    lecturePosition: Type.Integer(),
    resumeAt: Type.Number({ description: 'seconds; where the playback session will resume' }),
    durationSeconds: Type.Number(),
    coverageRatio: Type.Number(),
    watchedAt: Type.String(),
  },
  { description: 'continue learning: the most recently watched unfinished lecture (published, ready)' },
);

/** GET /api/me/progress */
export const MyProgressSchema = Type.Object({ resume: Type.Union([ResumeSchema, Type.Null()]) });

export const Organizer = Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()], { description: 'the organizing association (the course’s owner)' });
export const Trainer = Type.Union([Type.String(), Type.Null()], { description: 'the trainer who made the course' });
export const Required = Type.Boolean({ description: 'a required (必修) course of a plan that covers me this training year' });

/** The shapes above as types: the one source for the server, the web app (lib/api/learning.ts) and the tests. */
export type CourseProgress = Static<typeof CourseProgressSchema>;
export type LectureProgress = Static<typeof LectureProgressSchema>;
export type Resume = Static<typeof ResumeSchema>;
export type MyProgress = Static<typeof MyProgressSchema>;
