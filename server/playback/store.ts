/**
 * What the playback service needs from its storage: the one store interface (issue 9, item 7).
 * PlaybackRepository (repository.ts) implements it over a SqlRunner, on PostgreSQL and on PGlite;
 * tests/integration/playback-store.test.ts is its conformance suite, the same cases on both.
 *
 * Every method runs in the store's transaction when called on the store `transaction` hands to its
 * work, and alone (autocommit) otherwise. Clocks: every date a method returns that judging uses
 * comes from the database (`dbNow`, `lockUser`, `databaseNow`), never from the API process.
 */
import type { SqlRunner } from '../db/runner.ts';
import type { Interval } from './credit.ts';
import type { GuardedHeartbeat } from './heartbeat-write.ts';
import type { LockedSession, SessionRow, StoredCheck } from './repository.ts';

export interface PlaybackStore {
  /** the runner of this store (its transaction's, inside one): for repositories that must join it (certificates) */
  readonly runner: SqlRunner;
  /** Runs `work` in one READ COMMITTED transaction with a store bound to it. */
  transaction<T>(work: (store: PlaybackStore) => Promise<T>): Promise<T>;

  // sessions
  /** Locks the user row (serialises session opening) and returns the database clock read after the lock. */
  lockUser(userId: string): Promise<Date>;
  /** Closes the user's open sessions at `at`; returns their ids. */
  closeOpenSessions(userId: string, at: Date, reason: string): Promise<string[]>;
  insertSession(values: { userId: string; lectureId: string; openedAt: Date; ip: string | null; userAgent: string | null; carriedInSeconds: number; preview: boolean }): Promise<SessionRow>;
  /** Creates the progress row if missing; its resume position and coverage. */
  ensureProgress(userId: string, lectureId: string): Promise<{ lastPosition: number; coveredSeconds: number }>;
  findSession(sessionId: string): Promise<SessionRow | null>;
  /** The user's latest session, locked (its unused allowance is carried into the next). */
  latestSessionOf(userId: string): Promise<SessionRow | null>;
  takeAllowance(sessionId: string, remainingSeconds: number, asOf: Date): Promise<void>;
  closeIdleSession(sessionId: string, at: Date): Promise<void>;
  databaseNow(): Promise<Date>;

  // heartbeats
  /** The answer stored for (session, seq), if that heartbeat was recorded. */
  storedAnswer(sessionId: string, seq: number): Promise<unknown | null>;
  /** Session, rules, progress and the stored answer for `seq`; with `lock`, session and progress locked FOR UPDATE. */
  sessionForHeartbeat(sessionId: string, seq: number, lock: boolean): Promise<LockedSession | null>;
  /** The same read, found only for a live login (token hash) of the session's owner. */
  sessionForHeartbeatByToken(tokenHash: string, sessionId: string, seq: number): Promise<LockedSession | null>;
  lockSessionAndProgress(sessionId: string): Promise<LockedSession | null>;
  /**
   * Appends a heartbeat's evidence and updates session and progress, under its guard
   * (heartbeat-write.ts): `locked` in the locking transaction, `unchanged` without a lock (may share
   * one statement and commit with heartbeats arriving at the same time). False when it did not
   * apply — a duplicate seq, or a state that moved on — and nothing changed.
   */
  recordHeartbeat(heartbeat: GuardedHeartbeat): Promise<boolean>;
  updateProgress(userId: string, lectureId: string, values: { intervals: Interval[]; coveredSeconds: number; completion: { creditMinutes: number; at: Date } | null; at: Date }): Promise<void>;

  // presence
  planChecks(userId: string, lectureId: string, sessionId: string, dueAtCoverage: number[]): Promise<void>;
  checksFor(userId: string, lectureId: string): Promise<StoredCheck[]>;
  findCheck(checkId: string): Promise<(StoredCheck & { userId: string; lectureId: string }) | null>;
  issueCheck(checkId: string, sessionId: string, issuedAt: Date, expiresAt: Date, code: string, held: Interval[]): Promise<void>;
  insertIssuedCheck(values: { sessionId: string; userId: string; lectureId: string; dueAtCoverage: number; issuedAt: Date; expiresAt: Date; code: string }): Promise<StoredCheck>;
  holdOnCheck(checkId: string, held: Interval[]): Promise<void>;
  countWrongAnswer(checkId: string): Promise<void>;
  confirmCheck(checkId: string, at: Date): Promise<void>;

  // completion
  courseProgress(userId: string, courseId: string): Promise<{ lectures: number; completed: number; creditMinutes: number }>;
  pendingCourseCompletions(lectureId: string): Promise<{ userId: string; courseId: string; creditMinutes: number; lastCompletedAt: Date }[]>;
  /** The course completion once; false when it was already there. */
  insertCourseCompletion(userId: string, courseId: string, at: Date, creditMinutes: number): Promise<boolean>;
}
