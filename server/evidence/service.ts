/**
 * The evidence behind a lawyer's credited minutes in one training year (docs/audit.md, "The evidence
 * page"): each lecture with its sessions, what the heartbeats claimed and what was credited or
 * refused and why, the presence checks and the certificates. Read-only: nothing here writes.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { forbidden } from '../http/errors.ts';
import { creditRulesOf } from '../organizations/service.ts';
import { classHours, roundSeconds, trainingYearOf, trainingYearRange } from '../playback/credit.ts';
import type { InPersonRepository } from '../inperson/repository.ts';
import { attendanceView, correctionView, trainingYearDates } from '../inperson/service.ts';
import type { EvidenceRepository, LectureRow, PresenceCheckRow, SessionRow } from './repository.ts';
import type { GroupsRepository } from '../groups/repository.ts';
import { viewOf } from '../groups/service.ts';
import type { GroupSessionView } from '../groups/schemas.ts';
import type { EvidenceInPerson, EvidenceLecture, EvidenceSession, EvidenceSessionEnd, LawyerEvidence, PresenceCheckState } from './schemas.ts';
import { checkStates, deviceOf, sessionEnd, type CheckState, type SessionEnd } from './summary.ts';

/** The words of AccessPolicy.assertRole's 403, so an unknown id reads exactly like one outside the subtree. */
const NOT_ADMINISTERED = 'You are not an administrator of this organization';

