/** The only code that touches `lecture_subtitles` and `subtitle_cues` (docs/subtitles.md). */
import { and, asc, eq, inArray, sql, type AnyColumn } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { lectureSubtitles, subtitleCues } from '../db/schema/index.ts';
import type { Cue } from './parse.ts';

/** A subtitle file's row without its transcript (the search's columns are never read back whole). */
export type SubtitleRow = Omit<typeof lectureSubtitles.$inferSelect, 'transcriptText' | 'transcriptFolded'>;
const FILE_COLUMNS = {
  id: lectureSubtitles.id,
  lectureId: lectureSubtitles.lectureId,
  lang: lectureSubtitles.lang,
  storageKey: lectureSubtitles.storageKey,
  sourceFormat: lectureSubtitles.sourceFormat,
  sourceBytes: lectureSubtitles.sourceBytes,
  cueCount: lectureSubtitles.cueCount,
  uploadedBy: lectureSubtitles.uploadedBy,
  createdAt: lectureSubtitles.createdAt,
  updatedAt: lectureSubtitles.updatedAt,
};
export type SubtitleSummary = Pick<SubtitleRow, 'id' | 'lang' | 'cueCount' | 'updatedAt'>;

/** What a catalog hit in a transcript shows: the lecture, a snippet around the hit, its cue's time. */
export interface TranscriptHit {
  courseId: string;
  lectureId: string;
  lectureTitle: string;
  lang: string;
  snippet: string;
  atSeconds: number;
}

/** Cues are inserted in batches so a long lecture's thousands stay under the drivers' parameter limits. */
const CUE_BATCH = 500;

export class SubtitlesRepository {
  constructor(private readonly db: DbOrTx) {}

  async find(lectureId: string, lang: string): Promise<SubtitleRow | undefined> {
    const [row] = await this.db.select(FILE_COLUMNS).from(lectureSubtitles).where(and(eq(lectureSubtitles.lectureId, lectureId), eq(lectureSubtitles.lang, lang)));
    return row;
  }

  /** The lecture's subtitle files (without their transcript text), zh-CN first. */
  async listFor(lectureId: string): Promise<SubtitleSummary[]> {
    return this.db
      .select({ id: lectureSubtitles.id, lang: lectureSubtitles.lang, cueCount: lectureSubtitles.cueCount, updatedAt: lectureSubtitles.updatedAt })
      .from(lectureSubtitles)
      .where(eq(lectureSubtitles.lectureId, lectureId))
      .orderBy(sql`${lectureSubtitles.lang} = 'zh-CN' DESC`, asc(lectureSubtitles.lang));
  }

  /** Lecture id → its languages, for many lectures at once (the trainer's course list). */
  async languagesOf(lectureIds: readonly string[]): Promise<Map<string, { lang: string; cueCount: number; updatedAt: Date }[]>> {
    const map = new Map<string, { lang: string; cueCount: number; updatedAt: Date }[]>();
    if (lectureIds.length === 0) return map;
    const rows = await this.db
      .select({ lectureId: lectureSubtitles.lectureId, lang: lectureSubtitles.lang, cueCount: lectureSubtitles.cueCount, updatedAt: lectureSubtitles.updatedAt })
      .from(lectureSubtitles)
      .where(inArray(lectureSubtitles.lectureId, [...lectureIds]))
      .orderBy(asc(lectureSubtitles.lang));
    for (const r of rows) map.set(r.lectureId, [...(map.get(r.lectureId) ?? []), { lang: r.lang, cueCount: r.cueCount, updatedAt: r.updatedAt }]);
    return map;
  }

  async cues(subtitleId: string): Promise<Cue[]> {
    const rows = await this.db
      .select({ start: subtitleCues.startSeconds, end: subtitleCues.endSeconds, text: subtitleCues.text })
      .from(subtitleCues)
      .where(eq(subtitleCues.subtitleId, subtitleId))
      .orderBy(asc(subtitleCues.seq));
    return rows;
  }

