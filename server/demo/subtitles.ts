/**
 * Subtitles for the demo: what the demo recording's slides say (media.ts, SLIDES_ZH), as zh-CN
 * cues timed to the slides, stored for every demo lecture once they are ready. The demo then
 * shows what a lawyer on the slowest line gets: captions, the transcript panel, transcript search.
 * A seeded demo is not an administrator's change, so it writes no audit entry; a trainer who
 * replaces these subtitles is audited as usual.
 */
import { inArray } from 'drizzle-orm';
import type { AppDeps } from '../app.ts';
import { lectureSubtitles, lectures } from '../db/schema/index.ts';
import { renderVtt, transcriptOf, type Cue } from '../subtitles/parse.ts';
import { SubtitlesRepository } from '../subtitles/repository.ts';
import { DEMO_SLIDE_SECONDS, SLIDES_ZH } from './media.ts';

/**
 * Pure: the cues of a recording `durationSeconds` long whose slides change every `slideSeconds`:
 * each slide's lines share its time evenly; nothing runs past the end.
 */
export function demoCues(durationSeconds: number, slideSeconds = DEMO_SLIDE_SECONDS): Cue[] {
  const cues: Cue[] = [];
  const slides = Math.max(1, Math.ceil(durationSeconds / slideSeconds));
  for (let i = 0; i < slides; i++) {
    const lines = SLIDES_ZH[i % SLIDES_ZH.length]!.map((line) => line.replace(/^·\s*/, ''));
    const from = i * slideSeconds;
    const span = Math.min(slideSeconds, durationSeconds - from) / lines.length;
    lines.forEach((text, k) => {
      const start = Math.round((from + k * span) * 1000) / 1000;
      const end = Math.round(Math.min(durationSeconds, from + (k + 1) * span) * 1000) / 1000;
      if (end > start) cues.push({ start, end, text });
    });
  }
  return cues;
}

/** Stores the demo subtitles for the given (ready) lectures that have none yet. Answers how many. */
export async function seedDemoSubtitles(deps: Pick<AppDeps, 'db' | 'storage'>, lectureIds: string[], slideSeconds = DEMO_SLIDE_SECONDS): Promise<number> {
  if (lectureIds.length === 0) return 0;
  const rows = await deps.db.select({ id: lectures.id, duration: lectures.durationSeconds }).from(lectures).where(inArray(lectures.id, lectureIds));
  const existing = new Set((await deps.db.select({ lectureId: lectureSubtitles.lectureId }).from(lectureSubtitles).where(inArray(lectureSubtitles.lectureId, lectureIds))).map((r) => r.lectureId));
  let stored = 0;
  for (const row of rows) {
    if (existing.has(row.id) || !(row.duration && row.duration > 0)) continue;
    const cues = demoCues(row.duration, slideSeconds);
    const vtt = renderVtt(cues);
    const key = `subtitles/${row.id}/zh-CN/demo.vtt`;
    await deps.storage.put(key, vtt, { contentType: 'text/vtt; charset=utf-8' });
    await deps.db.transaction(async (tx) => {
      const repo = new SubtitlesRepository(tx);
      if (await repo.lock(row.id, 'zh-CN')) return; // a trainer's file arrived meanwhile: keep it
      await repo.replace({ lectureId: row.id, lang: 'zh-CN', storageKey: key, sourceFormat: 'vtt', sourceBytes: Buffer.byteLength(vtt), uploadedBy: null }, cues, transcriptOf(cues));
    });
    stored++;
  }
  return stored;
}
