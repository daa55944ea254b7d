/** Schemas of the subtitle answers, shared with the session answer (server/playback/schemas.ts). */
import { Type } from 'typebox';

export const Lang = Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]);
export const SubtitleViewSchema = Type.Object({
  lang: Lang,
  label: Type.String({ description: 'the language in its own words: 中文, English' }),
  cueCount: Type.Integer(),
  updatedAt: Type.String(),
  url: Type.String({ description: 'the WebVTT for a <track>, versioned' }),
});
