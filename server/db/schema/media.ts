import { bigint, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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
 * Where an upload stands (docs/jobs-and-uploads.md, "Durable uploads"): `receiving` while bytes
 * arrive; `received` once every byte is kept (its store job puts it into storage); `stored` when
 * it became a media source; `cancelled` (tus DELETE), `expired` (UPLOAD_EXPIRY_DAYS after
 * creation); `dropped` (its lecture is gone), `lost` (its staged bytes vanished before storing).
 */
export type UploadState = 'receiving' | 'received' | 'stored' | 'cancelled' | 'expired' | 'dropped' | 'lost';

/**
 * One row per tus upload, written when it is created: the bytes it reserves count against the
 * trainer's quota until it is received, cancelled or expires; the row then follows the upload
 * until it is in storage (docs/jobs-and-uploads.md).
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
    /** set when the last byte arrived or the upload was cancelled or expired; the reservation then ends */
    endedAt: timestamp('ended_at', { withTimezone: true }),
    state: text('state').$type<UploadState>().notNull().default('receiving'),
    /** where the bytes wait: 'file' (@tus/file-store, DATA_DIR/uploads) or 'storage' (pieces under uploads/<id>/ in the media storage) */
    staging: text('staging').$type<'file' | 'storage'>().notNull().default('file'),
    /** bytes staged so far ('storage' staging; for 'file' the file's length says it) */
    stagedBytes: bigint('staged_bytes', { mode: 'number' }).notNull().default(0),
    /** the tus metadata: lectureId, userId, filename, filetype */
    metadata: jsonb('metadata').$type<Record<string, string | null>>(),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    /** the media source it becomes, chosen when it was received (every retry writes the same key) */
    sourceId: uuid('source_id'),
    /** the background job (kind upload_store) that puts it into storage */
    storeJobId: uuid('store_job_id'),
    storedAt: timestamp('stored_at', { withTimezone: true }),
    /** when its staged bytes were deleted */
    stagingRemovedAt: timestamp('staging_removed_at', { withTimezone: true }),
  },
  (t) => [
    index('upload_reservations_user_idx').on(t.userId, t.endedAt),
    index('upload_reservations_lecture_idx').on(t.lectureId, t.createdAt),
    index('upload_reservations_state_idx').on(t.state),
  ],
);

/** The stored pieces of an upload staged in the media storage (server/uploads/storage-staging.ts). */
export const uploadChunks = pgTable(
  'upload_chunks',
  {
    uploadId: text('upload_id')
      .notNull()
      .references(() => uploadReservations.id, { onDelete: 'cascade' }),
    /** where in the file the piece starts */
    start: bigint('start', { mode: 'number' }).notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    storageKey: text('storage_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.start] })],
);
