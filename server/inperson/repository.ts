/**
 * The only code that touches in_person_sessions, in_person_attendances and in_person_corrections
 * (server/db/schema/inperson.ts). Corrections are only ever inserted (a trigger refuses anything
 * else); a session's or an attendance's minutes and an attendance's removal are updated only
 * together with the correction row that says why, in the service's transaction.
 */
import { and, asc, desc, eq, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx, Tx } from '../db/client.ts';
import { inPersonAttendances, inPersonCorrections, inPersonSessions, organizations, users } from '../db/schema/index.ts';
import { subtreeIds } from '../organizations/repository.ts';

export interface SessionRecord {
  id: string;
  organizationId: string;
  organizationName: string;
  title: string;
  heldOn: string;
  place: string;
  minutes: number;
  createdBy: { id: string; name: string } | null;
  createdAt: Date;
  /** attendances not removed */
  attendees: number;
}

export interface AttendanceRecord {
  id: string;
  sessionId: string;
  user: { id: string; name: string; licenseNo: string | null; firm: string };
  /** the attendance's own minutes; null = the session's */
  ownMinutes: number | null;
  /** what it credits: 0 once removed */
  minutes: number;
  source: 'form' | 'sheet';
  recordedBy: { id: string; name: string } | null;
  recordedAt: Date;
  removedAt: Date | null;
  removedBy: { id: string; name: string } | null;
}

export type CorrectionKind = 'session_minutes' | 'attendance_minutes' | 'attendance_removed';

export interface CorrectionRecord {
  id: string;
  sessionId: string;
  attendanceId: string | null;
  /** whose attendance (for an attendance's correction) */
  lawyer: { id: string; name: string } | null;
  kind: CorrectionKind;
  minutesBefore: number;
  minutesAfter: number | null;
  reason: string;
  correctedBy: { id: string; name: string } | null;
  correctedAt: Date;
}

export interface Candidate {
  id: string;
  login: string;
  licenseNo: string | null;
  name: string;
  organizationId: string;
  firm: string;
  disabled: boolean;
}

const person = (id: string | null, name: string | null) => (id === null ? null : { id, name: name ?? '' });

