import { date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, boolean } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  login: text('login').notNull().unique(),
  name: text('name').notNull(),
  /** scrypt, see server/auth/password.ts; null = cannot log in until a password is set */
  passwordHash: text('password_hash'),
  /** the firm (or association) the person belongs to */
  organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  /** 执业证号, unique across the country; null for staff who are not practising lawyers */
  licenseNo: text('license_no').unique(),
  /** a disabled account cannot log in and drops out of reports; its evidence stays (docs/accounts.md) */
  disabled: boolean('disabled').notNull().default(false),
  /** set when the password is a one-time password someone else handed over (roster import, reset) */
  passwordChangeRequired: boolean('password_change_required').notNull().default(false),
  /** the day the lawyer started practising (执业开始日期): pro-rates the first year's requirement */
  practiceStartedOn: date('practice_started_on', { mode: 'string' }),
  /** 兼职律师: part-time lawyers owe what the rules say for part-time */
  partTime: boolean('part_time').notNull().default(false),
  /** optional: some provinces exempt lawyers from a given age */
  birthYear: integer('birth_year'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('users_organization_idx').on(t.organizationId)]);

export const role = pgEnum('role', ['admin', 'trainer']);

/** A role on an organization reaches its whole subtree. */
export const roleGrants = pgTable(
  'role_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    role: role('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('role_grants_unique').on(t.userId, t.organizationId, t.role)],
);

/** Login sessions; the cookie carries a random token, the table only its SHA-256. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/** Login tries, kept in the database so the limit holds across API replicas. */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    login: text('login').notNull(),
    ip: text('ip').notNull(),
    succeeded: boolean('succeeded').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('login_attempts_ip_at_idx').on(t.ip, t.at), index('login_attempts_login_at_idx').on(t.login, t.at)],
);
