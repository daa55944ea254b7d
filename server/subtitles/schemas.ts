/**
 * TypeBox shapes of the subtitle routes (server/subtitles/routes.ts, docs/subtitles.md), the
 * subtitle list shared with the session answer (server/playback/schemas.ts). Pure: the service
 * and the parser take their `Static` types and the web imports them type-only
 * (web/src/routes/teach/teach-api.ts, web/src/lib/player/transcript.ts), so route, service and
 * web cannot disagree.
 */
import { Type, type Static } from 'typebox';

export const Lang = Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]);
export const SubtitleViewSchema = Type.Object({
  lang: Lang,
  label: Type.String({ description: 'the language in its own words: 中文, English' }),
  cueCount: Type.Integer(),
  updatedAt: Type.String(),
  /** GET /api/lectures/:id/subtitles/:lang.vtt, versioned so a replaced file is fetched anew */
  url: Type.String({ description: 'the WebVTT for a <track>, versioned' }),
});

// ── requests ──

export const LectureParamsSchema = Type.Object({ lectureId: Type.String({ format: 'uuid' }) });
export const SubtitleParamsSchema = Type.Object({ lectureId: Type.String({ format: 'uuid' }), lang: Lang });
export const VttQuerySchema = Type.Object({ v: Type.Optional(Type.String({ maxLength: 40 })) });
export const TranscriptQuerySchema = Type.Object({ lang: Type.Optional(Lang) }, { additionalProperties: false });

// ── answers ──

export const SubtitleListSchema = Type.Object({ items: Type.Array(SubtitleViewSchema) });

export const CueSchema = Type.Object({
  /** seconds, millisecond precision */
  start: Type.Number(),
  end: Type.Number(),
  /** plain text (tags removed, entities decoded), lines joined by \n */
  text: Type.String(),
});

export const TranscriptSchema = Type.Object({ lang: Type.Union([Lang, Type.Null()]), languages: Type.Array(SubtitleViewSchema), cues: Type.Array(CueSchema) });

/** 422: the file cannot be read as subtitles (server/subtitles/parse.ts). */
export const SubtitleErrorSchema = Type.Object({ error: Type.String(), message: Type.String(), line: Type.Integer({ description: 'the line of the file to look at' }) });

export type SubtitleLang = Static<typeof Lang>;
/** One subtitle file of a lecture, as the trainer's list and the session answer show it. */
export type SubtitleView = Static<typeof SubtitleViewSchema>;
export type SubtitleList = Static<typeof SubtitleListSchema>;
/** One cue of a subtitle file, as parsed (parse.ts), stored and answered in the transcript. */
export type Cue = Static<typeof CueSchema>;
export type Transcript = Static<typeof TranscriptSchema>;
export type SubtitleFileProblem = Static<typeof SubtitleErrorSchema>;
