/**
 * In-person training (现场培训, docs/programme.md): an organization records a session it held —
 * title, Beijing date, place, the minutes each attendee is credited — and who attended, one by
 * one or from the sign-in sheet (all or nothing, after a preview naming every line it cannot
 * take). The minutes of the sessions held in a training year count toward that year beside the
 * online credit (server/reports/rows.ts). Nothing is edited silently: a session's or an
 * attendance's minutes and an attendance's removal change only with a reason, kept in the
 * append-only in_person_corrections next to the original, and with an audit entry, in one
 * transaction.
 *
 * Who: administrators of the session's organization or above (AccessPolicy.assertRole, as the
 * roster and the plans). Attendees are lawyers (accounts with a licence number) of the
 * organization's subtree.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog, type AuditState } from '../audit/service.ts';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../http/errors.ts';
import type { OrganizationRow, OrganizationsRepository } from '../organizations/repository.ts';
import { creditRulesOf } from '../organizations/service.ts';
import { trainingYearOf } from '../playback/credit.ts';
import { readRosterCsv } from '../roster/validate.ts';
import { readRosterXlsx } from '../roster/xlsx.ts';
import type { AttendanceRecord, Candidate, CorrectionRecord, InPersonRepository, SessionRecord } from './repository.ts';
import type {
  InPersonAttendance,
  InPersonCorrection,
  InPersonSession,
  InPersonSessionDetail,
  InPersonSessionList,
  NewInPersonSession,
  SignInSheetImport,
  SignInSheetPreview,
} from './schemas.ts';
import { readSignInSheet, type SheetProblem } from './sign-in.ts';


/** A sign-in sheet as it arrived: CSV text, or the bytes of an XLSX workbook. */
export type SheetSource = { format: 'csv'; text: string } | { format: 'xlsx'; bytes: Buffer };

export class SheetError extends HttpError {
  constructor(readonly problems: SheetProblem[]) {
    super(400, 'sign_in_sheet_invalid', `The sign-in sheet has ${problems.length} problem(s); no attendance was recorded. First: row ${problems[0]?.row}: ${problems[0]?.message}`);
  }
}

const NOT_ADMINISTERED = 'You are not an administrator of this organization';

/** [from, to) of a training year as Beijing dates (YYYY-MM-DD), as session dates are kept. */
export function trainingYearDates(year: number, startMonth: number): { from: string; to: string } {
  const month = String(startMonth).padStart(2, '0');
  return { from: `${year}-${month}-01`, to: `${year + 1}-${month}-01` };
}

/** A real calendar date written YYYY-MM-DD. */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

