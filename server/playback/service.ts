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
import { mediaUrls, type StartPlaylists } from '../media/service.ts';
import { recordCourseCompletion } from './completions.ts';
import { addCoverage, evaluateHeartbeat, totalSeconds, roundSeconds } from './credit.ts';
import { allowanceAt, carriedInto, heartbeatLimit, idleClosedAt, wallCost } from './allowance.ts';
import {
  PRESENCE_ANSWER_SECONDS,
  holdMore,
  judgeConfirmation,
  planPresenceChecks,
  presenceCode,
  presenceState,
  splitForPresence,
} from './presence.ts';
import { presenceImage } from './presence-image.ts';
import type { HeartbeatWrite } from './heartbeat-write.ts';
import type { LockedSession, StoredCheck } from './repository.ts';
import type { PlaybackStore } from './store.ts';
import { RecentSessions } from './recent-sessions.ts';

export const HEARTBEAT_SECONDS = 15;
/** Resume from the start when the last position is this close to the end. */
export const RESUME_RESTART_SECONDS = 10;

import type { HeartbeatAnswer, HeartbeatBody, PresenceCheckView } from './schemas.ts';

export type { HeartbeatAnswer, HeartbeatBody, PresenceCheckView };

/** Why a session no longer takes new viewing: another one replaced it, or it sat idle too long. */
export type ClosedReason = 'replaced' | 'idle';

/**
 * What a heartbeat came to. A heartbeat of a closed session is still judged (what was played
 * before it closed is credited: the outbox of a replaced tab, a late offline queue) and answered
 * 409 with the judgment, so the player knows to stop reporting to it.
 */
export type HeartbeatOutcome =
  | { kind: 'recorded'; answer: HeartbeatAnswer }
  | { kind: 'closed'; reason: ClosedReason; answer: HeartbeatAnswer };

/** What one optimistic attempt came to. */
type OptimisticAttempt =
  | { kind: 'written'; outcome: HeartbeatOutcome }
  /** someone wrote in between (or the remembered state is stale): read again */
  | { kind: 'stale' }
  /** presence steps, completion, a closed or idle session, the rate bound: take the locking path */
  | { kind: 'needs_lock' };

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface PlaybackOptions {
  /** the media link secret (config.sessionSecret) */
  mediaSecret: string;
  /** sessions to remember between heartbeats (config.heartbeatMemorySessions; 0: every heartbeat reads) */
  rememberSessions?: number;
  /** the stored master and start media playlists of a package (MediaService.startPlaylists), carried in the session answer */
  startPlaylists?: (prefix: string) => Promise<StartPlaylists | null>;
}

/** Thrown inside the transaction when a concurrent duplicate got there first: roll back, answer as stored. */
class DuplicateHeartbeat extends Error {}

const tooManyHeartbeats = () => new HttpError(429, 'heartbeat_rate', 'This session is sending heartbeats far more often than a player does. Reload the page to continue.');

/** The stored answer of a heartbeat carries, for one of a closed session, why it closed. */
type StoredAnswer = HeartbeatAnswer & { closedReason?: ClosedReason };

function outcomeOfStored(stored: StoredAnswer): HeartbeatOutcome {
  const { closedReason, ...answer } = stored;
  return closedReason ? { kind: 'closed', reason: closedReason, answer } : { kind: 'recorded', answer };
}

export class PlaybackService {
  /** sessions this process wrote a plain heartbeat for: their next one skips the read */
  readonly recent: RecentSessions;
  /** database clock minus this process's clock, learned at each read (for remembered sessions only) */
  private clockOffsetMs = 0;

  constructor(
    private readonly repo: PlaybackStore,
    private readonly catalog: CatalogService,
    private readonly options: PlaybackOptions,
  ) {
    this.recent = new RecentSessions(options.rememberSessions ?? 20_000);
  }

