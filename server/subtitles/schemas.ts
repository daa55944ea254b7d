/** Schemas of the subtitle answers, shared with the session answer (server/playback/schemas.ts). */
import { Type, type Static } from 'typebox';

export const Lang = Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]);
export const SubtitleViewSchema = Type.Object({
  lang: Lang,
  label: Type.String({ description: 'the language in its own words: 中文, English' }),
  cueCount: Type.Integer(),
  updatedAt: Type.String(),
  url: Type.String({ description: 'the WebVTT for a <track>, versioned' }),
});

export type SubtitleLang = Static<typeof Lang>;
/** One subtitle file of a lecture, as the trainer's list and the session answer show it. */
export type SubtitleView = Static<typeof SubtitleViewSchema>;
