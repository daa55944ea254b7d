import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';

export const backgroundJobStatus = pgEnum('background_job_status', ['queued', 'running', 'done', 'failed']);

/**
 * Administrative work too long for one request (a 20,000-row roster import): claimed by the API
 * process with FOR UPDATE SKIP LOCKED and a lease like transcode jobs, read through
 * GET /api/jobs/:jobId by the administrator who started it.
 */
export const backgroundJobs = pgTable(
  'background_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** e.g. `roster_import` */
    kind: text('kind').notNull(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    /** null for the platform's own jobs (LRS delivery) */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'restrict' }),
    status: backgroundJobStatus('status').notNull().default('queued'),
    /** rows or items done so far, of `total` */
    progress: integer('progress').notNull().default(0),
    total: integer('total').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    input: jsonb('input'),
    /** the answer once done; secrets in it (one-time passwords) are removed after the first read */
    result: jsonb('result'),
    errorCode: text('error_code'),
    errorReason: text('error_reason'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    resultReadAt: timestamp('result_read_at', { withTimezone: true }),
  },
  (t) => [index('background_jobs_claim_idx').on(t.status, t.leaseExpiresAt)],
);