export class InPersonRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Runs `work` in one transaction; the change's correction and audit entry use the same `tx`. */
  async transaction<T>(work: (repo: InPersonRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new InPersonRepository(tx), tx));
  }

  async insertSession(s: { organizationId: string; title: string; heldOn: string; place: string; minutes: number; createdBy: string }): Promise<string> {
    const [row] = await this.db.insert(inPersonSessions).values(s).returning({ id: inPersonSessions.id });
    return row!.id;
  }

  /** The session; `lock` takes its row for the rest of the transaction (a correction of it). */
  async findSession(id: string, lock = false): Promise<SessionRecord | undefined> {
    if (lock) await this.db.select({ id: inPersonSessions.id }).from(inPersonSessions).where(eq(inPersonSessions.id, id)).for('update');
    return (await this.selectSessions(eq(inPersonSessions.id, id)))[0];
  }

  /** Sessions owned inside the organization's subtree held on [from, to) (Beijing dates), newest first. */
  listSessions(rootId: string, from: string, to: string): Promise<SessionRecord[]> {
    return this.selectSessions(and(sql`${inPersonSessions.organizationId} IN (${subtreeIds([rootId])})`, gte(inPersonSessions.heldOn, from), lt(inPersonSessions.heldOn, to)));
  }

  private async selectSessions(where: ReturnType<typeof and>): Promise<SessionRecord[]> {
    const creator = alias(users, 'creator');
    const rows = await this.db
      .select({
        id: inPersonSessions.id,
        organizationId: inPersonSessions.organizationId,
        organizationName: organizations.name,
        title: inPersonSessions.title,
        heldOn: inPersonSessions.heldOn,
        place: inPersonSessions.place,
        minutes: inPersonSessions.minutes,
        createdById: inPersonSessions.createdBy,
        createdByName: creator.name,
        createdAt: inPersonSessions.createdAt,
        attendees: sql<string | number>`(SELECT count(*) FROM in_person_attendances a WHERE a.session_id = ${inPersonSessions.id} AND a.removed_at IS NULL)`,
      })
      .from(inPersonSessions)
      .innerJoin(organizations, eq(organizations.id, inPersonSessions.organizationId))
      .leftJoin(creator, eq(creator.id, inPersonSessions.createdBy))
      .where(where)
      .orderBy(desc(inPersonSessions.heldOn), asc(inPersonSessions.title), asc(inPersonSessions.id));
    return rows.map(({ createdById, createdByName, attendees, ...r }) => ({ ...r, createdBy: person(createdById, createdByName), attendees: Number(attendees) }));
  }

  /** Every attendance of the session, removed ones too, by name. */
  attendances(sessionId: string): Promise<AttendanceRecord[]> {
    return this.selectAttendances(eq(inPersonAttendances.sessionId, sessionId));
  }

  async findAttendance(id: string, lock = false): Promise<AttendanceRecord | undefined> {
    if (lock) await this.db.select({ id: inPersonAttendances.id }).from(inPersonAttendances).where(eq(inPersonAttendances.id, id)).for('update');
    return (await this.selectAttendances(eq(inPersonAttendances.id, id)))[0];
  }

  /** A lawyer's attendances (removed ones too) of sessions held on [from, to), with their sessions. */
  async ofLawyer(userId: string, from: string, to: string): Promise<{ session: SessionRecord; attendance: AttendanceRecord }[]> {
    const attendances = await this.selectAttendances(
      and(eq(inPersonAttendances.userId, userId), sql`${inPersonAttendances.sessionId} IN (SELECT id FROM in_person_sessions WHERE held_on >= ${from}::date AND held_on < ${to}::date)`),
    );
    if (attendances.length === 0) return [];
    const sessions = new Map((await this.selectSessions(inArray(inPersonSessions.id, [...new Set(attendances.map((a) => a.sessionId))]))).map((s) => [s.id, s]));
    return attendances.map((a) => ({ session: sessions.get(a.sessionId)!, attendance: a })).sort((x, y) => x.session.heldOn.localeCompare(y.session.heldOn) || x.attendance.recordedAt.getTime() - y.attendance.recordedAt.getTime());
  }

  private async selectAttendances(where: ReturnType<typeof and>): Promise<AttendanceRecord[]> {
    const lawyer = alias(users, 'lawyer');
    const recorder = alias(users, 'recorder');
    const remover = alias(users, 'remover');
    const rows = await this.db
      .select({
        id: inPersonAttendances.id,
        sessionId: inPersonAttendances.sessionId,
        userId: lawyer.id,
        userName: lawyer.name,
        licenseNo: lawyer.licenseNo,
        firm: organizations.name,
        ownMinutes: inPersonAttendances.minutes,
        sessionMinutes: inPersonSessions.minutes,
        source: inPersonAttendances.source,
        recordedById: inPersonAttendances.recordedBy,
        recordedByName: recorder.name,
        recordedAt: inPersonAttendances.recordedAt,
        removedAt: inPersonAttendances.removedAt,
        removedById: inPersonAttendances.removedBy,
        removedByName: remover.name,
      })
      .from(inPersonAttendances)
      .innerJoin(inPersonSessions, eq(inPersonSessions.id, inPersonAttendances.sessionId))
      .innerJoin(lawyer, eq(lawyer.id, inPersonAttendances.userId))
      .innerJoin(organizations, eq(organizations.id, lawyer.organizationId))
      .leftJoin(recorder, eq(recorder.id, inPersonAttendances.recordedBy))
      .leftJoin(remover, eq(remover.id, inPersonAttendances.removedBy))
      .where(where)
      .orderBy(asc(lawyer.name), asc(lawyer.licenseNo), asc(inPersonAttendances.recordedAt));
    return rows.map((r) => ({
      id: r.id,
      sessionId: r.sessionId,
      user: { id: r.userId, name: r.userName, licenseNo: r.licenseNo, firm: r.firm },
      ownMinutes: r.ownMinutes,
      minutes: r.removedAt ? 0 : (r.ownMinutes ?? r.sessionMinutes),
      source: r.source as 'form' | 'sheet',
      recordedBy: person(r.recordedById, r.recordedByName),
      recordedAt: r.recordedAt,
      removedAt: r.removedAt,
      removedBy: person(r.removedById, r.removedByName),
    }));
  }

  async corrections(sessionIds: readonly string[]): Promise<CorrectionRecord[]> {
    if (sessionIds.length === 0) return [];
    const corrector = alias(users, 'corrector');
    const lawyer = alias(users, 'lawyer');
    const rows = await this.db
      .select({
        id: inPersonCorrections.id,
        sessionId: inPersonCorrections.sessionId,
        attendanceId: inPersonCorrections.attendanceId,
        lawyerId: lawyer.id,
        lawyerName: lawyer.name,
        kind: inPersonCorrections.kind,
        minutesBefore: inPersonCorrections.minutesBefore,
        minutesAfter: inPersonCorrections.minutesAfter,
        reason: inPersonCorrections.reason,
        correctedById: inPersonCorrections.correctedBy,
        correctedByName: corrector.name,
        correctedAt: inPersonCorrections.correctedAt,
      })
      .from(inPersonCorrections)
      .leftJoin(inPersonAttendances, eq(inPersonAttendances.id, inPersonCorrections.attendanceId))
      .leftJoin(lawyer, eq(lawyer.id, inPersonAttendances.userId))
      .leftJoin(corrector, eq(corrector.id, inPersonCorrections.correctedBy))
      .where(inArray(inPersonCorrections.sessionId, [...sessionIds]))
      .orderBy(asc(inPersonCorrections.correctedAt), asc(inPersonCorrections.id));
    return rows.map((r) => ({
      id: r.id,
      sessionId: r.sessionId,
      attendanceId: r.attendanceId,
      lawyer: person(r.lawyerId, r.lawyerName),
      kind: r.kind as CorrectionKind,
      minutesBefore: r.minutesBefore,
      minutesAfter: r.minutesAfter,
      reason: r.reason,
      correctedBy: person(r.correctedById, r.correctedByName),
      correctedAt: r.correctedAt,
    }));
  }

  /** Accounts whose licence number or login is one of these. */
  async candidates(values: readonly string[]): Promise<Candidate[]> {
    if (values.length === 0) return [];
    const list = [...values];
    return this.db
      .select({ id: users.id, login: users.login, licenseNo: users.licenseNo, name: users.name, organizationId: users.organizationId, firm: organizations.name, disabled: users.disabled })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.organizationId))
      .where(or(inArray(users.licenseNo, list), inArray(users.login, list)));
  }

  /** Of these accounts, those already attending the session (not removed). */
  async attending(sessionId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db
      .select({ userId: inPersonAttendances.userId })
      .from(inPersonAttendances)
      .where(and(eq(inPersonAttendances.sessionId, sessionId), inArray(inPersonAttendances.userId, [...userIds]), isNull(inPersonAttendances.removedAt)));
    return new Set(rows.map((r) => r.userId));
  }

  /** Inserts attendances; a lawyer attending already fails the statement (the unique index). */
  async insertAttendances(rows: { sessionId: string; userId: string; source: 'form' | 'sheet'; recordedBy: string }[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      ids.push(...(await this.db.insert(inPersonAttendances).values(rows.slice(i, i + 1000)).returning({ id: inPersonAttendances.id })).map((r) => r.id));
    }
    return ids;
  }

  async setSessionMinutes(id: string, minutes: number): Promise<void> {
    await this.db.update(inPersonSessions).set({ minutes }).where(eq(inPersonSessions.id, id));
  }

  async setAttendanceMinutes(id: string, minutes: number): Promise<void> {
    await this.db.update(inPersonAttendances).set({ minutes }).where(eq(inPersonAttendances.id, id));
  }

  async markRemoved(id: string, by: string): Promise<void> {
    await this.db.update(inPersonAttendances).set({ removedAt: sql`now()`, removedBy: by }).where(and(eq(inPersonAttendances.id, id), isNull(inPersonAttendances.removedAt)));
  }

  async insertCorrection(c: { sessionId: string; attendanceId: string | null; kind: CorrectionKind; minutesBefore: number; minutesAfter: number | null; reason: string; correctedBy: string }): Promise<string> {
    const [row] = await this.db.insert(inPersonCorrections).values(c).returning({ id: inPersonCorrections.id });
    return row!.id;
  }
}
