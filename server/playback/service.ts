/**
 * Playback sessions and heartbeats: the server side of the credit promise (docs/credit.md).
 * The rules themselves live in credit.ts and presence.ts (pure); this service feeds them the
 * locked state and the server clock, and writes evidence, progress and completion in one
 * transaction.
 */
import { HttpError, forbidden, notFound } from '../http/errors.ts';
import type { SessionUser } from '../auth/access.ts';
import type { CatalogService } from '../catalog/service.ts';
import { lectureCreditMinutes } from '../catalog/credit-minutes.ts';
import { mediaUrls } from '../media/service.ts';
import { CertificatesRepository } from '../certificates/repository.ts';
import { CertificatesService } from '../certificates/service.ts';
import { addCoverage, evaluateHeartbeat, type Interval, type Rejection } from './credit.ts';
import { PRESENCE_ANSWER_SECONDS, planPresenceChecks, presenceAfterAccepted, presenceBeforeHeartbeat, type CheckState } from './presence.ts';
import type { LockedSession, PlaybackRepository } from './repository.ts';
import { RecentSessions } from './recent-sessions.ts';

export const HEARTBEAT_SECONDS = 15;
/** Resume from the start when the last position is this close to the end. */
const RESUME_RESTART_SECONDS = 10;

export interface HeartbeatBody {
  seq: number;
  intervals: [number, number][];
  playbackRate: number;
  visible: boolean;
  position: number;
}

export interface HeartbeatAnswer {
  acceptedSeconds: number;
  rejected: Rejection[];
  coverageSeconds: number;
  coverageRatio: number;
  completed: boolean;
  creditMinutes: number;
  presenceCheck?: { id: string; expiresAt: string };
  /** set on the heartbeat that completed the whole course */
  certificateCode?: string;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface PlaybackOptions {
  /** the media link secret (config.sessionSecret) */
  mediaSecret: string;
  /** the server clock; tests may pass another */
  now?: () => Date;
  /** sessions to remember between heartbeats (config.heartbeatMemorySessions; 0: every heartbeat reads) */
  rememberSessions?: number;
}

/** Thrown inside the transaction when a concurrent duplicate got there first: roll back, answer as stored. */
class DuplicateHeartbeat extends Error {}

const sessionClosed = () => new HttpError(409, 'session_closed', 'This playback session was closed because a newer one was opened. Open the lecture again to continue.');

export class PlaybackService {
  private readonly now: () => Date;
  /** sessions this process wrote a plain heartbeat for: their next one skips the read */
  readonly recent: RecentSessions;

  constructor(
    private readonly repo: PlaybackRepository,
    private readonly catalog: CatalogService,
    private readonly options: PlaybackOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.recent = new RecentSessions(options.rememberSessions ?? 20_000);
  }

  async openSession(user: SessionUser, lectureId: string, meta: RequestMeta) {
    const { lecture, course } = await this.catalog.getWatchableLecture(user, lectureId);
    const duration = lecture.durationSeconds ?? 0;
    if (!lecture.packagePrefix || !(duration > 0)) throw new HttpError(409, 'lecture_not_ready', 'The lecture has no published media yet.');
    const openedAt = this.now();
    const { session, progress } = await this.repo.transaction(async (repo) => {
      await repo.lockUser(user.id);
      await repo.closeOpenSessions(user.id, openedAt, 'replaced');
      const session = await repo.insertSession({ userId: user.id, lectureId: lecture.id, openedAt, ip: meta.ip, userAgent: meta.userAgent });
      const progress = await repo.ensureProgress(user.id, lecture.id);
      if (course.presenceChecks) await repo.insertPlannedChecks(session.id, planPresenceChecks(duration));
      return { session, progress };
    });
    const resumeAt = progress.lastPosition >= duration - RESUME_RESTART_SECONDS ? 0 : progress.lastPosition;
    return {
      sessionId: session.id,
      lectureId: lecture.id,
      resumeAt,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      maxPlaybackRate: course.maxPlaybackRate,
      completionRatio: course.completionRatio,
      media: mediaUrls(this.options.mediaSecret, lecture.packagePrefix),
      durationSeconds: duration,
      creditMinutes: lectureCreditMinutes(lecture),
      coverageSeconds: progress.coveredSeconds,
      requireVisible: course.requireVisible,
      presenceChecks: course.presenceChecks,
      // so the player can name what is playing and link back without another request
      title: lecture.title,
      courseId: course.id,
      courseTitle: course.title,
    };
  }

