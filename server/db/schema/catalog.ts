import { bigint, boolean, index, integer, pgEnum, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';
import { CATEGORY_CODES } from '../../catalog/codes.ts';

/** The codes are written once in server/catalog/codes.ts (the route schemas and the web take the same lists). */
export const courseCategory = pgEnum('course_category', CATEGORY_CODES);

export const courseStatus = pgEnum('course_status', ['draft', 'published', 'archived']);

export const courses = pgTable(
  'courses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    summary: text('summary').notNull().default(''),
    category: courseCategory('category').notNull(),
    /** AUDIENCE_CODES of server/catalog/codes.ts */
    audience: text('audience').array().notNull().default([]),
    status: courseStatus('status').notNull().default('draft'),
    maxPlaybackRate: real('max_playback_rate').notNull().default(1),
    completionRatio: real('completion_ratio').notNull().default(0.95),
    requireVisible: boolean('require_visible').notNull().default(true),
    presenceChecks: boolean('presence_checks').notNull().default(false),
    /**
     * Bumped by a trigger whenever a rule a heartbeat is judged by changes (status and the four
     * rules; migrations/0012): the heartbeat's guard compares this one number (docs/credit.md).
     */
    rulesVersion: integer('rules_version').notNull().default(0),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [index('courses_status_idx').on(t.status), index('courses_organization_idx').on(t.organizationId)],
);

export const lectureStatus = pgEnum('lecture_status', ['uploading', 'processing', 'ready', 'failed']);

export const lectures = pgTable(
  'lectures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    status: lectureStatus('status').notNull().default('uploading'),
    /** machine code of the failure, e.g. 'no_video_stream' */
    failureCode: text('failure_code'),
    /** human-readable reasons a trainer can act on */
    failureReasonZh: text('failure_reason_zh'),
    failureReasonEn: text('failure_reason_en'),
    durationSeconds: real('duration_seconds'),
    /** set by the trainer; null = duration rounded down to whole minutes */
    creditMinutesOverride: integer('credit_minutes_override'),
    /** storage prefix of the published HLS package; set only once the package is complete */
    packagePrefix: text('package_prefix'),
    /** bumped by a trigger when the duration, the credit minutes or the course change (as courses.rules_version) */
    rulesVersion: integer('rules_version').notNull().default(0),
    /** bumped each time a package is published: 1 = the first recording, 2 = its first replacement … (docs/credit.md) */
    mediaVersion: integer('media_version').notNull().default(0),
    /** left out of the catalog by the trainer (an unready lecture in a published course); trainers still see it */
    hidden: boolean('hidden').notNull().default(false),
    /** removed by the trainer; the row stays for the credit earned on it (status 'failed', code 'removed') */
    removedAt: timestamp('removed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('lectures_course_position').on(t.courseId, t.position)],
);

/**
 * Handouts (讲义): a PDF, Word, PowerPoint or Excel file a trainer attaches to a course, or to one
 * of its lectures (docs/handouts.md). The bytes live in storage under `storage_key`; the type is
 * what the file's own bytes say (server/handouts/file-type.ts), never its name.
 */
export const handouts = pgTable(
  'handouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'cascade' }),
    /** null: the course's own handout; else the lecture it belongs to */
    lectureId: uuid('lecture_id').references(() => lectures.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** the name a download is saved as (the uploaded name, its extension matching `type`) */
    fileName: text('file_name').notNull(),
    /** 'pdf' | 'doc' | 'docx' | 'ppt' | 'pptx' | 'xls' | 'xlsx' */
    type: text('type').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    storageKey: text('storage_key').notNull(),
    /** order within the course (course and lecture handouts share one sequence) */
    position: integer('position').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('handouts_course_idx').on(t.courseId, t.position), index('handouts_lecture_idx').on(t.lectureId)],
);