  async openSession(user: SessionUser, lectureId: string, meta: RequestMeta) {
    const { lecture, course } = await this.catalog.getWatchableLecture(user, lectureId);
    const duration = lecture.durationSeconds ?? 0;
    if (!lecture.packagePrefix || !(duration > 0)) throw new HttpError(409, 'lecture_not_ready', 'The lecture has no published media yet.');
    // Only the published catalog earns credit: a trainer's or admin's look at a draft is a preview.
    const preview = course.status !== 'published';
    // read beside the transaction (usually from memory): carried so the player skips one round trip
    const startPlaylists = this.options.startPlaylists?.(lecture.packagePrefix) ?? Promise.resolve(null);
    const { session, progress } = await this.repo.transaction(async (repo) => {
      const openedAt = await repo.lockUser(user.id);
      await repo.closeOpenSessions(user.id, openedAt, 'replaced');
      // read (and locked) after the close: a heartbeat of the old session cannot spend between this
      // read and takeAllowance, or what it spent would be written back
      const previous = await repo.latestSessionOf(user.id);
      // The tolerance carries from session to session but never grows: what the new session
      // starts with is taken out of the one before.
      let carried = carriedInto(null);
      if (previous) {
        const closedAt = previous.closedAt ?? openedAt;
        const available = allowanceAt({ seconds: previous.allowanceSeconds, at: previous.allowanceAt }, openedAt, closedAt);
        carried = carriedInto(available);
        await repo.takeAllowance(previous.id, available - carried, closedAt);
      }
      const session = await repo.insertSession({ userId: user.id, lectureId: lecture.id, openedAt, ip: meta.ip, userAgent: meta.userAgent, carriedInSeconds: carried, preview });
      const progress = await repo.ensureProgress(user.id, lecture.id);
      if (course.presenceChecks && !preview) await repo.planChecks(user.id, lecture.id, session.id, planPresenceChecks(duration));
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
      ...(await startPlaylists.then((found) =>
        found === null ? {} : { masterPlaylist: found.master, ...(Object.keys(found.media).length > 0 ? { mediaPlaylists: found.media } : {}) },
      )),
      durationSeconds: duration,
      creditMinutes: lectureCreditMinutes(lecture),
      coverageSeconds: progress.coveredSeconds,
      requireVisible: course.requireVisible,
      presenceChecks: course.presenceChecks,
      preview,
      // so the player can name what is playing and link back without another request
      title: lecture.title,
      courseId: course.id,
      courseTitle: course.title,
    };
  }

  async heartbeat(user: SessionUser, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatOutcome> {
    const reversed = body.intervals.find(([from, to]) => to < from);
    if (reversed) throw new HttpError(400, 'invalid_interval', `An interval must run forwards: [${reversed[0]}, ${reversed[1]}] ends before it starts.`);

    // The common case: one read and one conditional write, no transaction, no lock.
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const s = await this.repo.sessionForHeartbeat(sessionId, body.seq, false);
      if (!s) throw notFound('The playback session');
      if (s.userId !== user.id) throw forbidden('This playback session belongs to someone else');
      this.learnClock(s);
      const result = await this.optimisticWrite(s, body, meta);
      if (result.kind === 'written') return result.outcome;
      if (result.kind === 'needs_lock') break;
    }
    // Presence steps, completion, a closed session, or a busy one: the locking transaction.
    try {
      return await this.repo.transaction((repo) => this.judgeAndRecord(repo, user, sessionId, body, meta));
    } catch (error) {
      if (!(error instanceof DuplicateHeartbeat)) throw error;
      const stored = await this.repo.storedAnswer(sessionId, body.seq);
      if (!stored) throw error;
      return outcomeOfStored(stored as StoredAnswer);
    }
  }

  /**
   * The plain heartbeat in two statements: the cookie check rides on the read (see
   * sessionForHeartbeatByToken), then the guarded write. Returns null whenever it is not that plain
   * case (no such session for this cookie, presence steps, completion, a closed session, a
   * concurrent write, a reversed interval): the caller then authenticates and takes `heartbeat`,
   * which gives every 400/401/403/404/409 exactly as before.
   */
  async heartbeatByToken(tokenHash: string, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatOutcome | null> {
    for (const [from, to] of body.intervals) if (to < from) return null;
    // The session's state after this process's last write for it: then the write is the only statement.
    const known = this.recent.get(sessionId, tokenHash, Date.now());
    if (known) {
      const result = await this.optimisticWrite({ ...known, dbNow: new Date(Date.now() + this.clockOffsetMs) }, body, meta, tokenHash);
      if (result.kind === 'written') return result.outcome;
      this.recent.forget(sessionId);
      if (result.kind === 'needs_lock') return null;
      // 'stale': something changed (another write, a close, the rules, the login, the clock): read afresh
    }
    const s = await this.repo.sessionForHeartbeatByToken(tokenHash, sessionId, body.seq);
    if (!s) return null;
    this.learnClock(s);
    const result = await this.optimisticWrite(s, body, meta, tokenHash);
    return result.kind === 'written' ? result.outcome : null;
  }

  /** After each read: how far the database clock is from this process's (used for remembered sessions only). */
  private learnClock(s: LockedSession): void {
    this.clockOffsetMs = s.dbNow.getTime() - Date.now();
  }

  /**
   * The optimistic path once the session is read (or remembered) and known to be the caller's. With
   * `tokenHash` (the cookie path) the write also checks the login, and on success the new state is
   * remembered for the session's next heartbeat.
   */
  private async optimisticWrite(s: LockedSession, body: HeartbeatBody, meta: RequestMeta, tokenHash?: string): Promise<OptimisticAttempt> {
    if (s.storedResponse) return { kind: 'written', outcome: outcomeOfStored(s.storedResponse as StoredAnswer) };
    // a late or repeated seq (an offline queue's, or a retry whose answer was lost): the lock sorts it out
    if (s.closedAt || s.presenceChecks || body.seq <= s.lastSeq) return { kind: 'needs_lock' };
    const now = s.dbNow;
    if (idleClosedAt(s.lastHeardAt, s.openedAt, now) || s.heartbeatCount >= heartbeatLimit(secondsBetween(s.openedAt, now))) return { kind: 'needs_lock' };
    const judged = judge(s, body, now, null);
    if (judged.newlyCompleted) return { kind: 'needs_lock' };
    const applied = await this.repo.recordHeartbeat({ write: writeOf(s, body, meta, judged, true), guard: { kind: 'unchanged', state: s, tokenHash } });
    // a state that moved on, or (session, seq) recorded after our read: the re-read finds out which
    if (!applied) return { kind: 'stale' };
    if (tokenHash) {
      // what the statement just wrote (the database stamped its own clock; the next judgment re-checks it)
      this.recent.set(
        {
          ...s,
          version: s.version + 1,
          progressVersion: s.progressVersion + 1,
          acceptedSeconds: s.acceptedSeconds + judged.decision.acceptedSeconds,
          allowanceSeconds: judged.allowanceLeft,
          allowanceAt: now,
          lastHeardAt: now,
          heartbeatCount: s.heartbeatCount + 1,
          lastSeq: Math.max(s.lastSeq, body.seq),
          progressIntervals: judged.coverage.intervals,
          storedResponse: null,
        },
        tokenHash,
        Date.now(),
      );
    }
    return { kind: 'written', outcome: { kind: 'recorded', answer: judged.answer } };
  }

  /**
   * One transaction: lock, judge, apply presence, append the evidence, update session and progress,
   * and on completion the course completion and certificate. A retry of a recorded seq gets the
   * stored answer.
   */
  private async judgeAndRecord(repo: PlaybackStore, user: SessionUser, sessionId: string, body: HeartbeatBody, meta: RequestMeta): Promise<HeartbeatOutcome> {
    let s = await repo.sessionForHeartbeat(sessionId, body.seq, true);
    if (!s) throw notFound('The playback session');
    if (s.userId !== user.id) throw forbidden('This playback session belongs to someone else');
    if (s.storedResponse) return outcomeOfStored(s.storedResponse as StoredAnswer);
    const now = s.dbNow;
    // anything written before the evidence row: then the commit cannot ride along with it
    let wroteBefore = false;

    // An idle session closes at the moment it went idle; this heartbeat is then a late one.
    let closedReason: ClosedReason | null = s.closedAt ? (s.closedReason === 'idle' ? 'idle' : 'replaced') : null;
    const idleAt = s.closedAt ? null : idleClosedAt(s.lastHeardAt, s.openedAt, now);
    if (idleAt) {
      await repo.closeIdleSession(s.id, idleAt);
      wroteBefore = true;
      s = { ...s, closedAt: idleAt, closedReason: 'idle' };
      closedReason = 'idle';
    }
    const spanEnd = s.closedAt && s.closedAt < now ? s.closedAt : now;
    if (s.heartbeatCount >= heartbeatLimit(secondsBetween(s.openedAt, spanEnd))) throw tooManyHeartbeats();

    // Presence: per lawyer and lecture, whichever session reports.
    const presenceOn = s.presenceChecks && !s.preview && s.courseStatus === 'published';
    let checks: StoredCheck[] = [];
    let state: ReturnType<typeof presenceState> = { kind: 'clear', nextDue: null };
    if (presenceOn) {
      checks = await repo.checksFor(s.userId, s.lectureId);
      state = presenceState(checks, now);
      if (state.kind === 'expired') {
        // unanswered: what it held is lost (it stays in the evidence), and a fresh check asks at once
        const fresh = await repo.insertIssuedCheck({ sessionId: s.id, userId: s.userId, lectureId: s.lectureId, dueAtCoverage: totalSeconds(s.progressIntervals), issuedAt: now, expiresAt: addSeconds(now, PRESENCE_ANSWER_SECONDS), code: presenceCode() });
        wroteBefore = true;
        checks = [...checks, fresh];
        state = { kind: 'open', check: fresh };
      }
    }

    const judged = judge(s, body, now, presenceOn ? state : null);
    const { split, answer } = judged;
    if (split?.check) {
      const check = split.check as StoredCheck;
      if (split.issue) {
        const expiresAt = addSeconds(now, PRESENCE_ANSWER_SECONDS);
        await repo.issueCheck(check.id, s.id, now, expiresAt, presenceCode(), split.held);
        answer.presenceCheck = this.presenceView(s.id, { id: check.id, expiresAt });
      } else {
        if (split.held.length) await repo.holdOnCheck(check.id, holdMore(check, split.held));
        answer.presenceCheck = this.presenceView(s.id, { id: check.id, expiresAt: check.expiresAt! });
      }
      wroteBefore = true;
    }

    // Played before the session closed, so dated no later than that (docs/credit.md, "Late delivery").
    const completionAt = s.closedAt && s.closedAt < now ? s.closedAt : now;
    if (judged.newlyCompleted) {
      wroteBefore = true;
      const certificateCode = await completeCourseIfDone(repo, user.id, s.courseId, judged.lectureCredit, completionAt);
      if (certificateCode) answer.certificateCode = certificateCode;
    }

    const stored: StoredAnswer = closedReason ? { ...answer, closedReason } : answer;
    const inserted = await repo.recordHeartbeat({
      write: writeOf(s, body, meta, { ...judged, answer: stored }, closedReason === null),
      guard: { kind: 'locked', at: now, completion: judged.newlyCompleted ? { creditMinutes: judged.lectureCredit, at: completionAt } : null, commit: !wroteBefore },
    });
    if (!inserted) throw new DuplicateHeartbeat();
    return closedReason ? { kind: 'closed', reason: closedReason, answer } : { kind: 'recorded', answer };
  }

  private presenceView(sessionId: string, check: { id: string; expiresAt: Date }): PresenceCheckView {
    return { id: check.id, expiresAt: check.expiresAt.toISOString(), image: `/api/sessions/${sessionId}/presence/${check.id}/image.png` };
  }

  /** The PNG that shows an issued, open check's code, for the session's owner only. */
  async presenceCheckImage(user: SessionUser, sessionId: string, checkId: string): Promise<Buffer> {
    const { check } = await this.ownCheck(this.repo, user, sessionId, checkId);
    if (!check.issuedAt || !check.code || check.confirmedAt) throw new HttpError(404, 'not_found', 'The presence check was not found or is already answered.');
    return presenceImage(check.code);
  }

  private async ownCheck(repo: PlaybackStore, user: SessionUser, sessionId: string, checkId: string) {
    const session = await repo.findSession(sessionId);
    if (!session) throw notFound('The playback session');
    if (session.userId !== user.id) throw forbidden('This playback session belongs to someone else');
    const check = await repo.findCheck(checkId);
    if (!check || check.userId !== session.userId || check.lectureId !== session.lectureId) throw notFound('The presence check');
    return { session, check };
  }

  /**
   * The person types the code the check's image shows: 204 (held media credited); a wrong code
   * 422 (the check stays open; after five, 429); expired or superseded 409.
   */
  async confirmPresence(user: SessionUser, sessionId: string, checkId: string, code: string): Promise<{ certificateCode?: string }> {
    const outcome = await this.repo.transaction(async (repo) => {
      await this.ownCheck(repo, user, sessionId, checkId);
      const s = await repo.lockSessionAndProgress(sessionId);
      if (!s) throw notFound('The playback session');
      const checks = await repo.checksFor(s.userId, s.lectureId);
      const check = checks.find((c) => c.id === checkId);
      if (!check || !check.issuedAt || !check.code) throw notFound('The presence check');
      const judged = judgeConfirmation(checks, check, code, check.code, s.dbNow);
      if (judged.kind === 'wrong_code') await repo.countWrongAnswer(checkId);
      if (judged.kind !== 'confirmed') return { judged };
      await repo.confirmCheck(checkId, s.dbNow);
      // what was held under the check counts now, as if credited when it was played
      const coverage = addCoverage(s.progressIntervals, check.heldIntervals, s.durationSeconds, s.completionRatio);
      const newlyCompleted = coverage.completed && s.progressCompletedAt === null;
      const lectureCredit = lectureCreditMinutes({ creditMinutesOverride: s.creditMinutesOverride, durationSeconds: s.durationSeconds });
      let certificateCode: string | null = null;
      if (newlyCompleted) certificateCode = await completeCourseIfDone(repo, s.userId, s.courseId, lectureCredit, s.dbNow);
      await repo.updateProgress(s.userId, s.lectureId, { intervals: coverage.intervals, coveredSeconds: coverage.coverageSeconds, completion: newlyCompleted ? { creditMinutes: lectureCredit, at: s.dbNow } : null, at: s.dbNow });
      return { judged, certificateCode };
    });
    switch (outcome.judged.kind) {
      case 'confirmed':
        return outcome.certificateCode ? { certificateCode: outcome.certificateCode } : {};
      case 'already_confirmed':
        return {};
      case 'wrong_code':
        throw new HttpError(422, 'presence_code_wrong', 'That is not the code in the picture. Look again and type the digits you see.');
      case 'too_many_wrong':
        throw new HttpError(429, 'presence_too_many_wrong', 'Too many wrong codes for this check. Keep playing: a new check follows, and credit resumes once you confirm it.');
      case 'expired':
      case 'superseded':
        throw new HttpError(409, 'presence_check_expired', 'This presence check has expired. Keep playing: a new check follows, and credit resumes once you confirm it.');
    }
  }
}

/**
 * The lecture that completes the course completes it once, with its certificate: all its lectures
 * that can be watched (not failed) are complete. Returns the new certificate's code, if one was issued.
 */
export async function completeCourseIfDone(repo: PlaybackStore, userId: string, courseId: string, lectureCredit: number, at: Date): Promise<string | null> {
  const course = await repo.courseProgress(userId, courseId);
  if (course.completed + 1 < course.lectures) return null;
  return recordCourseCompletion(repo, userId, courseId, course.creditMinutes + lectureCredit, at);
}

/** Optimistic writes tried before falling back to the lock (a session's heartbeats rarely overlap). */
const OPTIMISTIC_ATTEMPTS = 3;

interface Judged {
  decision: ReturnType<typeof evaluateHeartbeat>;
  /** what presence made of the accepted media (null: the course has no checks) */
  split: ReturnType<typeof splitForPresence> | null;
  coverage: ReturnType<typeof addCoverage>;
  /** wall seconds of allowance this heartbeat spends, and what is left */
  allowanceSpent: number;
  allowanceLeft: number;
  newlyCompleted: boolean;
  lectureCredit: number;
  answer: HeartbeatAnswer;
}

/** Applies the pure rules to a heartbeat against the session state read (or locked) just now. */
function judge(s: LockedSession, body: HeartbeatBody, now: Date, presence: Exclude<ReturnType<typeof presenceState>, { kind: 'expired' }> | null): Judged {
  const allowance = allowanceAt({ seconds: s.allowanceSeconds, at: s.allowanceAt }, now, s.closedAt);
  const decision = evaluateHeartbeat(
    body,
    { durationSeconds: s.durationSeconds, allowanceSeconds: allowance, inCatalog: !s.preview && s.courseStatus === 'published' },
    { maxPlaybackRate: s.maxPlaybackRate, completionRatio: s.completionRatio, requireVisible: s.requireVisible },
  );
  const split = presence ? splitForPresence(decision.accepted, s.progressIntervals, presence) : null;
  const credited = split ? split.credited : decision.accepted;
  const rejected = split && split.held.length ? [...decision.rejected, ...split.held.map(([from, to]) => ({ from: roundSeconds(from), to: roundSeconds(to), reason: 'presence_unconfirmed' as const }))] : decision.rejected;
  const coverage = addCoverage(s.progressIntervals, credited, s.durationSeconds, s.completionRatio);
  const newlyCompleted = coverage.completed && s.progressCompletedAt === null;
  const lectureCredit = lectureCreditMinutes({ creditMinutesOverride: s.creditMinutesOverride, durationSeconds: s.durationSeconds });
  const allowanceSpent = wallCost(decision.acceptedSeconds, s.maxPlaybackRate);
  const answer: HeartbeatAnswer = {
    acceptedSeconds: roundSeconds(totalSeconds(credited)),
    rejected,
    coverageSeconds: coverage.coverageSeconds,
    coverageRatio: coverage.coverageRatio,
    completed: s.progressCompletedAt !== null || coverage.completed,
    creditMinutes: newlyCompleted ? lectureCredit : s.progressCompletedAt ? s.progressCreditMinutes : 0,
  };
  return { decision, split, coverage, allowanceSpent, allowanceLeft: Math.max(0, allowance - allowanceSpent), newlyCompleted, lectureCredit, answer };
}

function writeOf(s: LockedSession, body: HeartbeatBody, meta: RequestMeta, judged: Judged, movePosition: boolean): HeartbeatWrite {
  return {
    sessionId: s.id,
    userId: s.userId,
    lectureId: s.lectureId,
    seq: body.seq,
    ip: meta.ip,
    userAgent: meta.userAgent,
    payload: body,
    accepted: judged.split ? judged.split.credited : judged.decision.accepted,
    rejected: judged.answer.rejected,
    response: judged.answer,
    acceptedSeconds: judged.decision.acceptedSeconds,
    position: Math.min(Math.max(0, body.position), s.durationSeconds),
    allowanceSeconds: judged.allowanceLeft,
    allowanceSpent: judged.allowanceSpent,
    movePosition,
    progressIntervals: judged.coverage.intervals,
    coveredSeconds: judged.coverage.coverageSeconds,
  };
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function secondsBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 1000;
}