  async heartbeat(user: SessionUser, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatAnswer> {
    const reversed = body.intervals.find(([from, to]) => to < from);
    if (reversed) throw new HttpError(400, 'invalid_interval', `An interval must run forwards: [${reversed[0]}, ${reversed[1]}] ends before it starts.`);

    // The common case: one read and one conditional write, no transaction, no lock.
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const outcome = await this.tryOptimistic(user, sessionId, body, meta);
      if (outcome !== 'retry' && outcome !== 'locked') return outcome;
      if (outcome === 'locked') break;
    }
    // Presence steps, completion, or a busy session: the locking transaction.
    try {
      return await this.repo.transaction((repo) => this.judgeAndRecord(repo, user, sessionId, body, meta));
    } catch (error) {
      if (!(error instanceof DuplicateHeartbeat)) throw error;
      const stored = await this.repo.storedAnswer(sessionId, body.seq);
      if (!stored) throw error;
      return stored as HeartbeatAnswer;
    }
  }

  /**
   * The plain heartbeat in two statements: the cookie check rides on the read (see
   * sessionForHeartbeatByToken), then the version-guarded write. Returns null whenever it is not
   * that plain case (no such session for this cookie, presence steps, completion, a concurrent
   * write, a reversed interval): the caller then authenticates and takes `heartbeat`, which gives
   * every 400/401/403/404/409 exactly as before.
   */
  async heartbeatByToken(tokenHash: string, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatAnswer | null> {
    for (const [from, to] of body.intervals) if (to < from) return null;
    // The session's state after this process's last write for it: then the write is the only statement.
    const known = this.recent.get(sessionId, tokenHash, Date.now());
    if (known) {
      const outcome = await this.optimisticWrite(known, body, meta, tokenHash);
      if (typeof outcome !== 'string') return outcome;
      this.recent.forget(sessionId);
      if (outcome === 'locked') return null;
      // 'retry': something changed (another write, a close, the rules, the login): read afresh
    }
    const s = await this.repo.sessionForHeartbeatByToken(tokenHash, sessionId, body.seq);
    if (!s) return null;
    const outcome = await this.optimisticWrite(s, body, meta, tokenHash);
    return typeof outcome === 'string' ? null : outcome;
  }

  /**
   * The optimistic path: read without locking, judge, write only if the session is unchanged.
   * 'locked' sends the heartbeat to the locking transaction (presence checks, completion); 'retry'
   * means another write got in between (re-read and judge again).
   */
  private async tryOptimistic(user: SessionUser, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatAnswer | 'retry' | 'locked'> {
    const s = await this.repo.sessionForHeartbeat(sessionId, body.seq, false);
    if (!s) throw notFound('The playback session');
    if (s.userId !== user.id) throw forbidden('This playback session belongs to someone else');
    return this.optimisticWrite(s, body, meta);
  }

  /**
   * The optimistic path once the session is read (or remembered) and known to be the caller's. With
   * `tokenHash` (the cookie path) the write also checks the login, and on success the new state is
   * remembered for the session's next heartbeat.
   */
  private async optimisticWrite(s: LockedSession, body: HeartbeatBody, meta: RequestMeta, tokenHash?: string): Promise<HeartbeatAnswer | 'retry' | 'locked'> {
    if (s.storedResponse) return s.storedResponse as HeartbeatAnswer;
    if (s.closedAt) throw sessionClosed();
    if (s.presenceChecks || s.presenceBlocked) return 'locked';
    const now = this.now();
    const judged = judge(s, body, now, false);
    if (judged.newlyCompleted) return 'locked';
    try {
      const applied = await this.repo.recordHeartbeatIfUnchanged(writeOf(s, body, meta, now, judged, false), s, tokenHash);
      if (!applied) return 'retry';
      if (tokenHash) {
        // what the statement just wrote (last_position is not remembered: judging does not use it)
        this.recent.set(
          { ...s, version: s.version + 1, acceptedSeconds: s.acceptedSeconds + judged.decision.acceptedSeconds, progressIntervals: judged.coverage.intervals, storedResponse: null },
          tokenHash,
          Date.now(),
        );
      }
      return judged.answer;
    } catch (error) {
      // (session, seq) recorded after our read: the re-read finds its stored answer
      if ((error as { code?: string; cause?: { code?: string } }).code === '23505' || (error as { cause?: { code?: string } }).cause?.code === '23505') return 'retry';
      throw error;
    }
  }

  /**
   * One transaction: lock, judge, append the evidence, update session and progress, and on completion
   * the course completion and certificate. A retry of a recorded seq gets the stored answer.
   */
  private async judgeAndRecord(repo: PlaybackRepository, user: SessionUser, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatAnswer> {
    const s = await repo.sessionForHeartbeat(sessionId, body.seq, true);
    if (!s) throw notFound('The playback session');
    if (s.userId !== user.id) throw forbidden('This playback session belongs to someone else');
    if (s.storedResponse) return s.storedResponse as HeartbeatAnswer;
    if (s.closedAt) throw sessionClosed();
    const now = this.now();

    // Presence: an expired, unanswered check blocks credit and is followed by a fresh check at once.
    let blocked = s.presenceBlocked;
    // anything written before the evidence row: then the commit cannot ride along with it
    let wroteBefore = false;
    let presenceCheck: CheckState | null = null;
    let checks: CheckState[] = [];
    if (s.presenceChecks) {
      checks = await repo.checksOf(s.id);
      const step = presenceBeforeHeartbeat(checks, now);
      if (step.kind === 'expired') {
        blocked = true;
        presenceCheck = await repo.insertIssuedCheck(s.id, s.lastPosition, now, addSeconds(now, PRESENCE_ANSWER_SECONDS));
        wroteBefore = true;
      } else if (step.kind === 'outstanding') {
        presenceCheck = step.check;
      }
    }

    const judged = judge(s, body, now, blocked);
    const { decision, newlyCompleted, lectureCredit, answer } = judged;

    if (s.presenceChecks && !blocked && !presenceCheck) {
      const due = presenceAfterAccepted(checks, lastEnd(decision.accepted));
      if (due) {
        const expiresAt = addSeconds(now, PRESENCE_ANSWER_SECONDS);
        await repo.issueCheck(due.id, now, expiresAt);
        wroteBefore = true;
        presenceCheck = { ...due, issuedAt: now, expiresAt };
      }
    }

    if (presenceCheck) answer.presenceCheck = { id: presenceCheck.id, expiresAt: presenceCheck.expiresAt!.toISOString() };

    // The lecture that completes the course completes it once, with its certificate.
    if (newlyCompleted) {
      wroteBefore = true;
      const course = await repo.courseProgress(user.id, s.courseId);
      if (course.completed + 1 >= course.lectures) {
        const creditMinutes = course.creditMinutes + lectureCredit;
        if (await repo.insertCourseCompletion(user.id, s.courseId, now, creditMinutes)) {
          const certificate = await new CertificatesService(new CertificatesRepository(repo.runner)).issue(user.id, s.courseId, creditMinutes, now);
          answer.certificateCode = certificate.code;
        }
      }
    }

    const inserted = await repo.recordHeartbeat({
      ...writeOf(s, body, meta, now, judged, blocked),
      completion: newlyCompleted ? { creditMinutes: lectureCredit } : null,
      commit: !wroteBefore,
    });
    if (!inserted) throw new DuplicateHeartbeat();
    return answer;
  }

  /** The player confirms a presence check: 204; an expired or superseded check: 409. */
  async confirmPresence(user: SessionUser, sessionId: string, checkId: string): Promise<void> {
    await this.repo.transaction(async (repo) => {
      const session = await repo.lockSessionRow(sessionId);
      if (!session) throw notFound('The playback session');
      if (session.userId !== user.id) throw forbidden('This playback session belongs to someone else');
      const checks = await repo.checksOf(sessionId);
      const check = checks.find((c) => c.id === checkId && c.issuedAt !== null);
      if (!check) throw notFound('The presence check');
      if (check.confirmedAt) return; // a retry
      const now = this.now();
      const step = presenceBeforeHeartbeat(checks, now);
      if (step.kind !== 'outstanding' || step.check.id !== checkId) {
        throw new HttpError(409, 'presence_check_expired', 'This presence check has expired. Keep playing: a new check follows, and credit resumes once you confirm it.');
      }
      await repo.confirmCheck(checkId, now);
      if (session.presenceBlocked) await repo.setPresenceBlocked(sessionId, false);
    });
  }
}

/** Optimistic writes tried before falling back to the lock (a session's heartbeats rarely overlap). */
const OPTIMISTIC_ATTEMPTS = 3;

interface Judged {
  decision: ReturnType<typeof evaluateHeartbeat>;
  coverage: ReturnType<typeof addCoverage>;
  newlyCompleted: boolean;
  lectureCredit: number;
  answer: HeartbeatAnswer;
}

/** Applies the pure rules to a heartbeat against the session state read (or locked) just now. */
function judge(s: LockedSession, body: HeartbeatBody, now: Date, presenceBlocked: boolean): Judged {
  const decision = evaluateHeartbeat(
    body,
    { durationSeconds: s.durationSeconds, acceptedSeconds: s.acceptedSeconds, elapsedSeconds: (now.getTime() - s.openedAt.getTime()) / 1000, presenceBlocked },
    { maxPlaybackRate: s.maxPlaybackRate, completionRatio: s.completionRatio, requireVisible: s.requireVisible },
  );
  const coverage = addCoverage(s.progressIntervals, decision.accepted, s.durationSeconds, s.completionRatio);
  const newlyCompleted = coverage.completed && s.progressCompletedAt === null;
  const lectureCredit = lectureCreditMinutes({ creditMinutesOverride: s.creditMinutesOverride, durationSeconds: s.durationSeconds });
  const answer: HeartbeatAnswer = {
    acceptedSeconds: decision.acceptedSeconds,
    rejected: decision.rejected,
    coverageSeconds: coverage.coverageSeconds,
    coverageRatio: coverage.coverageRatio,
    completed: s.progressCompletedAt !== null || coverage.completed,
    creditMinutes: newlyCompleted ? lectureCredit : s.progressCompletedAt ? s.progressCreditMinutes : 0,
  };
  return { decision, coverage, newlyCompleted, lectureCredit, answer };
}

function writeOf(s: LockedSession, body: HeartbeatBody, meta: RequestMeta, now: Date, judged: Judged, presenceBlocked: boolean) {
  return {
    sessionId: s.id,
    userId: s.userId,
    lectureId: s.lectureId,
    seq: body.seq,
    receivedAt: now,
    ip: meta.ip,
    userAgent: meta.userAgent,
    payload: body,
    accepted: judged.decision.accepted,
    rejected: judged.decision.rejected,
    response: judged.answer,
    acceptedSeconds: judged.decision.acceptedSeconds,
    position: Math.min(Math.max(0, body.position), s.durationSeconds),
    presenceBlocked,
    progressIntervals: judged.coverage.intervals,
    coveredSeconds: judged.coverage.coverageSeconds,
  };
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function lastEnd(intervals: Interval[]): number | null {
  return intervals.length ? intervals[intervals.length - 1]![1] : null;
}
