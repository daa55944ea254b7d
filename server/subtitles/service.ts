/**
 * Subtitles and transcripts (docs/subtitles.md): a trainer of the course uploads one WebVTT or SRT
 * file per lecture and language; it is checked (parse.ts), stored as normalised WebVTT and kept
 * as cues in the database, every change audited in its transaction. Learners get the file for the
 * player's <track> and the cues for the transcript panel, with the lecture's own visibility.
 */
import { randomUUID } from 'node:crypto';
import type { SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { Db } from '../db/client.ts';
import { notFound } from '../http/errors.ts';
import type { Storage, StoredObject } from '../storage/types.ts';
import type { TeachService } from '../teach/service.ts';
import { parseSubtitles, renderVtt, transcriptOf, type SubtitleFormat } from './parse.ts';
import { SubtitlesRepository, type SubtitleRow } from './repository.ts';
import type { SubtitleLang, SubtitleView, Transcript } from './schemas.ts';

export const SUBTITLE_LANGUAGES = ['zh-CN', 'en'] as const satisfies readonly SubtitleLang[];
/** The track's label, in its own language (what a <track label> and a CC menu show). */
export const SUBTITLE_LABELS: Record<SubtitleLang, string> = { 'zh-CN': '中文', en: 'English' };
/** Trainers' files are small: a two-hour lecture's SRT is about 150 KiB. */
export const SUBTITLE_MAX_BYTES = 2 * 1024 * 1024;
/** The content types the upload takes, and the format each announces. */
export const SUBTITLE_CONTENT_TYPES: Record<string, SubtitleFormat> = { 'text/vtt': 'vtt', 'application/x-subrip': 'srt' };

export class SubtitlesService {
  constructor(
    private readonly db: Db,
    private readonly repo: SubtitlesRepository,
    private readonly storage: Storage,
    private readonly teach: Pick<TeachService, 'lectureForTrainer'>,
    private readonly catalog: Pick<CatalogService, 'getWatchableLecture'>,
  ) {}

  /** The lecture's files, for its trainers (the /teach controls). */
  async listForTrainer(user: SessionUser, lectureId: string): Promise<SubtitleView[]> {
    await this.teach.lectureForTrainer(user, lectureId);
    return this.views(lectureId);
  }

  /** The lecture's files, for whoever may watch it (the player's tracks). */
  async views(lectureId: string): Promise<SubtitleView[]> {
    return subtitleViews(this.repo, lectureId);
  }

  /**
   * Checks the file (a bad one is a 422 naming the line, nothing stored), stores the normalised
   * WebVTT, then replaces the cues and writes the audit entry in one transaction. The old file is
   * removed from storage once the new one is committed.
   */
  async upload(user: SessionUser, lectureId: string, lang: SubtitleLang, body: Buffer, declared: SubtitleFormat, ip: string | null): Promise<SubtitleView> {
    const { lecture, course } = await this.teach.lectureForTrainer(user, lectureId);
    const { format, cues } = parseSubtitles(body, declared, { durationSeconds: lecture.durationSeconds });
    const key = `subtitles/${lecture.id}/${lang}/${randomUUID()}.vtt`;
    await this.storage.put(key, renderVtt(cues), { contentType: 'text/vtt; charset=utf-8' });
    let previous: SubtitleRow | undefined;
    let row: SubtitleRow;
    try {
      row = await this.db.transaction(async (tx) => {
        const repo = new SubtitlesRepository(tx);
        previous = await repo.lock(lecture.id, lang);
        const saved = await repo.replace({ lectureId: lecture.id, lang, storageKey: key, sourceFormat: format, sourceBytes: body.length, uploadedBy: user.id }, cues, transcriptOf(cues));
        await AuditLog.record(tx, {
          actor: user,
          action: previous ? 'lecture.subtitles_replaced' : 'lecture.subtitles_uploaded',
          organizationId: course.organizationId,
          targetType: 'lecture',
          targetId: lecture.id,
          before: previous ? { lang, cueCount: previous.cueCount, format: previous.sourceFormat, bytes: previous.sourceBytes } : null,
          after: { lang, cueCount: saved.cueCount, format, bytes: body.length, lastCueEnd: cues[cues.length - 1]!.end },
          ip,
        });
        return saved;
      });
    } catch (error) {
      await this.storage.deletePrefix(key).catch(() => 0);
      throw error;
    }
    if (previous) await this.storage.deletePrefix(previous.storageKey).catch(() => 0);
    return view(lecture.id, row);
  }

  async remove(user: SessionUser, lectureId: string, lang: SubtitleLang, ip: string | null): Promise<void> {
    const { lecture, course } = await this.teach.lectureForTrainer(user, lectureId);
    const removed = await this.db.transaction(async (tx) => {
      const repo = new SubtitlesRepository(tx);
      const row = await repo.lock(lecture.id, lang);
      if (!row) throw notFound('The subtitle file');
      await repo.remove(row.id);
      await AuditLog.record(tx, {
        actor: user,
        action: 'lecture.subtitles_removed',
        organizationId: course.organizationId,
        targetType: 'lecture',
        targetId: lecture.id,
        before: { lang, cueCount: row.cueCount, format: row.sourceFormat, bytes: row.sourceBytes },
        after: null,
        ip,
      });
      return row;
    });
    await this.storage.deletePrefix(removed.storageKey).catch(() => 0);
  }

  /** The stored WebVTT, for whoever may watch the lecture. */
  async file(user: SessionUser, lectureId: string, lang: SubtitleLang): Promise<{ object: StoredObject; etag: string }> {
    await this.catalog.getWatchableLecture(user, lectureId);
    const row = await this.repo.find(lectureId, lang);
    if (!row) throw notFound('The subtitle file');
    return { object: await this.storage.get(row.storageKey), etag: `"${row.id}"` };
  }

  /** The cues of one language (zh-CN when there is one, unless asked), for the transcript panel. */
  async transcript(user: SessionUser, lectureId: string, lang?: SubtitleLang): Promise<Transcript> {
    await this.catalog.getWatchableLecture(user, lectureId);
    const languages = await this.views(lectureId);
    const chosen = lang ?? languages[0]?.lang;
    if (!chosen) return { lang: null, languages, cues: [] };
    const row = await this.repo.find(lectureId, chosen);
    if (!row) throw notFound('The subtitle file');
    return { lang: chosen, languages, cues: await this.repo.cues(row.id) };
  }
}

/** The lecture's files as the player lists them (also in the session answer: server/playback/routes.ts). */
export async function subtitleViews(repo: Pick<SubtitlesRepository, 'listFor'>, lectureId: string): Promise<SubtitleView[]> {
  return (await repo.listFor(lectureId)).map((r) => view(lectureId, r));
}

function view(lectureId: string, r: Pick<SubtitleRow, 'id' | 'lang' | 'cueCount' | 'updatedAt'>): SubtitleView {
  const lang = r.lang as SubtitleLang;
  return {
    lang,
    label: SUBTITLE_LABELS[lang] ?? r.lang,
    cueCount: r.cueCount,
    updatedAt: r.updatedAt.toISOString(),
    url: `/api/lectures/${lectureId}/subtitles/${lang}.vtt?v=${r.id.slice(0, 8)}`,
  };
}
