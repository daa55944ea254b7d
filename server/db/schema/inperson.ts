import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';

/**
 * An in-person training session (现场培训) an organization held: its date (a Beijing date), place
 * and the minutes each attendee is credited. `minutes` is the current value; every change of it
 * is a row of in_person_corrections (with the value before, the reason and who) and an audit entry.
 */
export const inPersonSessions = pgTable(
  'in_person_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    heldOn: date('held_on', { mode: 'string' }).notNull(),
    place: text('place').notNull(),
    minutes: integer('minutes').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('in_person_sessions_org_held_on').on(t.organizationId, t.heldOn), check('in_person_sessions_minutes', sql`${t.minutes} >= 0`)],
);

/**
 * One lawyer's attendance of a session. `minutes` null = the session's minutes; a number = this
 * attendance's own (corrected) minutes. A removed attendance stays, with when, by whom and why
 * (the reason is in its in_person_corrections row): a lawyer attends a session once, so the unique
 * index covers only attendances not removed.
 */
export const inPersonAttendances = pgTable(
  'in_person_attendances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id').notNull().references(() => inPersonSessions.id, { onDelete: 'restrict' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
    minutes: integer('minutes'),
    /** how it was recorded: 'form' (one by one) or 'sheet' (a sign-in sheet import) */
    source: text('source').notNull(),
    recordedBy: uuid('recorded_by').references(() => users.id, { onDelete: 'set null' }),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    removedBy: uuid('removed_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('in_person_attendances_once').on(t.sessionId, t.userId).where(sql`${t.removedAt} IS NULL`),
    index('in_person_attendances_user').on(t.userId),
    check('in_person_attendances_minutes', sql`${t.minutes} IS NULL OR ${t.minutes} >= 0`),
  ],
);

/**
 * Every correction of a session or an attendance, append-only (a trigger refuses UPDATE and
 * DELETE): what it was, what it became, why and who. kind: 'session_minutes',
 * 'attendance_minutes', 'attendance_removed' (minutes_after null).
 */
export const inPersonCorrections = pgTable(
  'in_person_corrections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id').notNull().references(() => inPersonSessions.id, { onDelete: 'restrict' }),
    attendanceId: uuid('attendance_id').references(() => inPersonAttendances.id, { onDelete: 'restrict' }),
    kind: text('kind').notNull(),
    minutesBefore: integer('minutes_before').notNull(),
    minutesAfter: integer('minutes_after'),
    reason: text('reason').notNull(),
    correctedBy: uuid('corrected_by').references(() => users.id, { onDelete: 'set null' }),
    correctedAt: timestamp('corrected_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('in_person_corrections_session').on(t.sessionId), check('in_person_corrections_reason', sql`length(trim(${t.reason})) > 0`)],
);
