import { sql } from 'drizzle-orm';
import { doublePrecision, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { lectures } from './catalog.ts';

/**
 * One subtitle file of a lecture per language (docs/subtitles.md). The normalised WebVTT lives in
 * storage (`storage_key`); the transcript panel and the catalog search read the database:
 * `transcript_text` (the cues' text joined by line breaks) for the search, `subtitle_cues` for
 * the panel and to turn a hit into a time.
 */
export const lectureSubtitles = pgTable(
  'lecture_subtitles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    lectureId: uuid('lecture_id').notNull().references(() => lectures.id, { onDelete: 'cascade' }),
    /** 'zh-CN' | 'en' */
    lang: text('lang').notNull(),
    storageKey: text('storage_key').notNull(),
    /** what the trainer uploaded: 'vtt' | 'srt' */
    sourceFormat: text('source_format').notNull(),
    sourceBytes: integer('source_bytes').notNull(),
    cueCount: integer('cue_count').notNull(),
    transcriptText: text('transcript_text').notNull(),
    /** lower(transcript_text), kept by the database: the search's strpos reads it (6× faster than ILIKE on Chinese text) */
    transcriptFolded: text('transcript_folded')
      .notNull()
      .generatedAlwaysAs(sql`lower(transcript_text)`),
    uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('lecture_subtitles_lecture_lang').on(t.lectureId, t.lang)],
);

export const subtitleCues = pgTable(
  'subtitle_cues',
  {
    subtitleId: uuid('subtitle_id').notNull().references(() => lectureSubtitles.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    startSeconds: doublePrecision('start_seconds').notNull(),
    endSeconds: doublePrecision('end_seconds').notNull(),
    text: text('text').notNull(),
    /** where this cue's text starts in lecture_subtitles.transcript_text (1-based, as strpos counts) */
    textOffset: integer('text_offset').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subtitleId, t.seq] })],
);
