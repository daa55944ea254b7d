/**
 * Course completion re-evaluated when a course changes under its learners (docs/credit.md,
 * "Nothing honest lost"): a course is complete when every lecture that can be watched is, so when
 * a lecture fails for good (or is removed), lawyers who had completed all the others complete the
 * course then, with its certificate. Called in the transaction that changes the lecture.
 */
import type { DbOrTx } from '../db/client.ts';
import { txRunner } from '../db/runner.ts';
import { CertificatesRepository } from '../certificates/repository.ts';
import { CertificatesService } from '../certificates/service.ts';
import { PlaybackRepository } from './repository.ts';
import type { PlaybackStore } from './store.ts';

/** Completes the course of `lectureId` for everyone now done with it; returns how many. */
export async function completeCoursesAfterLectureChange(tx: DbOrTx, lectureId: string, at: Date = new Date()): Promise<number> {
  const repo = new PlaybackRepository(txRunner(tx));
  const pending = await repo.pendingCourseCompletions(lectureId);
  let completed = 0;
  for (const p of pending) {
    // dated when the lawyer finished the last lecture, not when the other one failed
    const when = p.lastCompletedAt < at ? p.lastCompletedAt : at;
    if (await recordCourseCompletion(repo, p.userId, p.courseId, p.creditMinutes, when)) completed++;
  }
  return completed;
}

/**
 * The one way a course completion is recorded: the completion row once (unique per lawyer and
 * course) and its certificate in the same transaction. Returns the certificate's code, or null
 * when the course was already complete. Used by heartbeats, presence confirmations and the
 * re-evaluation above.
 */
export async function recordCourseCompletion(repo: PlaybackStore, userId: string, courseId: string, creditMinutes: number, at: Date): Promise<string | null> {
  if (!(await repo.insertCourseCompletion(userId, courseId, at, creditMinutes))) return null;
  const certificate = await new CertificatesService(new CertificatesRepository(repo.runner)).issue(userId, courseId, creditMinutes, at);
  return certificate.code;
}