export class EvidenceService {
  constructor(
    private readonly repo: EvidenceRepository,
    private readonly access: AccessPolicy,
    private readonly inPerson: InPersonRepository,
    private readonly groups: GroupsRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * For an administrator of the lawyer's organization or above. An unknown id and a staff account
   * (no licence number: not a lawyer) get the same 403 as a lawyer outside the caller's subtree, so
   * ids cannot be probed. The year is the lawyer's association's training year (its start month,
   * inherited down the tree); default: the current one.
   */
  async lawyerEvidence(user: SessionUser, userId: string, requestedYear?: number): Promise<LawyerEvidence> {
    const lawyer = await this.repo.lawyer(userId);
    if (!lawyer || lawyer.licenseNo === null) throw forbidden(NOT_ADMINISTERED);
    const chain = await this.access.assertRole(user, lawyer.organizationId, 'admin');
    const { minutesPerClassHour, trainingYearStartMonth } = creditRulesOf(chain);
    const now = this.now();
    const year = requestedYear ?? trainingYearOf(now, trainingYearStartMonth);
    const { start, end } = trainingYearRange(year, trainingYearStartMonth);
    const evidence = await this.repo.year(lawyer.id, start, end);

    const checksBySession = groupBy(evidence.checks, (c) => c.sessionId);
    const sessionsByLecture = groupBy(evidence.sessions, (s) => s.lectureId);
    const groupRows = await this.groups.groupsOfSessions(evidence.sessions.map((s) => s.id));
    const groupsBySession = new Map<string, GroupSessionView>([...groupRows].map(([id, g]) => [id, viewOf(g.group, g.members)]));
    const inYear = (at: Date | null) => at !== null && at >= start && at < end;
    const lectures = evidence.lectures.map((l) => lectureOf(l, inYear(l.completedAt), sessionsByLecture.get(l.lectureId) ?? [], checksBySession, now, groupsBySession));
    const creditMinutes = lectures.reduce((sum, l) => sum + (l.completedInYear ? l.creditMinutes : 0), 0);
    const inPerson = await this.inPersonOf(lawyer.id, year, trainingYearStartMonth);
    const inPersonMinutes = inPerson.reduce((sum, a) => sum + a.minutes, 0);
    return {
      lawyer: { id: lawyer.id, name: lawyer.name, licenseNo: lawyer.licenseNo, disabled: lawyer.disabled, firm: { id: lawyer.organizationId, name: lawyer.organizationName } },
      year,
      trainingYearStartMonth,
      minutesPerClassHour,
      from: start.toISOString(),
      to: end.toISOString(),
      creditMinutes,
      classHours: classHours(creditMinutes, minutesPerClassHour),
      inPersonMinutes,
      inPersonClassHours: classHours(inPersonMinutes, minutesPerClassHour),
      totalCreditMinutes: creditMinutes + inPersonMinutes,
      totalClassHours: classHours(creditMinutes + inPersonMinutes, minutesPerClassHour),
      lectures,
      inPerson,
      certificates: evidence.certificates.map((c) => ({ ...c, issuedAt: c.issuedAt.toISOString() })),
    };
  }

  /**
   * 现场培训: the lawyer's attendances of sessions held in the year (Beijing dates), removed ones
   * too (they credit 0 and show why), each with its session and the corrections that concern it.
   */
  private async inPersonOf(userId: string, year: number, startMonth: number): Promise<EvidenceInPerson[]> {
    const { from, to } = trainingYearDates(year, startMonth);
    const rows = await this.inPerson.ofLawyer(userId, from, to);
    const corrections = await this.inPerson.corrections([...new Set(rows.map((r) => r.session.id))]);
    return rows.map(({ session, attendance }) => ({
      session: { id: session.id, title: session.title, heldOn: session.heldOn, place: session.place, minutes: session.minutes, organization: { id: session.organizationId, name: session.organizationName }, createdBy: session.createdBy },
      ...attendanceView(attendance),
      // the session's own corrections and this attendance's; not those of the other attendees
      corrections: corrections.filter((c) => c.sessionId === session.id && (c.attendanceId === null || c.attendanceId === attendance.id)).map(correctionView),
    }));
  }
}

function lectureOf(l: LectureRow, completedInYear: boolean, sessions: SessionRow[], checksBySession: Map<string, PresenceCheckRow[]>, now: Date, groupsBySession: Map<string, GroupSessionView>): EvidenceLecture {
  const duration = l.durationSeconds;
  return {
    lectureId: l.lectureId,
    title: l.title,
    courseId: l.courseId,
    courseTitle: l.courseTitle,
    durationSeconds: duration,
    creditMinutes: l.completedAt ? l.creditMinutes : 0,
    completedAt: l.completedAt?.toISOString() ?? null,
    completedInYear,
    coverageSeconds: roundSeconds(Math.min(duration, l.coveredSeconds)),
    coverageRatio: duration > 0 ? Math.min(1, Math.round((l.coveredSeconds / duration) * 10_000) / 10_000) : 0,
    sessions: sessions.map((s) => sessionOf(s, checksBySession.get(s.id) ?? [], now, groupsBySession.get(s.id) ?? null)),
  };
}

function sessionOf(s: SessionRow, checks: PresenceCheckRow[], now: Date, group: GroupSessionView | null): EvidenceSession {
  const states = checkStates(checks, now);
  return {
    id: s.id,
    openedAt: s.openedAt.toISOString(),
    end: endJson(sessionEnd(s)),
    lastHeartbeatAt: s.lastHeartbeatAt?.toISOString() ?? null,
    ip: s.ip,
    heartbeatAddresses: s.heartbeatAddresses,
    userAgent: s.userAgent,
    device: deviceOf(s.userAgent),
    heartbeats: s.heartbeats,
    acceptedSeconds: roundSeconds(s.acceptedSeconds),
    refusedSeconds: roundSeconds(s.refused.reduce((sum, r) => sum + r.seconds, 0)),
    refused: s.refused.map((r) => ({ reason: r.reason, seconds: roundSeconds(r.seconds), heartbeats: r.heartbeats })),
    presenceChecks: checks.map((c, i) => ({
      id: c.id,
      dueAtMedia: c.dueAtMedia,
      issuedAt: c.issuedAt?.toISOString() ?? null,
      state: stateJson(states[i]!),
      wrongAnswers: c.wrongAnswers,
      heldSeconds: roundSeconds(c.heldSeconds),
    })),
    group,
  };
}

function endJson(end: SessionEnd): EvidenceSessionEnd {
  switch (end.kind) {
    case 'replaced':
      return { kind: end.kind, at: end.at.toISOString(), replacedBy: end.replacedBy };
    case 'closed':
      return { kind: end.kind, at: end.at.toISOString(), reason: end.reason };
    case 'last_heartbeat':
      return { kind: end.kind, at: end.at.toISOString() };
    case 'no_heartbeat':
      return { kind: end.kind };
  }
}

function stateJson(state: CheckState): PresenceCheckState {
  switch (state.kind) {
    case 'confirmed':
      return { kind: state.kind, confirmedAt: state.confirmedAt.toISOString() };
    case 'expired':
    case 'open':
      return { kind: state.kind, expiresAt: state.expiresAt.toISOString() };
    case 'not_reached':
      return { kind: state.kind };
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
