import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';
import { courses } from './catalog.ts';
import { inPersonSessions } from './inperson.ts';

/**
 * A training class (培训班, docs/programme.md): an organization's programme of courses and
 * in-person sessions for the lawyers it enrols, open from `opens_on` to `closes_on` (Beijing
 * dates, inclusive). `organization_id` owns it (who may administer it); `organizer` is the name
 * printed on the class (主办单位). kind: 'demonstration' (示范培训班), 'provincial', 'firm_directors',
 * 'other'.
 */
export const trainingClasses = pgTable(
  'training_classes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    organizer: text('organizer').notNull(),
    kind: text('kind').notNull(),
    opensOn: date('opens_on', { mode: 'string' }).notNull(),
    closesOn: date('closes_on', { mode: 'string' }).notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('training_classes_org').on(t.organizationId),
    check('training_classes_dates', sql`${t.opensOn} <= ${t.closesOn}`),
    check('training_classes_kind', sql`${t.kind} IN ('demonstration', 'provincial', 'firm_directors', 'other')`),
  ],
);

/** The courses of a class, in order. */
export const trainingClassCourses = pgTable(
  'training_class_courses',
  {
    classId: uuid('class_id').notNull().references(() => trainingClasses.id, { onDelete: 'cascade' }),
    courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.classId, t.courseId] })],
);

/** The in-person sessions (server/inperson) that belong to a class. */
export const trainingClassSessions = pgTable(
  'training_class_sessions',
  {
    classId: uuid('class_id').notNull().references(() => trainingClasses.id, { onDelete: 'cascade' }),
    sessionId: uuid('session_id').notNull().references(() => inPersonSessions.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.classId, t.sessionId] })],
);

/** Target organizations: every lawyer of the subtree is enrolled. */
export const trainingClassOrganizations = pgTable(
  'training_class_organizations',
  {
    classId: uuid('class_id').notNull().references(() => trainingClasses.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.classId, t.organizationId] })],
);

/** Lawyers enrolled one by one. */
export const trainingClassLawyers = pgTable(
  'training_class_lawyers',
  {
    classId: uuid('class_id').notNull().references(() => trainingClasses.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.classId, t.userId] }), index('training_class_lawyers_user').on(t.userId)],
);

/**
 * A class certificate (结业证书 of a 培训班): issued once when a lawyer has done all of a class by
 * its close date. Serial from the course certificates' sequence (certificate_serial_seq), code
 * from the same alphabet, verified at the same public /verify page.
 */
export const classCertificates = pgTable(
  'class_certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serial: text('serial').notNull().unique(),
    code: text('code').notNull().unique(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
    classId: uuid('class_id').notNull().references(() => trainingClasses.id, { onDelete: 'restrict' }),
    holderName: text('holder_name').notNull(),
    className: text('class_name').notNull(),
    creditMinutes: integer('credit_minutes').notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }).notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('class_certificates_user_class').on(t.userId, t.classId)],
);
