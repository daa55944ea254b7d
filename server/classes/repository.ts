/**
 * The only code that touches training_classes, its four link tables and class_certificates
 * (server/db/schema/classes.ts). Reads of progress join the existing facts: course_completions,
 * lecture_progress and in_person_attendances — a class adds no credit of its own.
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx, Tx } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import {
  classCertificates,
  courseCompletions,
  courses,
  inPersonAttendances,
  inPersonSessions,
  lectureProgress,
  lectures,
  organizations,
  trainingClassCourses,
  trainingClasses,
  trainingClassLawyers,
  trainingClassOrganizations,
  trainingClassSessions,
  users,
} from '../db/schema/index.ts';
import { subtreeIds } from '../organizations/repository.ts';

export const CLASS_KINDS = ['demonstration', 'provincial', 'firm_directors', 'other'] as const;
export type ClassKind = (typeof CLASS_KINDS)[number];

export interface ClassRecord {
  id: string;
  organizationId: string;
  organizationName: string;
  name: string;
  organizer: string;
  kind: ClassKind;
  opensOn: string;
  closesOn: string;
  createdBy: { id: string; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ClassFields {
  name: string;
  organizer: string;
  kind: ClassKind;
  opensOn: string;
  closesOn: string;
}

export interface ClassItems {
  courses: { id: string; title: string }[];
  sessions: { id: string; title: string; heldOn: string; minutes: number }[];
  organizations: { id: string; name: string }[];
  lawyers: { id: string; name: string; licenseNo: string; firm: string }[];
}

/** What the class list shows of each class. */
export interface ClassCounts {
  courses: number;
  sessions: number;
  /** as `enrolled()`: accounts with a licence number, not disabled, one by one or in a target subtree, each once */
  enrolled: number;
}

export interface Lawyer {
  id: string;
  name: string;
  licenseNo: string;
  firm: string;
}

export interface ClassFacts {
  /** class courses completed before the deadline: user → course → (when, minutes) */
  completions: { userId: string; courseId: string; completedAt: Date; creditMinutes: number }[];
  /** attendances not removed of the class's sessions */
  attendances: { userId: string; sessionId: string; minutes: number; heldOn: string }[];
  /** lawyers with any watching of a class course's lectures */
  watched: Set<string>;
}

/** One lawyer's facts over the courses and sessions of all their classes, before any deadline. */
export interface LawyerFacts {
  userId: string;
  completions: ClassFacts['completions'];
  attendances: ClassFacts['attendances'];
  /** courses with any watching of their lectures */
  watchedCourseIds: Set<string>;
}

export interface ClassCertificateRow {
  id: string;
  serial: string;
  code: string;
  userId: string;
  classId: string;
  holderName: string;
  className: string;
  creditMinutes: number;
  completedAt: Date;
  issuedAt: Date;
  licenseNo: string | null;
  organizationId: string;
  /** the class's organization: its association issues the certificate */
  classOrganizationId: string;
}

const person = (id: string | null, name: string | null) => (id === null ? null : { id, name: name ?? '' });

export class ClassesRepository {
  constructor(private readonly db: DbOrTx) {}

