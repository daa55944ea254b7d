/**
 * TypeBox shape of `POST /api/lectures/:lectureId/transcode/retry` (server/transcoding/routes.ts).
 * Pure: TranscodeRetryService returns its `Static` type and the web imports it type-only
 * (web/src/routes/teach/teach-api.ts), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';

export const RetryAnswerSchema = Type.Object({
  lectureId: Type.String(),
  lectureStatus: Type.Union([Type.Literal('processing'), Type.Literal('ready')], { description: '`ready` when a failed replacement is retried: the old package keeps playing' }),
  jobId: Type.String(),
});

export type RetryAnswer = Static<typeof RetryAnswerSchema>;
