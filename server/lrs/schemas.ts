/** Pure: the LRS delivery routes' answers (the web imports their types with `import type`). */
import { Type, type Static } from 'typebox';

export const LrsStatus = Type.Object({
  /** false: no LRS_ENDPOINT, nothing is queued or sent */
  configured: Type.Boolean(),
  queued: Type.Integer(),
  sent: Type.Integer(),
  failed: Type.Integer(),
  lastSentAt: Type.Union([Type.String(), Type.Null()]),
  /** the latest failed attempt: a code the web app words (lrs_unauthorized …) and safe text ("HTTP 401") */
  lastError: Type.Union([Type.Object({ code: Type.String(), message: Type.String(), detail: Type.Union([Type.String(), Type.Null()]), at: Type.String() }), Type.Null()]),
});
export type LrsStatus = Static<typeof LrsStatus>;

export const LrsRetryAnswer = Type.Object({ requeued: Type.Integer() });
export type LrsRetryAnswer = Static<typeof LrsRetryAnswer>;

/** Why an attempt failed (the web app words each in zh-CN and English: admin.lrs.error.*). */
export const LRS_ERROR_CODES = ['lrs_unreachable', 'lrs_timeout', 'lrs_unavailable', 'lrs_rate_limited', 'lrs_unauthorized', 'lrs_not_found', 'lrs_rejected'] as const;
export type LrsErrorCode = (typeof LRS_ERROR_CODES)[number];