export class InPersonService {
  constructor(
    private readonly repo: InPersonRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createSession(user: SessionUser, organizationId: string, input: NewInPersonSession, ip: string): Promise<InPersonSession> {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const title = input.title.trim();
    const place = input.place.trim();
    if (!title) throw badRequest('invalid_title', 'The session needs a title.');
    if (!place) throw badRequest('invalid_place', 'The session needs a place.');
    // training years run 2000–2100 (the report's and the requirement's range)
    if (!isCalendarDate(input.heldOn) || input.heldOn < '2000-01-01' || input.heldOn > '2100-12-31') throw badRequest('invalid_date', `${input.heldOn} is not a date (YYYY-MM-DD) between 2000 and 2100.`);
    if (chain.some((o) => o.closedAt != null)) throw badRequest('organization_closed', 'The organization is closed.');
    const session = await this.repo.transaction(async (repo, tx) => {
      const id = await repo.insertSession({ organizationId, title, heldOn: input.heldOn, place, minutes: input.minutes, createdBy: user.id });
      const created = (await repo.findSession(id))!;
      await AuditLog.record(tx, { actor: user, action: 'in_person.session_created', organizationId, targetType: 'in_person_session', targetId: id, before: null, after: sessionState(created), ip });
      return created;
    });
    return sessionView(session, creditRulesOf(chain).minutesPerClassHour);
  }

  /** Sessions held in the training year by the organization or inside its subtree. */
  async listSessions(user: SessionUser, organizationId: string, requestedYear?: number): Promise<InPersonSessionList> {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const { minutesPerClassHour, trainingYearStartMonth } = creditRulesOf(chain);
    const year = requestedYear ?? trainingYearOf(this.now(), trainingYearStartMonth);
    const { from, to } = trainingYearDates(year, trainingYearStartMonth);
    const sessions = await this.repo.listSessions(organizationId, from, to);
    return { year, from, to, minutesPerClassHour, items: sessions.map((s) => sessionView(s, minutesPerClassHour)) };
  }

  /** One session with every attendance (removed ones too) and every correction. */
  async session(user: SessionUser, sessionId: string): Promise<InPersonSessionDetail> {
    const { session, chain } = await this.administeredSession(user, sessionId);
    const [attendances, corrections] = await Promise.all([this.repo.attendances(sessionId), this.repo.corrections([sessionId])]);
    return {
      ...sessionView(session, creditRulesOf(chain).minutesPerClassHour),
      attendances: attendances.map(attendanceView),
      corrections: corrections.map(correctionView),
    };
  }

  /** One lawyer, named by licence number or login. */
  async addAttendee(user: SessionUser, sessionId: string, lawyer: string, ip: string): Promise<InPersonAttendance> {
    const { session } = await this.administeredSession(user, sessionId);
    const key = lawyer.trim();
    const inside = await this.subtreeIds(session.organizationId);
    const candidates = await this.repo.candidates([key]);
    const found = candidates.find((c) => c.licenseNo === key) ?? candidates.find((c) => c.login === key);
    if (!found) throw badRequest('lawyer_unknown', `No lawyer has the licence number or login ${key}.`);
    if (found.licenseNo === null) throw badRequest('not_a_lawyer', `${key} is not a lawyer's account (it has no licence number).`);
    if (!inside.has(found.organizationId)) throw badRequest('lawyer_outside_organization', `${found.name} (${found.licenseNo}) is not a lawyer of ${session.organizationName} or the organizations below it.`);
    const attendance = await this.repo
      .transaction(async (repo, tx) => {
        const [id] = await repo.insertAttendances([{ sessionId, userId: found.id, source: 'form', recordedBy: user.id }]);
        await AuditLog.record(tx, {
          actor: user,
          action: 'in_person.attendance_added',
          organizationId: session.organizationId,
          targetType: 'in_person_session',
          targetId: sessionId,
          before: null,
          after: { attendanceId: id!, userId: found.id, licenseNo: found.licenseNo, source: 'form' },
          ip,
        });
        return (await repo.findAttendance(id!))!;
      })
      .catch(rethrowDuplicate(`${found.name} (${found.licenseNo}) already attends this session.`));
    return attendanceView(attendance);
  }

  /** What an import of the sheet would record and every line it cannot take; stores nothing. */
  async previewSheet(user: SessionUser, sessionId: string, source: SheetSource): Promise<SignInSheetPreview> {
    const { session } = await this.administeredSession(user, sessionId);
    return this.examine(session, source);
  }

  /** Records every lawyer of the sheet, or none: any problem is a 400 naming every bad line. */
  async importSheet(user: SessionUser, sessionId: string, source: SheetSource, ip: string): Promise<SignInSheetImport> {
    const { session } = await this.administeredSession(user, sessionId);
    const preview = await this.examine(session, source);
    if (preview.problems.length > 0) throw new SheetError(preview.problems);
    const added = await this.repo
      .transaction(async (repo, tx) => {
        const ids = await repo.insertAttendances(preview.matched.map((m) => ({ sessionId, userId: m.userId, source: 'sheet' as const, recordedBy: user.id })));
        // One entry for the sheet (a hall of hundreds must not drown the log), naming who.
        await AuditLog.record(tx, {
          actor: user,
          action: 'in_person.sheet_imported',
          organizationId: session.organizationId,
          targetType: 'in_person_session',
          targetId: sessionId,
          before: null,
          after: { format: source.format, added: ids.length, licenseNos: preview.matched.map((m) => m.licenseNo) },
          ip,
        });
        return ids.length;
      })
      .catch(rethrowDuplicate('Some of these lawyers were recorded for this session by someone else at the same moment; nothing from this sheet was recorded. Preview it again.'));
    return { added, session: { id: session.id, attendees: session.attendees + added } };
  }

  /** Changes the session's minutes (for every attendance without minutes of its own), with a reason. */
  async correctSession(user: SessionUser, sessionId: string, minutes: number, reason: string, ip: string): Promise<InPersonSessionDetail> {
    const why = requiredReason(reason);
    await this.administeredSession(user, sessionId);
    await this.repo.transaction(async (repo, tx) => {
      const session = (await repo.findSession(sessionId, true))!;
      if (session.minutes === minutes) throw badRequest('correction_unchanged', `The session already credits ${minutes} minutes.`);
      await repo.setSessionMinutes(sessionId, minutes);
      const correctionId = await repo.insertCorrection({ sessionId, attendanceId: null, kind: 'session_minutes', minutesBefore: session.minutes, minutesAfter: minutes, reason: why, correctedBy: user.id });
      await AuditLog.record(tx, {
        actor: user,
        action: 'in_person.session_minutes_corrected',
        organizationId: session.organizationId,
        targetType: 'in_person_session',
        targetId: sessionId,
        before: { minutes: session.minutes },
        after: { minutes, reason: why, correctionId },
        ip,
      });
    });
    return this.session(user, sessionId);
  }

  /** Changes one attendance's minutes, with a reason. */
  async correctAttendance(user: SessionUser, attendanceId: string, minutes: number, reason: string, ip: string): Promise<InPersonSessionDetail> {
    const why = requiredReason(reason);
    const sessionId = await this.administeredAttendance(user, attendanceId);
    await this.repo.transaction(async (repo, tx) => {
      const a = (await repo.findAttendance(attendanceId, true))!;
      if (a.removedAt) throw conflict('attendance_removed', 'This attendance was removed; it can no longer be corrected.');
      if (a.minutes === minutes) throw badRequest('correction_unchanged', `This attendance already credits ${minutes} minutes.`);
      await repo.setAttendanceMinutes(attendanceId, minutes);
      const correctionId = await repo.insertCorrection({ sessionId, attendanceId, kind: 'attendance_minutes', minutesBefore: a.minutes, minutesAfter: minutes, reason: why, correctedBy: user.id });
      await this.auditAttendance(repo, tx, user, 'in_person.attendance_minutes_corrected', sessionId, a, { minutes: a.minutes }, { minutes, reason: why, correctionId }, ip);
    });
    return this.session(user, sessionId);
  }

  /** Removes an attendance, with a reason: the row stays, marked removed, and credits nothing. */
  async removeAttendance(user: SessionUser, attendanceId: string, reason: string, ip: string): Promise<InPersonSessionDetail> {
    const why = requiredReason(reason);
    const sessionId = await this.administeredAttendance(user, attendanceId);
    await this.repo.transaction(async (repo, tx) => {
      const a = (await repo.findAttendance(attendanceId, true))!;
      if (a.removedAt) throw conflict('attendance_removed', 'This attendance was removed already.');
      await repo.markRemoved(attendanceId, user.id);
      const correctionId = await repo.insertCorrection({ sessionId, attendanceId, kind: 'attendance_removed', minutesBefore: a.minutes, minutesAfter: null, reason: why, correctedBy: user.id });
      await this.auditAttendance(repo, tx, user, 'in_person.attendance_removed', sessionId, a, { minutes: a.minutes, removed: false }, { minutes: 0, removed: true, reason: why, correctionId }, ip);
    });
    return this.session(user, sessionId);
  }

  private async auditAttendance(repo: InPersonRepository, tx: Parameters<typeof AuditLog.record>[0], user: SessionUser, action: 'in_person.attendance_minutes_corrected' | 'in_person.attendance_removed', sessionId: string, a: AttendanceRecord, before: AuditState, after: AuditState, ip: string) {
    const session = (await repo.findSession(sessionId))!;
    const who = { attendanceId: a.id, userId: a.user.id, licenseNo: a.user.licenseNo };
    await AuditLog.record(tx, { actor: user, action, organizationId: session.organizationId, targetType: 'in_person_session', targetId: sessionId, before: { ...who, ...before }, after: { ...who, ...after }, ip });
  }

  private async examine(session: SessionRecord, source: SheetSource): Promise<SignInSheetPreview> {
    const table = source.format === 'csv' ? readRosterCsv(source.text) : await readRosterXlsx(source.bytes);
    const base = { session: { id: session.id, title: session.title }, format: source.format };
    if ('code' in table) {
      const code = table.code === 'file_empty' ? 'file_empty' : 'file_unreadable';
      return { ...base, headerRow: 0, total: 0, matched: [], problems: [{ row: table.row, code, message: table.message }] };
    }
    const sheet = readSignInSheet(table);
    const problems = [...sheet.problems];
    const inside = await this.subtreeIds(session.organizationId);
    const byLicence = new Map<string, Candidate>();
    for (const c of await this.repo.candidates(sheet.lines.map((l) => l.licenseNo))) if (c.licenseNo) byLicence.set(c.licenseNo, c);
    const known = sheet.lines.flatMap((l) => {
      const c = byLicence.get(l.licenseNo);
      return c ? [{ line: l, candidate: c }] : [];
    });
    const attending = await this.repo.attending(session.id, known.map((k) => k.candidate.id));
    const matched: SignInSheetPreview['matched'] = [];
    for (const l of sheet.lines) {
      const c = byLicence.get(l.licenseNo);
      if (!c) problems.push({ row: l.row, code: 'license_unknown', value: l.licenseNo, message: `No lawyer is registered with licence number ${l.licenseNo}.` });
      else if (!inside.has(c.organizationId)) problems.push({ row: l.row, code: 'outside_organization', value: l.licenseNo, message: `${c.name} (${l.licenseNo}, ${c.firm}) is not a lawyer of ${session.organizationName} or the organizations below it.` });
      else if (attending.has(c.id)) problems.push({ row: l.row, code: 'already_attending', value: l.licenseNo, message: `${c.name} (${l.licenseNo}) is already recorded for this session.` });
      else matched.push({ row: l.row, licenseNo: l.licenseNo, userId: c.id, name: c.name, firm: c.firm });
    }
    problems.sort((a, b) => a.row - b.row);
    return { ...base, headerRow: sheet.headerRow, total: sheet.lines.length + sheet.problems.filter((p) => p.row > 0).length, matched, problems };
  }

  private async subtreeIds(organizationId: string): Promise<Set<string>> {
    return new Set((await this.organizations.subtree([organizationId])).map((o) => o.id));
  }

  /** The session and its organization's chain; an unknown id reads as one outside the subtree. */
  private async administeredSession(user: SessionUser, sessionId: string): Promise<{ session: SessionRecord; chain: OrganizationRow[] }> {
    const session = await this.repo.findSession(sessionId);
    if (!session) {
      if (user.roles.some((r) => r.role === 'admin')) throw notFound('The in-person session');
      throw forbidden(NOT_ADMINISTERED);
    }
    const chain = await this.access.assertRole(user, session.organizationId, 'admin');
    return { session, chain };
  }

  private async administeredAttendance(user: SessionUser, attendanceId: string): Promise<string> {
    const a = await this.repo.findAttendance(attendanceId);
    if (!a) {
      if (user.roles.some((r) => r.role === 'admin')) throw notFound('The attendance');
      throw forbidden(NOT_ADMINISTERED);
    }
    await this.administeredSession(user, a.sessionId);
    return a.sessionId;
  }
}

function requiredReason(reason: string): string {
  const why = reason.trim();
  if (!why) throw badRequest('correction_reason_required', 'A correction needs a reason.');
  return why;
}

function sessionState(s: SessionRecord): AuditState {
  return { organizationId: s.organizationId, title: s.title, heldOn: s.heldOn, place: s.place, minutes: s.minutes };
}

const personJson = (p: { id: string; name: string } | null) => p;

export function sessionView(s: SessionRecord, minutesPerClassHour: number): InPersonSession {
  return {
    id: s.id,
    organization: { id: s.organizationId, name: s.organizationName },
    title: s.title,
    heldOn: s.heldOn,
    place: s.place,
    minutes: s.minutes,
    classHours: Math.round((s.minutes / minutesPerClassHour) * 100) / 100,
    minutesPerClassHour,
    attendees: s.attendees,
    createdBy: personJson(s.createdBy),
    createdAt: s.createdAt.toISOString(),
  };
}

export function attendanceView(a: AttendanceRecord): InPersonAttendance {
  return {
    id: a.id,
    lawyer: a.user,
    minutes: a.minutes,
    ownMinutes: a.ownMinutes,
    source: a.source,
    recordedBy: personJson(a.recordedBy),
    recordedAt: a.recordedAt.toISOString(),
    removedAt: a.removedAt?.toISOString() ?? null,
    removedBy: personJson(a.removedBy),
  };
}

export function correctionView(c: CorrectionRecord): InPersonCorrection {
  return {
    id: c.id,
    attendanceId: c.attendanceId,
    lawyer: c.lawyer,
    kind: c.kind,
    minutesBefore: c.minutesBefore,
    minutesAfter: c.minutesAfter,
    reason: c.reason,
    correctedBy: personJson(c.correctedBy),
    correctedAt: c.correctedAt.toISOString(),
  };
}

/** The unique index refused a second attendance of the same lawyer: a 409, never a 500. */
function rethrowDuplicate(message: string) {
  return (err: unknown): never => {
    const e = err as { code?: string; cause?: { code?: string } } | undefined;
    if (e?.code === '23505' || e?.cause?.code === '23505') throw conflict('already_attending', message);
    throw err;
  };
}
