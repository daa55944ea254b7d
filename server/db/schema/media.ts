import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { lectures } from './catalog.ts';

/** An uploaded source file kept in storage. */
export const mediaSources = pgTable('media_sources', {
  id: uuid('id').primaryKey().defaultRandom(),
  lectureId: uuid('lecture_id').notNull().references(() => lectures.id, { onDelete: 'cascade' }),
  storageKey: text('storage_key').notNull(),
  originalName: text('original_name'),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  contentType: text('content_type'),
  /** ffprobe summary, filled by the transcoder */
  probe: jsonb('probe'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const transcodeJobStatus = pgEnum('transcode_job_status', ['queued', 'running', 'done', 'failed']);

/**
 * Work for the transcoder. Workers claim rows with FOR UPDATE SKIP LOCKED and hold a lease
 * renewed by a heartbeat; a row whose lease expired is claimed again, until maxAttempts. On a
 * queued row, lease_expires_at is the "not before" of its back-off.
 */
export const transcodeJobs = pgTable(
  'transcode_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    lectureId: uuid('lecture_id').notNull().references(() => lectures.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id').notNull().references(() => mediaSources.id, { onDelete: 'cascade' }),
    status: transcodeJobStatus('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** attempts for errors that are not the file's and not an outage (and crashes); outages spend none */
    maxAttempts: integer('max_attempts').notNull().default(5),
    /** 0–100 from ffmpeg's progress output */
    progress: integer('progress').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    errorCode: text('error_code'),
    errorReason: text('error_reason'),
    /** since when the job has waited for storage to come back (null: not waiting); bounds the wait */
    waitingSince: timestamp('waiting_since', { withTimezone: true }),
    /** what the package holds: renditions, bandwidths, duration */
    result: jsonb('result'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('transcode_jobs_claim_idx').on(t.status, t.leaseExpiresAt), index('transcode_jobs_lecture_idx').on(t.lectureId)],
);

/**
 * One row per tus upload, written when it is created: the bytes it reserves count against the
 * trainer's quota until it finishes or expires (docs/jobs-and-uploads.md).
 */
export const uploadReservations = pgTable(
  'upload_reservations',
  {
    /** the tus upload id */
    id: text('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    lectureId: uuid('lecture_id').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** set when the last byte arrived or the upload was terminated; the reservation then ends */
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [index('upload_reservations_user_idx').on(t.userId, t.endedAt)],
);