  /** Replaces (or creates) the lecture's file in `lang` with these cues; answers the new row. Run in a transaction. */
  async replace(
    values: { lectureId: string; lang: string; storageKey: string; sourceFormat: string; sourceBytes: number; uploadedBy: string | null },
    cues: readonly Cue[],
    transcript: { text: string; offsets: number[] },
  ): Promise<SubtitleRow> {
    await this.db.delete(lectureSubtitles).where(and(eq(lectureSubtitles.lectureId, values.lectureId), eq(lectureSubtitles.lang, values.lang)));
    const [row] = await this.db
      .insert(lectureSubtitles)
      .values({ ...values, cueCount: cues.length, transcriptText: transcript.text })
      .returning(FILE_COLUMNS);
    for (let i = 0; i < cues.length; i += CUE_BATCH) {
      await this.db.insert(subtitleCues).values(
        cues.slice(i, i + CUE_BATCH).map((c, j) => ({
          subtitleId: row!.id,
          seq: i + j,
          startSeconds: c.start,
          endSeconds: c.end,
          text: c.text,
          textOffset: transcript.offsets[i + j]!,
        })),
      );
    }
    return row!;
  }

  /** Locks the lecture's row in `lang` (a concurrent replace waits); answers it, if any. */
  async lock(lectureId: string, lang: string): Promise<SubtitleRow | undefined> {
    const rows = rowsOf<{ id: string }>(
      await this.db.execute(sql`SELECT id FROM lecture_subtitles WHERE lecture_id = ${lectureId} AND lang = ${lang} FOR UPDATE`),
    );
    return rows.length ? this.find(lectureId, lang) : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.db.delete(lectureSubtitles).where(eq(lectureSubtitles.id, id));
  }

  /**
   * For each of these courses, the first learner-visible lecture (in course order) whose
   * transcript contains `q` (case-insensitive substring: right for Chinese), with a snippet
   * around the hit and the start of the cue it falls in. One query.
   */
  async transcriptHits(courseIds: readonly string[], q: string): Promise<TranscriptHit[]> {
    if (courseIds.length === 0 || q === '') return [];
    const rows = rowsOf<{ course_id: string; lecture_id: string; lecture_title: string; lang: string; snippet: string; at: number | string | null }>(
      await this.db.execute(sql`
        SELECT DISTINCT ON (l.course_id) l.course_id, l.id AS lecture_id, l.title AS lecture_title, s.lang,
               substr(s.transcript_text, greatest(1, p.pos - 24), ${[...q].length + 48}) AS snippet,
               (SELECT c.start_seconds FROM subtitle_cues c WHERE c.subtitle_id = s.id AND c.text_offset <= p.pos ORDER BY c.text_offset DESC LIMIT 1) AS at
          FROM lectures l
          JOIN lecture_subtitles s ON s.lecture_id = l.id
          -- OFFSET 0 keeps the position a computed value: pulled up, strpos ran again for every cue row
          CROSS JOIN LATERAL (SELECT strpos(s.transcript_folded, lower(${q})) AS pos OFFSET 0) p
         WHERE l.course_id IN ${[...courseIds]}
           AND l.removed_at IS NULL AND NOT l.hidden AND l.status = 'ready'
           AND p.pos > 0
         ORDER BY l.course_id, l.position, (s.lang = 'zh-CN') DESC, s.lang`),
    );
    return rows.map((r) => ({
      courseId: r.course_id,
      lectureId: r.lecture_id,
      lectureTitle: r.lecture_title,
      lang: r.lang,
      snippet: r.snippet,
      atSeconds: Number(r.at ?? 0),
    }));
  }
}

/**
 * The catalog's `q` condition on transcripts (for CatalogRepository.listCourses): a
 * learner-visible lecture of the course has a transcript containing the words, case-insensitively
 * (strpos on the folded copy: a substring, right for Chinese, and no LIKE pattern to escape).
 */
export function transcriptMatches(courseIdColumn: AnyColumn, q: string) {
  return sql`EXISTS (SELECT 1 FROM lectures l JOIN lecture_subtitles s ON s.lecture_id = l.id
    WHERE l.course_id = ${courseIdColumn} AND l.removed_at IS NULL AND NOT l.hidden AND l.status = 'ready'
      AND strpos(s.transcript_folded, lower(${q})) > 0)`;
}
