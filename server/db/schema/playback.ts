import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgSequence, pgTable, text, timestamp, uniqueIndex, uuid, primaryKey } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });
import { courses, lectures } from './catalog.ts';

/** One viewing of one lecture. Opening a new one closes the user's other open session. */
export const playbackSessions = pgTable(
  'playback_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    lectureId: uuid('lecture_id').notNull().references(() => lectures.id, { onDelete: 'cascade' }),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** 'replaced' when another session of the same user took over */
    closedReason: text('closed_reason'),
    /** media seconds accepted so far (for the real-time bound) */
    acceptedSeconds: doublePrecision('accepted_seconds').notNull().default(0),
    lastPosition: doublePrecision('last_position').notNull().default(0),
    /** credit is paused after an unanswered presence check until the next confirmed one */
    presenceBlocked: boolean('presence_blocked').notNull().default(false),
    /** bumped by every write of a heartbeat and by closing: the optimistic heartbeat path's guard */
    version: integer('version').notNull().default(0),
    /**
     * The real-time allowance (docs/credit.md, "one budget per lawyer"): wall-clock seconds of
     * watching still available as of `allowance_at`, on the database clock. It grows with time while
     * the session is open, up to a cap, and each accepted media second spends 1/rate of it.
     */
    allowanceSeconds: doublePrecision('allowance_seconds').notNull().default(0),
    allowanceAt: timestamptz('allowance_at').notNull().defaultNow(),
    /** the part of the previous session's unused allowance this one started with (at most the tolerance) */
    carriedInSeconds: doublePrecision('carried_in_seconds').notNull().default(0),
    /** when the last heartbeat of this session was recorded (idle sessions close) */
    lastHeardAt: timestamptz('last_heard_at'),
    /** heartbeats recorded in this session (their rate is bounded) */
    heartbeatCount: integer('heartbeat_count').notNull().default(0),
    /** the highest seq recorded in this session (-1: none): a later one moves the resume position */
    lastSeq: integer('last_seq').notNull().default(-1),
    /** opened outside the published catalog (a trainer's or admin's preview, a draft): earns nothing */
    preview: boolean('preview').notNull().default(false),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('playback_sessions_user_open_idx').on(t.userId, t.closedAt)],
);

/** Append-only evidence: every heartbeat as received, with what was decided. */
export const heartbeats = pgTable(
  'heartbeats',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id').notNull().references(() => playbackSessions.id, { onDelete: 'restrict' }),
    seq: integer('seq').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** the body as sent */
    payload: jsonb('payload').notNull(),
    /** accepted intervals [[from,to],…] after the rules */
    accepted: jsonb('accepted').notNull(),
    /** [{from,to,reason}] */
    rejected: jsonb('rejected').notNull(),
    /** the answer sent, so a retry gets the same answer */
    response: jsonb('response').notNull(),
  },
  (t) => [uniqueIndex('heartbeats_session_seq').on(t.sessionId, t.seq)],
);

export const presenceChecks = pgTable(
  'presence_checks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id').notNull().references(() => playbackSessions.id, { onDelete: 'cascade' }),
    /** media time at which the check is due (undisclosed to the player) */
    dueAtMedia: doublePrecision('due_at_media').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    /** the lawyer and lecture the check belongs to (checks are per lawyer and lecture, not per session) */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    lectureId: uuid('lecture_id').references(() => lectures.id, { onDelete: 'cascade' }),
    /** the code drawn in the check's image, typed back by the person; never sent as text */
    code: text('code'),
    wrongAnswers: integer('wrong_answers').notNull().default(0),
    /** media accepted after the check was due, credited only if it is confirmed in time */
    heldIntervals: jsonb('held_intervals').notNull().default([]),
  },
  (t) => [index('presence_checks_session_idx').on(t.sessionId), index('presence_checks_user_lecture_idx').on(t.userId, t.lectureId)],
);

/** Union of accepted intervals of one lawyer on one lecture, over all sessions. */
export const lectureProgress = pgTable(
  'lecture_progress',
  {
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    lectureId: uuid('lecture_id').notNull().references(() => lectures.id, { onDelete: 'cascade' }),
    intervals: jsonb('intervals').notNull().default([]),
    coveredSeconds: doublePrecision('covered_seconds').notNull().default(0),
    lastPosition: doublePrecision('last_position').notNull().default(0),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** minutes granted at completion; granted once */
    creditMinutes: integer('credit_minutes').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** bumped by every write: the optimistic heartbeat path checks it did not change under it */
    version: integer('version').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lectureId] }), index('lecture_progress_completed_idx').on(t.completedAt)],
);

export const courseCompletions = pgTable(
  'course_completions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'cascade' }),
    completedAt: timestamp('completed_at', { withTimezone: true }).notNull().defaultNow(),
    creditMinutes: integer('credit_minutes').notNull(),
  },
  (t) => [uniqueIndex('course_completions_unique').on(t.userId, t.courseId)],
);

/** Certificate serial numbers (LC-<year>-<6 digits>): one sequence, so serials never repeat across years. */
export const certificateSerial = pgSequence('certificate_serial_seq', { startWith: 1 });

export const certificates = pgTable('certificates', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** human serial, e.g. LC-2026-000123 */
  serial: text('serial').notNull().unique(),
  /** public verification code */
  code: text('code').notNull().unique(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
  courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'restrict' }),
  holderName: text('holder_name').notNull(),
  courseTitle: text('course_title').notNull(),
  creditMinutes: integer('credit_minutes').notNull(),
  issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('certificates_user_course').on(t.userId, t.courseId)]);