  async transaction<T>(work: (repo: ClassesRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new ClassesRepository(tx), tx));
  }

  async insertClass(values: ClassFields & { organizationId: string; createdBy: string }): Promise<string> {
    const [row] = await this.db.insert(trainingClasses).values(values).returning({ id: trainingClasses.id });
    return row!.id;
  }

  async updateClass(id: string, values: ClassFields): Promise<void> {
    await this.db.update(trainingClasses).set({ ...values, updatedAt: sql`now()` }).where(eq(trainingClasses.id, id));
  }

  async findClass(id: string, lock = false): Promise<ClassRecord | undefined> {
    if (lock) await this.db.select({ id: trainingClasses.id }).from(trainingClasses).where(eq(trainingClasses.id, id)).for('update');
    return (await this.selectClasses(eq(trainingClasses.id, id)))[0];
  }

  /** Classes owned inside the organization's subtree, latest close date first. */
  listClasses(rootId: string): Promise<ClassRecord[]> {
    return this.selectClasses(sql`${trainingClasses.organizationId} IN (${subtreeIds([rootId])})`);
  }

  /** The classes a lawyer is enrolled in: one by one, or through a target organization above their firm. */
  async classIdsOf(userId: string, organizationId: string): Promise<string[]> {
    const rows = await this.db
      .select({ id: trainingClasses.id })
      .from(trainingClasses)
      .where(
        sql`${trainingClasses.id} IN (SELECT class_id FROM training_class_lawyers WHERE user_id = ${userId})
          OR ${trainingClasses.id} IN (
            SELECT class_id FROM training_class_organizations WHERE organization_id IN (
              WITH RECURSIVE up(id, parent_id) AS (
                SELECT id, parent_id FROM organizations WHERE id = ${organizationId}
                UNION SELECT o.id, o.parent_id FROM organizations o JOIN up ON o.id = up.parent_id
              ) SELECT id FROM up))`,
      );
    return rows.map((r) => r.id);
  }

  /** An account with a licence number, not disabled. */
  async isLawyer(userId: string): Promise<boolean> {
    const rows = await this.db.select({ id: users.id }).from(users).where(and(eq(users.id, userId), isNotNull(users.licenseNo), eq(users.disabled, false)));
    return rows.length > 0;
  }

  async classesByIds(ids: readonly string[]): Promise<ClassRecord[]> {
    if (ids.length === 0) return [];
    return this.selectClasses(inArray(trainingClasses.id, [...ids]));
  }

  private async selectClasses(where: ReturnType<typeof and>): Promise<ClassRecord[]> {
    const creator = alias(users, 'creator');
    const rows = await this.db
      .select({
        id: trainingClasses.id,
        organizationId: trainingClasses.organizationId,
        organizationName: organizations.name,
        name: trainingClasses.name,
        organizer: trainingClasses.organizer,
        kind: trainingClasses.kind,
        opensOn: trainingClasses.opensOn,
        closesOn: trainingClasses.closesOn,
        createdById: trainingClasses.createdBy,
        createdByName: creator.name,
        createdAt: trainingClasses.createdAt,
        updatedAt: trainingClasses.updatedAt,
      })
      .from(trainingClasses)
      .innerJoin(organizations, eq(organizations.id, trainingClasses.organizationId))
      .leftJoin(creator, eq(creator.id, trainingClasses.createdBy))
      .where(where)
      .orderBy(desc(trainingClasses.closesOn), asc(trainingClasses.name), asc(trainingClasses.id));
    return rows.map(({ createdById, createdByName, kind, ...r }) => ({ ...r, kind: kind as ClassKind, createdBy: person(createdById, createdByName) }));
  }

  async items(classId: string): Promise<ClassItems> {
    const [programme, orgRows, lawyerRows] = await Promise.all([
      this.programmesOf([classId]),
      this.db
        .select({ id: organizations.id, name: organizations.name })
        .from(trainingClassOrganizations)
        .innerJoin(organizations, eq(organizations.id, trainingClassOrganizations.organizationId))
        .where(eq(trainingClassOrganizations.classId, classId))
        .orderBy(asc(organizations.name)),
      this.db
        .select({ id: users.id, name: users.name, licenseNo: users.licenseNo, firm: organizations.name })
        .from(trainingClassLawyers)
        .innerJoin(users, eq(users.id, trainingClassLawyers.userId))
        .innerJoin(organizations, eq(organizations.id, users.organizationId))
        .where(eq(trainingClassLawyers.classId, classId))
        .orderBy(asc(users.name), asc(users.licenseNo)),
    ]);
    return { ...programme.get(classId)!, organizations: orgRows, lawyers: lawyerRows.map((l) => ({ ...l, licenseNo: l.licenseNo ?? '' })) };
  }

  /** The courses (in order) and in-person sessions (by date) of these classes: two statements for any number. */
  async programmesOf(classIds: readonly string[]): Promise<Map<string, Pick<ClassItems, 'courses' | 'sessions'>>> {
    const programmes = new Map<string, Pick<ClassItems, 'courses' | 'sessions'>>(classIds.map((id) => [id, { courses: [], sessions: [] }]));
    if (classIds.length === 0) return programmes;
    const ids = [...classIds];
    const [courseRows, sessionRows] = await Promise.all([
      this.db
        .select({ classId: trainingClassCourses.classId, id: courses.id, title: courses.title })
        .from(trainingClassCourses)
        .innerJoin(courses, eq(courses.id, trainingClassCourses.courseId))
        .where(inArray(trainingClassCourses.classId, ids))
        .orderBy(asc(trainingClassCourses.position)),
      this.db
        .select({ classId: trainingClassSessions.classId, id: inPersonSessions.id, title: inPersonSessions.title, heldOn: inPersonSessions.heldOn, minutes: inPersonSessions.minutes })
        .from(trainingClassSessions)
        .innerJoin(inPersonSessions, eq(inPersonSessions.id, trainingClassSessions.sessionId))
        .where(inArray(trainingClassSessions.classId, ids))
        .orderBy(asc(inPersonSessions.heldOn), asc(inPersonSessions.title)),
    ]);
    for (const { classId, ...course } of courseRows) programmes.get(classId)!.courses.push(course);
    for (const { classId, ...session } of sessionRows) programmes.get(classId)!.sessions.push(session);
    return programmes;
  }

  /** Replaces the class's courses, sessions, target organizations and lawyers. */
  async setItems(classId: string, items: { courseIds: string[]; sessionIds: string[]; organizationIds: string[]; userIds: string[] }): Promise<void> {
    await this.db.delete(trainingClassCourses).where(eq(trainingClassCourses.classId, classId));
    await this.db.delete(trainingClassSessions).where(eq(trainingClassSessions.classId, classId));
    await this.db.delete(trainingClassOrganizations).where(eq(trainingClassOrganizations.classId, classId));
    await this.db.delete(trainingClassLawyers).where(eq(trainingClassLawyers.classId, classId));
    if (items.courseIds.length) await this.db.insert(trainingClassCourses).values(items.courseIds.map((courseId, position) => ({ classId, courseId, position })));
    if (items.sessionIds.length) await this.db.insert(trainingClassSessions).values(items.sessionIds.map((sessionId) => ({ classId, sessionId })));
    if (items.organizationIds.length) await this.db.insert(trainingClassOrganizations).values(items.organizationIds.map((organizationId) => ({ classId, organizationId })));
    for (let i = 0; i < items.userIds.length; i += 1000) await this.db.insert(trainingClassLawyers).values(items.userIds.slice(i, i + 1000).map((userId) => ({ classId, userId })));
  }

  /** Courses by id, with their organization and status (what a class may hold is the service's rule). */
  coursesByIds(ids: readonly string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.select({ id: courses.id, title: courses.title, organizationId: courses.organizationId, status: courses.status }).from(courses).where(inArray(courses.id, [...ids]));
  }

  sessionsByIds(ids: readonly string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.select({ id: inPersonSessions.id, title: inPersonSessions.title, organizationId: inPersonSessions.organizationId }).from(inPersonSessions).where(inArray(inPersonSessions.id, [...ids]));
  }

  /** Accounts with these licence numbers. */
  lawyersByLicence(licenceNos: readonly string[]) {
    if (licenceNos.length === 0) return Promise.resolve([]);
    return this.db
      .select({ id: users.id, name: users.name, licenseNo: users.licenseNo, organizationId: users.organizationId })
      .from(users)
      .where(inArray(users.licenseNo, [...licenceNos]));
  }

  /**
   * The counts of these classes in one statement, whatever their number (the class list: no
   * statement per class). Target subtrees are walked for all the classes at once; a lawyer enrolled
   * both ways, or under two overlapping targets, counts once. A class of no id given is not in
   * the map; one with nothing has zeros.
   */
  async counts(classIds: readonly string[]): Promise<Map<string, ClassCounts>> {
    if (classIds.length === 0) return new Map();
    const rows = rowsOf<{ id: string; courses: number | string; sessions: number | string; enrolled: number | string }>(
      await this.db.execute(sql`
        WITH RECURSIVE listed(id) AS (SELECT id FROM training_classes WHERE id IN ${[...classIds]}),
        down(class_id, id) AS (
          SELECT t.class_id, t.organization_id FROM training_class_organizations t WHERE t.class_id IN (SELECT id FROM listed)
          UNION
          SELECT down.class_id, o.id FROM organizations o JOIN down ON o.parent_id = down.id
        ),
        enrolment(class_id, user_id) AS (
          SELECT down.class_id, u.id FROM down JOIN users u ON u.organization_id = down.id
          UNION
          SELECT l.class_id, l.user_id FROM training_class_lawyers l WHERE l.class_id IN (SELECT id FROM listed)
        )
        SELECT listed.id, coalesce(k.n, 0) AS courses, coalesce(s.n, 0) AS sessions, coalesce(e.n, 0) AS enrolled
        FROM listed
        LEFT JOIN (SELECT class_id, count(*)::int AS n FROM training_class_courses WHERE class_id IN (SELECT id FROM listed) GROUP BY class_id) k ON k.class_id = listed.id
        LEFT JOIN (SELECT class_id, count(*)::int AS n FROM training_class_sessions WHERE class_id IN (SELECT id FROM listed) GROUP BY class_id) s ON s.class_id = listed.id
        LEFT JOIN (
          SELECT enrolment.class_id, count(*)::int AS n FROM enrolment JOIN users u ON u.id = enrolment.user_id
          WHERE u.license_no IS NOT NULL AND NOT u.disabled GROUP BY enrolment.class_id
        ) e ON e.class_id = listed.id`),
    );
    return new Map(rows.map((r) => [r.id, { courses: Number(r.courses), sessions: Number(r.sessions), enrolled: Number(r.enrolled) }]));
  }

  /** Every lawyer enrolled: accounts with a licence number, not disabled, one by one or in a target subtree. */
  async enrolled(classId: string): Promise<Lawyer[]> {
    const rows = await this.db
      .select({ id: users.id, name: users.name, licenseNo: users.licenseNo, firm: organizations.name })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.organizationId))
      .where(
        and(
          isNotNull(users.licenseNo),
          eq(users.disabled, false),
          sql`(${users.id} IN (SELECT user_id FROM training_class_lawyers WHERE class_id = ${classId})
            OR ${users.organizationId} IN (
              WITH RECURSIVE down(id) AS (
                SELECT organization_id FROM training_class_organizations WHERE class_id = ${classId}
                UNION SELECT o.id FROM organizations o JOIN down ON o.parent_id = down.id
              ) SELECT id FROM down))`,
        ),
      )
      .orderBy(asc(organizations.name), asc(users.name), asc(users.licenseNo));
    return rows.map((r) => ({ ...r, licenseNo: r.licenseNo! }));
  }

  /**
   * What one lawyer did of these courses and sessions, whatever the class (the caller applies
   * each class's deadline: `factsBefore` in progress.ts): three statements for all their classes.
   */
  async lawyerFacts(userId: string, courseIds: readonly string[], sessionIds: readonly string[]): Promise<LawyerFacts> {
    const [completions, attendances, watched] = await Promise.all([
      courseIds.length === 0
        ? []
        : this.db
            .select({ userId: courseCompletions.userId, courseId: courseCompletions.courseId, completedAt: courseCompletions.completedAt, creditMinutes: courseCompletions.creditMinutes })
            .from(courseCompletions)
            .where(and(eq(courseCompletions.userId, userId), inArray(courseCompletions.courseId, [...courseIds]))),
      sessionIds.length === 0
        ? []
        : this.db
            .select({ userId: inPersonAttendances.userId, sessionId: inPersonAttendances.sessionId, own: inPersonAttendances.minutes, sessionMinutes: inPersonSessions.minutes, heldOn: inPersonSessions.heldOn })
            .from(inPersonAttendances)
            .innerJoin(inPersonSessions, eq(inPersonSessions.id, inPersonAttendances.sessionId))
            .where(and(eq(inPersonAttendances.userId, userId), isNull(inPersonAttendances.removedAt), inArray(inPersonAttendances.sessionId, [...sessionIds]))),
      courseIds.length === 0
        ? []
        : this.db
            .selectDistinct({ courseId: lectures.courseId })
            .from(lectureProgress)
            .innerJoin(lectures, eq(lectures.id, lectureProgress.lectureId))
            .where(and(eq(lectureProgress.userId, userId), inArray(lectures.courseId, [...courseIds]), sql`${lectureProgress.coveredSeconds} > 0`)),
    ]);
    return {
      userId,
      completions,
      attendances: attendances.map((a) => ({ userId: a.userId, sessionId: a.sessionId, minutes: a.own ?? a.sessionMinutes, heldOn: a.heldOn })),
      watchedCourseIds: new Set(watched.map((w) => w.courseId)),
    };
  }

  /** What these lawyers did of the class: completions before `deadline`, attendances, any watching. */
  async facts(classId: string, userIds: readonly string[], deadline: Date): Promise<ClassFacts> {
    if (userIds.length === 0) return { completions: [], attendances: [], watched: new Set() };
    const ids = [...userIds];
    const classCourses = sql`(SELECT course_id FROM training_class_courses WHERE class_id = ${classId})`;
    const [completions, attendances, watched] = await Promise.all([
      this.db
        .select({ userId: courseCompletions.userId, courseId: courseCompletions.courseId, completedAt: courseCompletions.completedAt, creditMinutes: courseCompletions.creditMinutes })
        .from(courseCompletions)
        .where(and(inArray(courseCompletions.userId, ids), sql`${courseCompletions.courseId} IN ${classCourses}`, sql`${courseCompletions.completedAt} < ${deadline.toISOString()}::timestamptz`)),
      this.db
        .select({ userId: inPersonAttendances.userId, sessionId: inPersonAttendances.sessionId, own: inPersonAttendances.minutes, sessionMinutes: inPersonSessions.minutes, heldOn: inPersonSessions.heldOn })
        .from(inPersonAttendances)
        .innerJoin(inPersonSessions, eq(inPersonSessions.id, inPersonAttendances.sessionId))
        .where(
          and(
            inArray(inPersonAttendances.userId, ids),
            isNull(inPersonAttendances.removedAt),
            sql`${inPersonAttendances.sessionId} IN (SELECT session_id FROM training_class_sessions WHERE class_id = ${classId})`,
          ),
        ),
      this.db
        .selectDistinct({ userId: lectureProgress.userId })
        .from(lectureProgress)
        .innerJoin(lectures, eq(lectures.id, lectureProgress.lectureId))
        .where(and(inArray(lectureProgress.userId, ids), sql`${lectures.courseId} IN ${classCourses}`, sql`${lectureProgress.coveredSeconds} > 0`)),
    ]);
    return {
      completions,
      attendances: attendances.map((a) => ({ userId: a.userId, sessionId: a.sessionId, minutes: a.own ?? a.sessionMinutes, heldOn: a.heldOn })),
      watched: new Set(watched.map((w) => w.userId)),
    };
  }

  // --- class certificates -------------------------------------------------------------------

  async nextSerialNumber(): Promise<number> {
    const [row] = await this.db.select({ n: sql<string | number>`nextval('certificate_serial_seq')` }).from(sql`(SELECT 1) AS one`);
    return Number(row!.n);
  }

  /** Inserts the certificate unless the lawyer holds one for the class already. */
  async insertCertificate(values: { serial: string; code: string; userId: string; classId: string; holderName: string; className: string; creditMinutes: number; completedAt: Date }): Promise<void> {
    await this.db.insert(classCertificates).values(values).onConflictDoNothing({ target: [classCertificates.userId, classCertificates.classId] });
  }

  private async selectCertificates(where: ReturnType<typeof and>): Promise<ClassCertificateRow[]> {
    return this.db
      .select({
        id: classCertificates.id,
        serial: classCertificates.serial,
        code: classCertificates.code,
        userId: classCertificates.userId,
        classId: classCertificates.classId,
        holderName: classCertificates.holderName,
        className: classCertificates.className,
        creditMinutes: classCertificates.creditMinutes,
        completedAt: classCertificates.completedAt,
        issuedAt: classCertificates.issuedAt,
        licenseNo: users.licenseNo,
        organizationId: users.organizationId,
        classOrganizationId: trainingClasses.organizationId,
      })
      .from(classCertificates)
      .innerJoin(users, eq(users.id, classCertificates.userId))
      .innerJoin(trainingClasses, eq(trainingClasses.id, classCertificates.classId))
      .where(where)
      .orderBy(desc(classCertificates.issuedAt));
  }

  certificatesOfClass(classId: string): Promise<ClassCertificateRow[]> {
    return this.selectCertificates(eq(classCertificates.classId, classId));
  }

  certificatesOfUser(userId: string): Promise<ClassCertificateRow[]> {
    return this.selectCertificates(eq(classCertificates.userId, userId));
  }

  async certificateById(id: string): Promise<ClassCertificateRow | undefined> {
    return (await this.selectCertificates(eq(classCertificates.id, id)))[0];
  }

  async certificateByCode(code: string): Promise<ClassCertificateRow | undefined> {
    return (await this.selectCertificates(eq(classCertificates.code, code)))[0];
  }
}
