import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { playbackSessions } from './playback.ts';

export const lrsStatementState = pgEnum('lrs_statement_state', ['queued', 'sent', 'failed']);

/**
 * The outbox of xAPI statements for the configured learning record store (docs/operations.md,
 * "Sending xAPI to an LRS"). A playback session's statements are written here once, frozen, when
 * the session is final (closed and quiet for LRS_SETTLE_MINUTES), and delivered by the
 * `lrs_delivery` background job; the statement id is the xAPI id, so a resend is idempotent.
 */
export const lrsStatements = pgTable(
  'lrs_statements',
  {
    /** the statement's own id (server/credits/xapi.ts: derived from what it states) */
    id: uuid('id').primaryKey(),
    /** the playback session: the statement's xAPI registration */
    sessionId: uuid('session_id').notNull().references(() => playbackSessions.id, { onDelete: 'cascade' }),
    /** order within the registration (initialized first, terminated last) */
    position: integer('position').notNull(),
    /** the statement exactly as sent: never regenerated, so every attempt sends the same content */
    payload: jsonb('payload').notNull(),
    state: lrsStatementState('state').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** machine code of the last failed attempt (lrs_unavailable, lrs_unauthorized …); never the address or credentials */
    lastErrorCode: text('last_error_code'),
    /** what the LRS answered, as safe text ("HTTP 503") */
    lastErrorDetail: text('last_error_detail'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** the delivering runner holds the statement until then (two runners never post it at once) */
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('lrs_statements_due_idx').on(t.state, t.nextAttemptAt), index('lrs_statements_session_idx').on(t.sessionId)],
);
