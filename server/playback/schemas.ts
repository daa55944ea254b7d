/**
 * The playback routes' bodies and answers: the one source for the route schemas (routes.ts), the
 * service's types (service.ts) and the web app's (lib/api/types.ts, a type-only import). Pure:
 * TypeBox, the shared field schemas and the credit rules' reason list, so the web type check can follow it.
 */
import { Type, type Static } from 'typebox';
import { REJECTION_REASONS } from './credit.ts';
import { Uuid } from '../http/schemas.ts';
import { SubtitleViewSchema } from '../subtitles/schemas.ts';

// ── requests ──

/** Seconds and rates are finite numbers; ±1e7 s is far beyond any lecture but keeps arithmetic sane. */
const MediaSeconds = Type.Number({ minimum: -1e7, maximum: 1e7 });

/** One heartbeat (POST /api/sessions/:sessionId/heartbeats and the shared screen's): checked strictly (routes.ts). */
export const HeartbeatSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    intervals: Type.Array(Type.Tuple([MediaSeconds, MediaSeconds]), { maxItems: 200 }),
    playbackRate: Type.Number({ exclusiveMinimum: 0, maximum: 16 }),
    visible: Type.Boolean(),
    position: Type.Number({ minimum: 0, maximum: 1e7 }),
  },
  { additionalProperties: false },
);

/** A presence check's confirmation: the check and the code its image shows (the shared screen's adds the member's password). */
export const PresenceFields = { checkId: Uuid, code: Type.String({ minLength: 1, maxLength: 20 }) };
/** POST /api/sessions/:sessionId/presence */
export const PresenceSchema = Type.Object(PresenceFields, { additionalProperties: false });

export type HeartbeatBody = Static<typeof HeartbeatSchema>;
export type PresenceBody = Static<typeof PresenceSchema>;

// ── answers ──

export const RejectionSchema = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  reason: Type.Enum(REJECTION_REASONS, { type: 'string', description: REJECTION_REASONS.join(', ') }),
});

export const PresenceCheckSchema = Type.Object({
  id: Type.String(),
  expiresAt: Type.String(),
  image: Type.String({ description: 'URL of a PNG showing the code to type back (the answer never carries the code as text)' }),
});

export const HeartbeatAnswerFields = {
  acceptedSeconds: Type.Number(),
  rejected: Type.Array(RejectionSchema),
  coverageSeconds: Type.Number(),
  coverageRatio: Type.Number(),
  completed: Type.Boolean(),
  creditMinutes: Type.Integer(),
  /** present when the server wants a presence confirmation */
  presenceCheck: Type.Optional(PresenceCheckSchema),
  /** set on the heartbeat that completed the whole course */
  certificateCode: Type.Optional(Type.String()),
};

export const HeartbeatAnswerSchema = Type.Object(HeartbeatAnswerFields);

export type HeartbeatAnswer = Static<typeof HeartbeatAnswerSchema>;
export type PresenceCheckView = Static<typeof PresenceCheckSchema>;
export type RejectedInterval = Static<typeof RejectionSchema>;

/** The session route's answer (POST /api/lectures/:id/sessions): route schema, service result and web type. */
export const SessionAnswerSchema = Type.Object({
  sessionId: Type.String(),
  lectureId: Type.String(),
  resumeAt: Type.Number(),
  heartbeatSeconds: Type.Integer(),
  maxPlaybackRate: Type.Number(),
  completionRatio: Type.Number(),
  media: Type.Object({ master: Type.String(), audio: Type.String(), slides: Type.String(), poster: Type.String() }),
  masterPlaylist: Type.Optional(
    Type.String({ description: 'the text of the playlist at media.master, so the player need not fetch it (docs/player.md, "Start-up"); absent when it could not be read' }),
  ),
  mediaPlaylists: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        'the text of the media playlists a player starts on (the lowest video rendition and its audio), by their URI relative to media.master, as that URL would serve them (docs/player.md, "Start-up"); absent where they are fetched (S3 shared playlists) or could not be read',
    }),
  ),
  durationSeconds: Type.Number(),
  creditMinutes: Type.Integer(),
  coverageSeconds: Type.Number(),
  requireVisible: Type.Boolean(),
  presenceChecks: Type.Boolean(),
  /** a look outside the published catalog (a trainer's or admin's preview): earns nothing */
  preview: Type.Boolean(),
  title: Type.String(),
  courseId: Type.String(),
  courseTitle: Type.String(),
  subtitles: Type.Array(SubtitleViewSchema, { description: 'the lecture’s subtitle files, zh-CN first (docs/subtitles.md)' }),
});
export type SessionAnswer = Static<typeof SessionAnswerSchema>;
