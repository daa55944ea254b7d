import { sql } from 'drizzle-orm';
import { check, date, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';
import { courses } from './catalog.ts';

/**
 * A pair (结对帮扶, docs/programme.md "Pairing"): a city firm mentoring a county firm (kind
 * 'firm': the two organization columns) or a senior lawyer mentoring a young one (kind 'lawyer':
 * the two user columns). Recorded by an association (`organization_id`), whose administrators
 * and those above may end it. Active from `starts_on` to `ends_on` (Beijing dates, both
 * included; no end date = open) and while `ended_at` is null.
 */
export const pairs = pgTable(
  'pairs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    mentorOrganizationId: uuid('mentor_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    menteeOrganizationId: uuid('mentee_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    mentorUserId: uuid('mentor_user_id').references(() => users.id, { onDelete: 'restrict' }),
    menteeUserId: uuid('mentee_user_id').references(() => users.id, { onDelete: 'restrict' }),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endedBy: uuid('ended_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    check(
      'pairs_sides',
      sql`(${t.kind} = 'firm' AND ${t.mentorOrganizationId} IS NOT NULL AND ${t.menteeOrganizationId} IS NOT NULL AND ${t.mentorUserId} IS NULL AND ${t.menteeUserId} IS NULL)
        OR (${t.kind} = 'lawyer' AND ${t.mentorUserId} IS NOT NULL AND ${t.menteeUserId} IS NOT NULL AND ${t.mentorOrganizationId} IS NULL AND ${t.menteeOrganizationId} IS NULL)`,
    ),
    check('pairs_dates', sql`${t.endsOn} IS NULL OR ${t.endsOn} >= ${t.startsOn}`),
    // one pair not ended between the same two sides
    uniqueIndex('pairs_firms_once').on(t.mentorOrganizationId, t.menteeOrganizationId).where(sql`${t.kind} = 'firm' AND ${t.endedAt} IS NULL`),
    uniqueIndex('pairs_lawyers_once').on(t.mentorUserId, t.menteeUserId).where(sql`${t.kind} = 'lawyer' AND ${t.endedAt} IS NULL`),
    index('pairs_organization').on(t.organizationId),
    index('pairs_mentor_user').on(t.mentorUserId),
    index('pairs_mentee_user').on(t.menteeUserId),
    index('pairs_mentor_organization').on(t.mentorOrganizationId),
    index('pairs_mentee_organization').on(t.menteeOrganizationId),
  ],
);

/** A course the mentor side recommended to the pair's mentee(s); shown on their /me. */
export const pairRecommendations = pgTable(
  'pair_recommendations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pairId: uuid('pair_id').notNull().references(() => pairs.id, { onDelete: 'restrict' }),
    courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'restrict' }),
    note: text('note'),
    recommendedBy: uuid('recommended_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('pair_recommendations_once').on(t.pairId, t.courseId), index('pair_recommendations_course').on(t.courseId)],
);
