/**
 * Training classes (培训班, docs/programme.md): an organization's programme of courses and
 * in-person sessions (server/inperson) for the lawyers it enrols — target organizations (every
 * lawyer of the subtree) and/or lawyers one by one — open from one Beijing date to another. A
 * lawyer who has done all of it by the close date gets a class certificate (serial and code of the
 * course certificates' kind, verified at /verify). A class adds no credit of its own: its courses
 * and sessions already count in the lawyer's year.
 *
 * Who: administrators of the class's organization or above it (AccessPolicy.assertRole), for
 * everything but `mine` (the lawyer's own classes) and the holder's certificate PDF.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog, type AuditState } from '../audit/service.ts';
import { formatSerial, newVerificationCode } from '../certificates/service.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { TrainingClassBody, TrainingClassList, TrainingClassUpdate } from './schemas.ts';
import { isCalendarDate } from '../inperson/service.ts';
import type { OrganizationRow, OrganizationsRepository } from '../organizations/repository.ts';
import { creditRulesOf } from '../organizations/service.ts';
import { classHours } from '../playback/credit.ts';
import { classPhase, deadlineOf, factsOfClass, progressOf, type LawyerProgress } from './progress.ts';
import type { ClassCertificateRow, ClassesRepository, ClassFields, ClassItems, ClassRecord, Lawyer } from './repository.ts';

/** what creating sends, and replacing (with the editor's `expectedUpdatedAt`): the route schemas' types */
export type ClassInput = TrainingClassBody;

export interface ReportRow extends LawyerProgress {
  lawyer: Lawyer;
  certificateSerial: string | null;
}

const NOT_ADMINISTERED = 'You are not an administrator of this organization';

