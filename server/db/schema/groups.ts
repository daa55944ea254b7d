import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';
import { lectures } from './catalog.ts';
import { playbackSessions } from './playback.ts';

/**
 * Watching together on a firm's computer (集体观看, docs/credit.md "Group watching"): one lecture on
 * one shared screen, started by a lawyer of the firm (the host). Each member watches in a playback
 * session of their own; the group only says who was in front of the screen, and when.
 */
export const groupSessions = pgTable(
  'group_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** the firm whose lawyers may join */
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    lectureId: uuid('lecture_id').notNull().references(() => lectures.id, { onDelete: 'restrict' }),
    hostUserId: uuid('host_user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** 'host_ended' | 'host_left' */
    endedReason: text('ended_reason'),
    /** the highest group heartbeat seq seen (-1: none): a member is judged only for seqs after their join */
    lastSeq: integer('last_seq').notNull().default(-1),
  },
  (t) => [index('group_sessions_host_idx').on(t.hostUserId, t.endedAt)],
);

/** One stretch of one lawyer in a group: joined, confirmed how, left when and why. Rejoining is a new row. */
export const groupMembers = pgTable(
  'group_members',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id').notNull().references(() => groupSessions.id, { onDelete: 'restrict' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    /** 'host' (logged in on the shared computer) | 'password' | 'phone_code' */
    confirmedBy: text('confirmed_by').notNull(),
    /** group heartbeats with a seq above this one are judged for the member */
    joinedAfterSeq: integer('joined_after_seq').notNull(),
    leftAt: timestamp('left_at', { withTimezone: true }),
    /** 'removed' | 'left' | 'session_elsewhere' | 'idle' | 'group_ended' */
    leftReason: text('left_reason'),
    /** group heartbeats up to this seq are still judged for the member (a late outbox) */
    leftAtSeq: integer('left_at_seq'),
    playbackSessionId: uuid('playback_session_id').notNull().references(() => playbackSessions.id, { onDelete: 'restrict' }),
  },
  (t) => [
    check('group_members_confirmed_by', sql`${t.confirmedBy} IN ('host', 'password', 'phone_code')`),
    // a lawyer is present in a group at most once at a time
    uniqueIndex('group_members_present_once').on(t.groupId, t.userId).where(sql`${t.leftAt} IS NULL`),
    uniqueIndex('group_members_session_once').on(t.playbackSessionId),
    index('group_members_user_idx').on(t.userId),
  ],
);

/**
 * The one-time code a lawyer's own phone shows to join a group on the firm's computer: stored as a
 * hash, valid 5 minutes, used once, void after 5 wrong tries. One per lawyer (a new code replaces it).
 */
export const groupJoinCodes = pgTable('group_join_codes', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  codeHash: text('code_hash').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  wrongTries: integer('wrong_tries').notNull().default(0),
});