export class ClassesService {
  constructor(
    private readonly repo: ClassesRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(user: SessionUser, organizationId: string, input: ClassInput, ip: string) {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    if (chain.some((o) => o.closedAt != null)) throw badRequest('organization_closed', 'The organization is closed.');
    const fields = checkedFields(input);
    const links = await this.resolveLinks(organizationId, input);
    const id = await this.repo.transaction(async (repo, tx) => {
      const classId = await repo.insertClass({ ...fields, organizationId, createdBy: user.id });
      await repo.setItems(classId, links);
      await AuditLog.record(tx, { actor: user, action: 'training_class.created', organizationId, targetType: 'training_class', targetId: classId, before: null, after: state(fields, await repo.items(classId)), ip });
      return classId;
    });
    return this.detail(user, id);
  }

  /**
   * Replaces the class's fields and lists (the form sends the whole class). Saving the class as
   * it is changes nothing and writes no audit entry (an entry says what changed).
   */
  async update(user: SessionUser, classId: string, input: TrainingClassUpdate, ip: string) {
    const { record } = await this.administered(user, classId);
    const fields = checkedFields(input);
    const links = await this.resolveLinks(record.organizationId, input);
    await this.repo.transaction(async (repo, tx) => {
      const before = (await repo.findClass(classId, true))!;
      const beforeItems = await repo.items(classId);
      if (unchanged(before, beforeItems, fields, links)) return;
      // Two administrators editing one class: the second save would silently undo the first.
      // The editor sends the `updatedAt` it loaded; a class saved since is refused, not overwritten.
      if (input.expectedUpdatedAt !== undefined && Date.parse(input.expectedUpdatedAt) !== before.updatedAt.getTime()) {
        throw conflict('class_changed', `The class was saved by someone else at ${before.updatedAt.toISOString()}, after this editor loaded it; nothing was saved. Open it again and redo the change.`);
      }
      await repo.updateClass(classId, fields);
      await repo.setItems(classId, links);
      await AuditLog.record(tx, {
        actor: user,
        action: 'training_class.updated',
        organizationId: record.organizationId,
        targetType: 'training_class',
        targetId: classId,
        before: state(before, beforeItems),
        after: state(fields, await repo.items(classId)),
        ip,
      });
    });
    return this.detail(user, classId);
  }

  /** Classes owned by the organization or inside its subtree, with their counts. */
  async list(user: SessionUser, organizationId: string): Promise<TrainingClassList> {
    await this.access.assertRole(user, organizationId, 'admin');
    // two statements whatever the number of classes: the classes, then all their counts
    const records = await this.repo.listClasses(organizationId);
    const counts = await this.repo.counts(records.map((r) => r.id));
    const now = this.now();
    return { items: records.map((r) => ({ ...classView(r, now), ...(counts.get(r.id) ?? { courses: 0, sessions: 0, enrolled: 0 }) })) };
  }

  async detail(user: SessionUser, classId: string) {
    const { record } = await this.administered(user, classId);
    const [items, counts] = await Promise.all([this.repo.items(classId), this.repo.counts([classId])]);
    return { ...classView(record, this.now()), ...items, enrolled: counts.get(classId)?.enrolled ?? 0 };
  }

  /** Enrolled, started, completed and minutes, per lawyer and in total; issues certificates due. */
  async report(user: SessionUser, classId: string) {
    const { record, chain } = await this.administered(user, classId);
    const items = await this.repo.items(classId);
    const lawyers = await this.repo.enrolled(classId);
    const facts = await this.repo.facts(classId, lawyers.map((l) => l.id), deadlineOf(record.closesOn));
    const progress = lawyers.map((lawyer) => ({ lawyer, ...progressOf(lawyer.id, items, facts) }));
    await this.issueDue(record, progress.filter((p) => p.completed).map((p) => ({ userId: p.lawyer.id, name: p.lawyer.name, progress: p })));
    const serials = new Map((await this.repo.certificatesOfClass(classId)).map((c) => [c.userId, c.serial]));
    const rows: ReportRow[] = progress.map((p) => ({ ...p, certificateSerial: serials.get(p.lawyer.id) ?? null }));
    const { minutesPerClassHour } = creditRulesOf(chain);
    const minutes = rows.reduce((s, r) => s + r.minutes, 0);
    return {
      class: { ...classView(record, this.now()), courses: items.courses, sessions: items.sessions },
      minutesPerClassHour,
      totals: { enrolled: rows.length, started: rows.filter((r) => r.started).length, completed: rows.filter((r) => r.completed).length, minutes, classHours: classHours(minutes, minutesPerClassHour) },
      rows,
    };
  }

  /**
   * The lawyer's own classes with progress and deadline; a class done in full gets its certificate.
   * The same number of statements for one class or ten (tests/integration/training-class-list.test.ts):
   * the classes, their courses and sessions, the lawyer's facts over all of them, the certificates.
   */
  async mine(user: SessionUser) {
    const records = await this.repo.classesByIds(await this.repo.classIdsOf(user.id, user.organizationId));
    // staff accounts (no licence number) are never enrolled, even inside a target organization
    const own = records.length > 0 && (await this.repo.isLawyer(user.id)) ? records : [];
    const chain = await this.organizations.ancestors(user.organizationId);
    const { minutesPerClassHour } = creditRulesOf(chain);
    if (own.length === 0) return { minutesPerClassHour, items: [] };
    const programmes = await this.repo.programmesOf(own.map((r) => r.id));
    const all = [...programmes.values()];
    const facts = await this.repo.lawyerFacts(user.id, [...new Set(all.flatMap((p) => p.courses.map((c) => c.id)))], [...new Set(all.flatMap((p) => p.sessions.map((s) => s.id)))]);
    const progress = own.map((record) => {
      const items = programmes.get(record.id)!;
      return { record, items, p: progressOf(user.id, items, factsOfClass(facts, items, deadlineOf(record.closesOn))) };
    });
    let certificates = await this.repo.certificatesOfUser(user.id);
    const due = progress.filter(({ record, p }) => p.completed && !certificates.some((c) => c.classId === record.id));
    for (const { record, p } of due) await this.issueDue(record, [{ userId: user.id, name: user.name, progress: p }]);
    if (due.length > 0) certificates = await this.repo.certificatesOfUser(user.id);
    const items = progress.map(({ record, items, p }) => {
      const cert = p.completed ? certificates.find((c) => c.classId === record.id) : undefined;
      return {
        ...classView(record, this.now()),
        courses: items.courses.map((c) => ({ ...c, done: p.doneCourseIds.includes(c.id) })),
        sessions: items.sessions.map((s) => ({ ...s, attended: p.attendedSessionIds.includes(s.id) })),
        total: p.total,
        done: p.done,
        minutes: p.minutes,
        classHours: classHours(p.minutes, minutesPerClassHour),
        completed: p.completed,
        certificate: cert ? certificateView(cert) : null,
      };
    });
    return { minutesPerClassHour, items };
  }

  /** The holder's own class certificate (403 for anyone else's). */
  async ownCertificate(user: SessionUser, certificateId: string): Promise<ClassCertificateRow> {
    const cert = await this.repo.certificateById(certificateId);
    if (!cert) throw notFound('The certificate');
    if (cert.userId !== user.id) throw forbidden('This certificate belongs to someone else');
    return cert;
  }

  /** For the public /verify page: a class certificate by its code, or undefined. */
  certificateByCode(code: string): Promise<ClassCertificateRow | undefined> {
    return this.repo.certificateByCode(code);
  }

  private async issueDue(record: ClassRecord, due: { userId: string; name: string; progress: LawyerProgress }[]) {
    if (due.length === 0) return;
    const held = new Set((await this.repo.certificatesOfClass(record.id)).map((c) => c.userId));
    for (const d of due) {
      if (held.has(d.userId)) continue;
      const at = this.now();
      const serial = formatSerial(at, await this.repo.nextSerialNumber());
      await this.repo.insertCertificate({ serial, code: newVerificationCode(), userId: d.userId, classId: record.id, holderName: d.name, className: record.name, creditMinutes: d.progress.minutes, completedAt: d.progress.completedAt ?? at });
    }
  }

  /** Checks every course, session, organization and lawyer against the class's organization. */
  private async resolveLinks(organizationId: string, input: ClassInput) {
    const inside = new Set((await this.organizations.subtree([organizationId])).map((o) => o.id));
    const courseIds = [...new Set(input.courseIds)];
    const found = await this.repo.coursesByIds(courseIds);
    for (const id of courseIds) {
      const c = found.find((f) => f.id === id);
      if (!c) throw badRequest('course_unknown', `No course has the id ${id}.`);
      if (c.status !== 'published') throw badRequest('class_course_not_published', `《${c.title}》 is not published; a class holds published courses only.`);
    }
    const sessionIds = [...new Set(input.sessionIds)];
    const sessions = await this.repo.sessionsByIds(sessionIds);
    for (const id of sessionIds) {
      const s = sessions.find((f) => f.id === id);
      if (!s) throw badRequest('session_unknown', `No in-person session has the id ${id}.`);
      if (!inside.has(s.organizationId)) throw badRequest('session_outside_organization', `The in-person session ${s.title} was not held by this organization or one below it.`);
    }
    const organizationIds = [...new Set(input.organizationIds)];
    for (const id of organizationIds) if (!inside.has(id)) throw badRequest('class_target_outside_organization', `The organization ${id} is not this organization or one below it.`);
    const licences = [...new Set(input.lawyers.map((l) => l.trim()).filter(Boolean))];
    const accounts = await this.repo.lawyersByLicence(licences);
    const userIds: string[] = [];
    for (const licence of licences) {
      const a = accounts.find((f) => f.licenseNo === licence);
      if (!a) throw badRequest('lawyer_unknown', `No lawyer has the licence number or login ${licence}.`);
      if (!inside.has(a.organizationId)) throw badRequest('lawyer_outside_organization', `${a.name} (${licence}) is not a lawyer of this organization or the organizations below it.`);
      userIds.push(a.id);
    }
    return { courseIds, sessionIds, organizationIds, userIds };
  }

  private async administered(user: SessionUser, classId: string): Promise<{ record: ClassRecord; chain: OrganizationRow[] }> {
    const record = await this.repo.findClass(classId);
    if (!record) {
      if (user.roles.some((r) => r.role === 'admin')) throw notFound('The training class');
      throw forbidden(NOT_ADMINISTERED);
    }
    const chain = await this.access.assertRole(user, record.organizationId, 'admin');
    return { record, chain };
  }
}

function checkedFields(input: ClassInput): ClassFields {
  const name = input.name.trim();
  const organizer = input.organizer.trim();
  if (!name) throw badRequest('invalid_name', 'The class needs a name.');
  if (!organizer) throw badRequest('invalid_organizer', 'The class needs an organizer.');
  for (const d of [input.opensOn, input.closesOn]) {
    if (!isCalendarDate(d) || d < '2000-01-01' || d > '2100-12-31') throw badRequest('invalid_date', `${d} is not a date (YYYY-MM-DD) between 2000 and 2100.`);
  }
  if (input.opensOn > input.closesOn) throw badRequest('class_dates_reversed', `The class closes (${input.closesOn}) before it opens (${input.opensOn}).`);
  return { name, organizer, kind: input.kind, opensOn: input.opensOn, closesOn: input.closesOn };
}

/** The same fields, the same courses in the same order, the same sessions, targets and lawyers. */
function unchanged(before: ClassFields, items: ClassItems, fields: ClassFields, links: { courseIds: string[]; sessionIds: string[]; organizationIds: string[]; userIds: string[] }): boolean {
  const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length;
  return (
    (['name', 'organizer', 'kind', 'opensOn', 'closesOn'] as const).every((k) => before[k] === fields[k]) &&
    items.courses.map((c) => c.id).join() === links.courseIds.join() &&
    sameSet(items.sessions.map((s) => s.id), links.sessionIds) &&
    sameSet(items.organizations.map((o) => o.id), links.organizationIds) &&
    sameSet(items.lawyers.map((l) => l.id), links.userIds)
  );
}

function state(fields: ClassFields, items: ClassItems): AuditState {
  return {
    name: fields.name,
    organizer: fields.organizer,
    kind: fields.kind,
    opensOn: fields.opensOn,
    closesOn: fields.closesOn,
    courseIds: items.courses.map((c) => c.id),
    sessionIds: items.sessions.map((s) => s.id),
    organizationIds: items.organizations.map((o) => o.id),
    licenseNos: items.lawyers.map((l) => l.licenseNo),
    // what the ids name, for the audit log panel (which then leaves the ids out)
    courseTitles: items.courses.map((c) => c.title),
    sessionTitles: items.sessions.map((s) => `${s.title} ${s.heldOn}`),
    organizationNames: items.organizations.map((o) => o.name),
  };
}

export function classView(r: ClassRecord, now: Date) {
  return {
    id: r.id,
    organization: { id: r.organizationId, name: r.organizationName },
    name: r.name,
    organizer: r.organizer,
    kind: r.kind,
    opensOn: r.opensOn,
    closesOn: r.closesOn,
    phase: classPhase(r.opensOn, r.closesOn, now),
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function certificateView(c: ClassCertificateRow) {
  return { id: c.id, serial: c.serial, code: c.code, issuedAt: c.issuedAt.toISOString(), pdfUrl: `/api/me/class-certificates/${c.id}/pdf` };
}
